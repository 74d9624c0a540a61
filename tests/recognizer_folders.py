"""Recognizer folders for the manifest tests: the shipped, fixed SFace file under a manifest.

SFace normalises pixels inside its graph, so its manifest feeds raw 0–255 RGB (scale 1, mean 0,
std 1), NCHW, 112 px ArcFace-aligned crops, 128 dims: exactly what the built-in engine feeds it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from enrichment.faces.model_fix import file_sha256, fixed_sface

MODEL_ID = "sface-by-manifest"


def sface_fields(model: Path) -> dict[str, Any]:
    return {
        "model_id": MODEL_ID,
        "model_file": model.name,
        "sha256": file_sha256(model),
        "input": {"size": 112, "layout": "NCHW", "channel_order": "RGB", "scale": 1,
                  "mean": [0, 0, 0], "std": [1, 1, 1]},
        "alignment": "arcface",
        "output": {"dims": 128},
        "licence": "Apache-2.0",
        "model_card": "https://github.com/opencv/opencv_zoo/tree/main/models/"
                      "face_recognition_sface",
        "limitations": "Weaker than ArcFace-class models, notably on East-Asian faces.",
    }


def write_manifest(folder: Path, fields: dict[str, Any]) -> Path:
    path = folder / "manifest.yaml"
    path.write_text(yaml.safe_dump(fields, sort_keys=False), encoding="utf-8")
    return path


def sface_folder(folder: Path, cache: Path, **changes: Any) -> Path:
    """`folder` holding the fixed SFace model and its manifest, with `changes` to its fields."""
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / "sface.onnx"
    shutil.copy(fixed_sface(cache), model)
    write_manifest(folder, sface_fields(model) | changes)
    return folder
