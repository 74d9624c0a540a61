"""Face-matching accuracy on labelled photo folders: the numbers thresholds are chosen from.

Why: a false alert tells a victim her face is somewhere it is not; a miss leaves a deepfake up.
Thresholds (global and per person) must come from measurements like these, per group of people,
not from a guess. Every same-person and different-person pair of a set is scored by cosine
similarity of the largest face of each photo; the report gives the distributions, ROC AUC, the
true-accept rate at false-accept rates 1e-2, 1e-3 and 1e-4 with their thresholds, and both rates
at the threshold in use.

Layouts, detected per folder: `identities.json` (a list of photo-name groups, one per person),
one sub-folder per person, or photos directly in the folder (one person per photo: an impostor
pool). A folder whose sub-folders are themselves sets (e.g. korean-dev: idols/, singles/) gives
one report per sub-set and one for all combined. Any other `*.json` holding {name: group} (e.g.
`singles-gender-estimated.json`) defines subgroups: pairs whose people are both in one group.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from enrichment.decode import decode_image
from kernel.errors import MediaError
from kernel.ports import DetectedFace, FaceEngine

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
REPORTED_FARS = (1e-2, 1e-3, 1e-4)


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def load_groups(folder: Path) -> dict[str, list[Path]]:
    """Person label → photo paths, for one set folder (see the module docstring)."""
    listing = folder / "identities.json"
    if listing.is_file():
        groups = json.loads(listing.read_text(encoding="utf-8"))
        return {f"person{i:02d}": [folder / name for name in group]
                for i, group in enumerate(groups)}
    people = {sub.name: _images(sub) for sub in sorted(folder.iterdir()) if sub.is_dir()}
    people = {name: photos for name, photos in people.items() if photos}
    people.update({photo.stem: [photo] for photo in _images(folder)})
    return people


def subgroup_labels(folder: Path) -> dict[str, dict[str, str]]:
    """Label file stem → {person name: group}, from the folder's {name: group} JSON files."""
    labels: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name == "identities.json":
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and all(isinstance(v, str) for v in data.values()):
            labels[path.stem] = data
    return labels


def find_sets(folder: Path) -> list[tuple[str, Path]]:
    """The sets in `folder`: its sub-sets when a sub-folder is a set of people itself (has an
    identities.json or person sub-folders), else the folder itself."""
    subs = [sub for sub in sorted(folder.iterdir()) if sub.is_dir()]
    nested = [sub for sub in subs if (sub / "identities.json").is_file()
              or any(s.is_dir() for s in sub.iterdir())]
    if (folder / "identities.json").is_file() or not nested:
        return [(folder.name, folder)]
    return [(sub.name, sub) for sub in subs if sub in nested or _images(sub)]


@dataclass
class LabelledFaces:
    """One embedding per usable photo, with its person's label (prefixed with its set)."""

    labels: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # person name without the set prefix
    vectors: list[np.ndarray] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def matrix(self) -> np.ndarray:
        return np.stack(self.vectors).astype(np.float32)


def largest_face(
    engine: FaceEngine, path: Path, max_pixels: int
) -> tuple[DetectedFace, np.ndarray] | None:
    """The largest detected face and its embedding, or None when unreadable or faceless."""
    try:
        rgb = decode_image(path.read_bytes(), max_pixels=max_pixels).rgb
    except (OSError, MediaError):
        return None
    faces = engine.detect(rgb)
    if not faces:
        return None
    largest = max(faces, key=lambda face: face.bbox[2] * face.bbox[3])
    return largest, engine.embed(rgb, [largest])[0]


def embed_largest(engine: FaceEngine, path: Path, max_pixels: int) -> np.ndarray | None:
    found = largest_face(engine, path, max_pixels)
    return None if found is None else found[1]


def embed_set(
    prefix: str, groups: dict[str, list[Path]], engine: FaceEngine, max_pixels: int
) -> LabelledFaces:
    faces = LabelledFaces()
    for name, paths in groups.items():
        for path in paths:
            vector = embed_largest(engine, path, max_pixels)
            if vector is None:
                faces.missing.append(f"{prefix}/{path.name}")
                continue
            faces.labels.append(f"{prefix}/{name}")
            faces.names.append(name)
            faces.vectors.append(vector)
    return faces


def pair_scores(labels: list[str], matrix: np.ndarray,
                keep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cosine similarities of all same-person and all different-person pairs (each pair once),
    optionally only among the photos where `keep` is True."""
    if keep is not None:
        labels = [label for label, k in zip(labels, keep, strict=True) if k]
        matrix = matrix[keep]
    upper = np.triu_indices(len(labels), k=1)
    scores = (matrix @ matrix.T)[upper]
    codes = np.unique(np.array(labels), return_inverse=True)[1]
    same = codes[upper[0]] == codes[upper[1]]
    return scores[same].astype(np.float64), scores[~same].astype(np.float64)


def roc_auc(same: np.ndarray, diff: np.ndarray) -> float:
    """Probability that a random same-person pair outscores a random different-person pair
    (ties count half)."""
    ordered = np.sort(diff)
    below = np.searchsorted(ordered, same, side="left")
    at_or_below = np.searchsorted(ordered, same, side="right")
    return float((below + 0.5 * (at_or_below - below)).sum() / (len(same) * len(diff)))


def threshold_for_far(diff: np.ndarray, far: float) -> float:
    """Smallest threshold whose false-accept rate (diff ≥ threshold) is at most `far`."""
    ordered = np.sort(diff)[::-1]
    allowed = int(np.floor(far * len(diff)))
    return float(np.nextafter(ordered[allowed], np.inf)) if allowed < len(ordered) else -1.0


@dataclass
class OperatingPoint:
    far_target: float | None  # None: the threshold in use
    threshold: float
    tar: float | None  # None when the set has no same-person pairs
    far: float
    resolvable: bool  # enough different-person pairs to measure far_target


@dataclass
class SetReport:
    name: str
    people: int
    photos: int
    same: np.ndarray
    diff: np.ndarray
    auc: float | None
    points: list[OperatingPoint]
    in_use: OperatingPoint


def evaluate_pairs(name: str, people: int, photos: int, same: np.ndarray, diff: np.ndarray,
                   threshold_in_use: float) -> SetReport:
    def point(far: float | None, threshold: float) -> OperatingPoint:
        tar = float(np.mean(same >= threshold)) if len(same) else None
        return OperatingPoint(far, threshold, tar, float(np.mean(diff >= threshold)),
                              far is None or far * len(diff) >= 1)

    points = [point(far, threshold_for_far(diff, far)) for far in REPORTED_FARS]
    auc = roc_auc(same, diff) if len(same) and len(diff) else None
    return SetReport(name, people, photos, same, diff, auc, points,
                     point(None, threshold_in_use))


def subgroup_reports(name: str, faces: LabelledFaces, labels: dict[str, dict[str, str]],
                     threshold_in_use: float) -> Iterator[SetReport]:
    """One report per (label file, group) with at least one different-person pair."""
    for label_file, groups in labels.items():
        for group in sorted(set(groups.values())):
            keep = np.array([groups.get(n) == group for n in faces.names])
            if keep.sum() < 2:
                continue
            same, diff = pair_scores(faces.labels, faces.matrix, keep)
            people = len({label for label, k in zip(faces.labels, keep, strict=True) if k})
            yield evaluate_pairs(f"{name} [{label_file}={group}]", people, int(keep.sum()),
                                 same, diff, threshold_in_use)
