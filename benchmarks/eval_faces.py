"""Face-matching accuracy of the configured engine on a labelled photo folder.

Why: a false alert tells a victim her face is somewhere it is not; a miss leaves a deepfake up.
The threshold per model (settings.faces.thresholds) must be chosen from measurements like these,
not guessed. Embeds the largest face of each photo, scores every same-person and every
different-person pair by cosine similarity, and prints the separation: distributions, ROC AUC,
the lowest threshold with zero false accepts (and the true-accept rate there), thresholds for
FAR 1e-2 / 1e-3, and TAR/FAR at the configured threshold.

Layouts: `identities.json` (a list of photo-name groups, one group per person; ../shared/faces/dev)
or one sub-folder per person (../shared/faces/korean-dev/idols).

    python benchmarks/eval_faces.py [DIR] [--config FILE]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from enrichment.decode import decode_image  # noqa: E402
from enrichment.faces import build_engine  # noqa: E402
from jikimi.errors import MediaError  # noqa: E402
from jikimi.ports import FaceEngine  # noqa: E402
from jikimi.settings import Settings, load_settings  # noqa: E402

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "faces" / "dev"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


def load_groups(folder: Path) -> dict[str, list[Path]]:
    """Person label → photo paths, from identities.json or from one sub-folder per person."""
    listing = folder / "identities.json"
    if listing.is_file():
        groups = json.loads(listing.read_text())
        return {f"person{i:02d}": [folder / name for name in group]
                for i, group in enumerate(groups)}
    return {
        sub.name: sorted(p for p in sub.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        for sub in sorted(folder.iterdir()) if sub.is_dir()
    }


def embed_largest(engine: FaceEngine, path: Path, max_pixels: int) -> np.ndarray | None:
    """Embedding of the largest detected face, or None when unreadable or faceless."""
    try:
        rgb = decode_image(path.read_bytes(), max_pixels=max_pixels).rgb
    except (OSError, MediaError):
        return None
    faces = engine.detect(rgb)
    if not faces:
        return None
    largest = max(faces, key=lambda face: face.bbox[2] * face.bbox[3])
    return engine.embed(rgb, [largest])[0]


def pair_scores(vectors: dict[str, list[np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Cosine similarities of all same-person pairs and all different-person pairs."""
    labelled = [(label, v) for label, items in vectors.items() for v in items]
    same: list[float] = []
    diff: list[float] = []
    for (la, va), (lb, vb) in itertools.combinations(labelled, 2):
        (same if la == lb else diff).append(float(va @ vb))
    return np.array(same), np.array(diff)


def roc_auc(same: np.ndarray, diff: np.ndarray) -> float:
    """Probability that a random same-person pair outscores a random different-person pair."""
    scores = np.concatenate([same, diff])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    for value in np.unique(scores):  # average ranks of ties
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    rank_sum = ranks[: len(same)].sum()
    return float((rank_sum - len(same) * (len(same) + 1) / 2) / (len(same) * len(diff)))


def describe(name: str, values: np.ndarray) -> str:
    p1, p5, p50, p95, p99 = np.percentile(values, [1, 5, 50, 95, 99])
    return (f"{name:<17} n={len(values):<6} mean={values.mean():.3f} min={values.min():.3f} "
            f"p1={p1:.3f} p5={p5:.3f} p50={p50:.3f} p95={p95:.3f} p99={p99:.3f} "
            f"max={values.max():.3f}")


def threshold_for_far(diff: np.ndarray, far: float) -> float:
    """Smallest threshold whose false-accept rate (diff ≥ threshold) is at most `far`."""
    ordered = np.sort(diff)[::-1]
    allowed = int(np.floor(far * len(diff)))
    return float(np.nextafter(ordered[allowed], np.inf)) if allowed < len(ordered) else -1.0


def evaluate(folder: Path, settings: Settings) -> int:
    groups = load_groups(folder)
    engine = build_engine(settings)
    started = time.perf_counter()
    vectors: dict[str, list[np.ndarray]] = {}
    missing: list[str] = []
    for label, paths in groups.items():
        for path in paths:
            vector = embed_largest(engine, path, settings.media.max_pixels)
            if vector is None:
                missing.append(path.name)
            else:
                vectors.setdefault(label, []).append(vector)
    photos = sum(len(paths) for paths in groups.values())
    elapsed = time.perf_counter() - started
    print(f"{folder}: {len(groups)} people, {photos} photos, model {engine.model_id}, "
          f"{elapsed:.1f} s")
    print(f"photos without a usable face: {len(missing)} {' '.join(missing)}".rstrip())
    same, diff = pair_scores(vectors)
    if len(same) == 0 or len(diff) == 0:
        print("not enough pairs to evaluate")
        return 1
    print(describe("same person", same))
    print(describe("different people", diff))
    print(f"ROC AUC: {roc_auc(same, diff):.4f}")
    zero_fa = float(np.nextafter(diff.max(), np.inf))
    print(f"zero false accepts from threshold {zero_fa:.3f}: TAR {np.mean(same >= zero_fa):.3f}")
    for far in (1e-2, 1e-3):
        t = threshold_for_far(diff, far)
        print(f"threshold for FAR {far:g}: {t:.3f} (TAR {np.mean(same >= t):.3f})")
    configured = settings.faces.threshold_for(engine.model_id)
    print(f"at configured threshold {configured:.3f}: TAR {np.mean(same >= configured):.3f} "
          f"({int(np.sum(same >= configured))}/{len(same)}), FAR {np.mean(diff >= configured):.4f} "
          f"({int(np.sum(diff >= configured))}/{len(diff)})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--config", type=Path, default=None, help="jikimi settings file")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"no evaluation photos at {args.folder}: nothing to evaluate")
        return 0
    return evaluate(args.folder, load_settings(args.config))


if __name__ == "__main__":
    raise SystemExit(main())
