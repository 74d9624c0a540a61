"""`jikimi models check [DIR]`: verify a brought-in recognizer and say what it is, licence first.

Before a deployer points `faces.recognizer_dir` at a model, this shows what they are agreeing to
(licence, model card, limitations) and proves the folder works: the file matches its pinned
sha256, onnxruntime opens it, its input and output agree with the manifest, one blank crop runs
through it, and thresholds beside it, if any, were measured on this very file. Nothing is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from enrichment.faces.manifest_recognizer import ManifestRecognizer
from enrichment.faces.recognizer_manifest import (
    load_recognizer_manifest,
    manifest_source,
    measured_thresholds,
)
from enrichment.faces.sessions import resolve_providers
from jikimi.commands.console import command_group, emit
from kernel.errors import ConfigError
from kernel.measured_thresholds import MeasuredThresholds
from kernel.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    action = command_group(sub, "models", "brought-in face recognizers: verify one")
    check = action("check", cmd_check, "verify a recognizer folder (manifest.yaml, pinned "
                   "sha256, shapes, thresholds) and print its manifest, licence first")
    check.add_argument("path", nargs="?", type=Path, metavar="DIR",
                       help="the folder or its manifest.yaml (default faces.recognizer_dir)")
    check.add_argument("--json", action="store_true", help="print JSON instead of text")


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    path = args.path or settings.faces.recognizer_dir
    if path is None:
        raise ConfigError("name a recognizer folder, or set faces.recognizer_dir")
    folder = manifest_source(path).parent
    manifest, model = load_recognizer_manifest(path)
    providers = resolve_providers(settings.faces.providers)
    recognizer = ManifestRecognizer(manifest, model, providers)
    blank = np.zeros((manifest.input.size, manifest.input.size, 3), dtype=np.uint8)
    recognizer.embed_crops([blank])  # raises when the output is not output.dims long
    measured = measured_thresholds(manifest, folder)
    in_use = settings.faces.model_copy(update={"recognizer_dir": folder}).threshold_for(
        manifest.model_id)
    spec = manifest.input
    fields: dict[str, object] = {
        "licence": manifest.licence,
        "model_card": manifest.model_card,
        "limitations": manifest.limitations,
        "model_id": manifest.model_id,
        "model_file": str(model),
        "sha256": manifest.sha256,
        "input": (f"{recognizer.input_name!r} {spec.size}×{spec.size} {spec.channel_order} "
                  f"{spec.layout}, (pixel × {spec.scale:g} − {list(spec.mean)}) / "
                  f"{list(spec.std)}"),
        "alignment": manifest.describe_alignment(),
        "output": f"{recognizer.output_name!r}, {manifest.output.dims} dims",
        "batch": (f"{recognizer.batch} (fixed by the model)" if recognizer.fixed_batch
                  else f"up to {recognizer.batch}"),
        "providers": list(providers),
        "measured": _measured(measured),
        "threshold_in_use": in_use,
    }
    if args.json:
        fields["measured"] = None if measured is None else measured.model_dump(mode="json")
        emit({**fields, "verified": True})
        return 0
    for name, value in fields.items():
        if name != "providers":
            print(f"{name.replace('_', ' ')}: {'—' if value is None else value}")
    print(f"verified: sha256 matches, loads on {', '.join(providers)}, "
          "input and output agree with the manifest")
    return 0


def _measured(measured: MeasuredThresholds | None) -> str:
    if measured is None:
        return "none: run jikimi eval faces DIR --write-thresholds"
    return (f"{measured.threshold:.4f} for FAR {measured.target_far:g} (TAR {measured.tar:.3f}, "
            f"FAR {measured.far:.5f}; {measured.people} people, {measured.photos} photos in "
            f"{', '.join(measured.sets)}; {measured.measured_at:%Y-%m-%d})")
