"""A brought-in recognizer's threshold, measured on labelled folders and kept beside its manifest.

Why measured and not guessed: cosine scales differ between models (SFace matches from ~0.45,
ArcFace-class models lower), and a threshold taken from another model either alerts a victim
falsely or misses her. The threshold is the lowest one whose false-accept rate on the set's
different-person pairs is at most the target (`matching.target_far` unless given), rounded up to
4 decimals; a set too small to resolve the target is refused rather than trusted. What is written
(and printed) is aggregate: the threshold, the rates at it, and counts, never one pair's score.
"""

from __future__ import annotations

import math
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from enrichment.faces.recognizer_manifest import (
    RecognizerManifest,
    load_recognizer_manifest,
    measured_thresholds,
)
from jikimi.evaluation import LabelledFaces, pair_scores, threshold_for_far
from kernel.errors import ConfigError
from kernel.measured_thresholds import THRESHOLDS_FILE, MeasuredThresholds, write_measured
from kernel.settings import FaceSettings


def manifest_to_measure(faces: FaceSettings) -> tuple[RecognizerManifest, Path]:
    """The configured recognizer's manifest and folder, checked before any photo is embedded.
    Thresholds measured for another model file are removed: they are refused anyway, and
    measuring anew is what the operator asked for."""
    if faces.recognizer_dir is None:
        raise ConfigError("--write-thresholds measures a brought-in recognizer: set "
                          "faces.recognizer_dir (built-in models' thresholds are the setting "
                          "faces.thresholds)")
    folder = Path(faces.recognizer_dir).expanduser()
    manifest, _ = load_recognizer_manifest(folder)
    try:
        measured_thresholds(manifest, folder)
    except ConfigError as stale:
        print(f"{stale}; it will be replaced", file=sys.stderr)
        (folder / THRESHOLDS_FILE).unlink()
    return manifest, folder


def measure(faces: LabelledFaces, manifest: RecognizerManifest, target_far: float,
            sets: list[str]) -> MeasuredThresholds:
    """The threshold at `target_far` on every pair of `faces`; ConfigError when the set cannot
    measure it (no same-person pair, or too few different-person pairs)."""
    if len(faces.vectors) < 2:
        raise ConfigError("fewer than two photos with a usable face: nothing to measure")
    same, diff = pair_scores(faces.labels, faces.matrix)
    if len(same) == 0:
        raise ConfigError("no two photos of one person: a threshold needs same-person pairs")
    needed = math.ceil(1.0 / target_far)
    if len(diff) < needed:
        raise ConfigError(f"{len(diff)} different-person pairs cannot measure a false-accept "
                          f"rate of {target_far:g} (it needs at least {needed}): add people, "
                          "or pass a larger --target-far")
    threshold = min(1.0, math.ceil(threshold_for_far(diff, target_far) * 1e4) / 1e4)
    return MeasuredThresholds(
        model_id=manifest.model_id, sha256=manifest.sha256, threshold=threshold,
        target_far=target_far, far=round(float(np.mean(diff >= threshold)), 6),
        tar=round(float(np.mean(same >= threshold)), 6), sets=sets, people=len(set(faces.labels)),
        photos=len(faces.labels), same_pairs=len(same), different_pairs=len(diff),
        measured_at=datetime.now(UTC).replace(microsecond=0),
    )


def write_and_describe(folder: Path, measured: MeasuredThresholds) -> str:
    path = write_measured(folder, measured)
    return (f"wrote {path}: {measured.model_id} threshold {measured.threshold:.4f} for FAR "
            f"{measured.target_far:g}: TAR {measured.tar:.3f}, FAR {measured.far:.5f} "
            f"({measured.people} people, {measured.photos} photos, {measured.same_pairs} "
            f"same-person and {measured.different_pairs} different-person pairs)")
