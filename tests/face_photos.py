"""Demo face photos and engine settings shared by the face tests (neutral, licensed portraits)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from enrichment.decode import decode_image
from kernel.settings import FaceSettings, Settings

PHOTOS = Path(__file__).resolve().parents[1] / "jikimi" / "demo" / "photos"
SHARED = Path(__file__).resolve().parents[2] / "shared"
NAMES = ["person_a_1", "person_a_2", "person_b_1", "person_b_2", "impostor_1", "impostor_2"]
SAME_PERSON = [("person_a_1", "person_a_2"), ("person_b_1", "person_b_2")]


def identity(name: str) -> str:
    return name.rsplit("_", 1)[0] if name.startswith("person") else name


@cache
def photo(name: str) -> np.ndarray:
    rgb = decode_image((PHOTOS / f"{name}.jpg").read_bytes(), max_pixels=64_000_000).rgb
    rgb.setflags(write=False)
    return rgb


def engine_settings(data_dir: Path, **faces: object) -> Settings:
    return Settings(data_dir=data_dir, faces=FaceSettings(**faces))  # type: ignore[arg-type]


def side_by_side(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Two photos pasted next to each other on a white canvas (a two-face image)."""
    height = max(left.shape[0], right.shape[0])
    canvas = np.full((height, left.shape[1] + right.shape[1], 3), 255, dtype=np.uint8)
    canvas[: left.shape[0], : left.shape[1]] = left
    canvas[: right.shape[0], left.shape[1] :] = right
    return canvas
