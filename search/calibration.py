"""Calibrated decisions: a per-person threshold from her similarity against strangers.

Face recognizers confuse some people with others far more often than average (young Korean women
with each other, with SFace, 3–5× more than a mixed set). The faces jikimi crawls are almost all
strangers, so how an enrolled person's templates score against them — her *background* — says how
high a stranger's score can go for her. `ScoreSketch` keeps that distribution as a fixed-bin
histogram with moments: small (no faces, no images, only counts), mergeable, updated as faces
arrive, and identical for identical inputs. From it come her threshold for a target false-accept
rate and a calibrated score: how rare her score is among strangers, as -log10 of the fraction of
background faces at or above it (4.0 = one stranger in 10,000).

The band of a (face, person) pair follows from that threshold, the model's global threshold and
the probe's quality (see `decide`). With `allow_below_global` off (the default) calibration can
only make alerting stricter: a face the global threshold accepts but her threshold does not is
still recorded, as "uncertain", for operator review.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from kernel.errors import StoreError
from kernel.records import MatchBand
from kernel.settings import MatchingSettings

BIN_WIDTH = 0.005
BINS = int(round(2.0 / BIN_WIDTH))  # cosine similarity lies in [-1, 1]
MIN_TAIL = 10  # background faces above a threshold before the empirical tail is trusted
SKETCH_VERSION = 1


def _bin_of(scores: np.ndarray) -> np.ndarray:
    return np.clip(np.floor((scores + 1.0) / BIN_WIDTH), 0, BINS - 1).astype(np.int64)


def _edge(index: int) -> float:
    return round(-1.0 + index * BIN_WIDTH, 6)


@dataclass
class ScoreSketch:
    """Histogram (bins of 0.005 over [-1, 1]) plus count, sum and sum of squares of scores."""

    counts: np.ndarray = field(default_factory=lambda: np.zeros(BINS, dtype=np.int64))
    total: float = 0.0
    total_sq: float = 0.0

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    def add(self, scores: np.ndarray) -> None:
        values = np.asarray(scores, dtype=np.float64).ravel()
        if values.size == 0:
            return
        self.counts += np.bincount(_bin_of(values), minlength=BINS)
        self.total += float(values.sum())
        self.total_sq += float(np.square(values).sum())

    def mean_std(self) -> tuple[float, float]:
        n = self.n
        mean = self.total / n
        return mean, math.sqrt(max(self.total_sq / n - mean * mean, 0.0))

    def at_or_above(self, similarity: float) -> int:
        """Background scores in the bins at or above the one `similarity` falls in."""
        return int(self.counts[int(_bin_of(np.array([similarity]))[0]):].sum())

    def calibrated_score(self, similarity: float) -> float:
        """-log10 of the (add-one) fraction of background scores at or above `similarity`."""
        return round(-math.log10((self.at_or_above(similarity) + 1) / (self.n + 1)), 4)

    def threshold_for(self, far: float) -> float:
        """The similarity at which about `far` of the background would pass.

        Where the background is large enough, its own upper tail decides; beyond what it can
        resolve (fewer than MIN_TAIL scores above), a normal tail fitted to its moments extends
        it. The larger of the two is taken: the sketch never claims more than it has seen.
        """
        n = self.n
        resolvable = max(far, MIN_TAIL / n)
        allowed = int(math.floor(resolvable * n))
        tail = np.cumsum(self.counts[::-1])[::-1]  # tail[i]: scores in bin i or above
        above = np.nonzero(tail <= allowed)[0]
        empirical = _edge(int(above[0])) if above.size else 1.0
        mean, std = self.mean_std()
        normal = mean + NormalDist().inv_cdf(1.0 - far) * std
        return round(max(empirical, normal), 6)

    # -------------------------------------------------------------------------- storage ---
    def to_bytes(self) -> bytes:
        nonzero = np.nonzero(self.counts)[0]
        body = {
            "v": SKETCH_VERSION, "bin_width": BIN_WIDTH, "sum": self.total,
            "sum_sq": self.total_sq, "bins": {str(int(i)): int(self.counts[i]) for i in nonzero},
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> ScoreSketch:
        try:
            body = json.loads(data)
            if body.get("v") != SKETCH_VERSION or body.get("bin_width") != BIN_WIDTH:
                raise ValueError(f"unsupported sketch version {body.get('v')}")
            counts = np.zeros(BINS, dtype=np.int64)
            for index, count in body["bins"].items():
                counts[int(index)] = int(count)
            return cls(counts, float(body["sum"]), float(body["sum_sq"]))
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise StoreError(f"unreadable calibration record: {exc}") from None


def fuse(similarity: np.ndarray, method: str, k: int) -> np.ndarray:
    """(faces, templates of one person) → (faces,): best-of, or the mean of the k best."""
    if similarity.shape[1] == 1 or method == "max":
        return np.asarray(similarity.max(axis=1))
    top = np.sort(similarity, axis=1)[:, ::-1][:, : min(k, similarity.shape[1])]
    return np.asarray(top.mean(axis=1))


@dataclass(frozen=True)
class PersonThreshold:
    """What one person needs on one model: the similarity to alert, and how it was chosen."""

    similarity: float
    global_threshold: float
    sketch: ScoreSketch | None  # None: the global threshold decided (mode or too little data)

    @property
    def review_floor(self) -> float:
        return min(self.similarity, self.global_threshold)


def person_threshold(
    sketch: ScoreSketch | None, global_threshold: float, settings: MatchingSettings
) -> PersonThreshold:
    if settings.mode != "calibrated" or sketch is None or sketch.n < settings.min_background:
        return PersonThreshold(global_threshold, global_threshold, None)
    wanted = sketch.threshold_for(settings.target_far)
    if not settings.allow_below_global:
        wanted = max(wanted, global_threshold)
    wanted = min(wanted, global_threshold + settings.max_raise)
    return PersonThreshold(round(wanted, 6), global_threshold, sketch)


@dataclass(frozen=True)
class Decision:
    band: MatchBand
    person_threshold: float  # the similarity this person needed on this face
    score: float | None  # calibrated score, None when the global threshold decided


def decide(
    similarity: float, threshold: PersonThreshold, poor_probe: bool, settings: MatchingSettings
) -> Decision | None:
    """The band of one (face, person) pair, or None when it is no hit at all.

    likely/strong: at or above her threshold (plus `probe_quality_margin` for a poor probe);
    strong from `strong_margin` above that. uncertain: below that but at or above the lower of
    her and the global threshold, less `review_margin`: recorded for review, never alerted.
    """
    need = threshold.similarity + (settings.probe_quality_margin if poor_probe else 0.0)
    if similarity >= need:
        band: MatchBand = "strong" if similarity >= need + settings.strong_margin else "likely"
    elif similarity >= threshold.review_floor - settings.review_margin:
        band = "uncertain"
    else:
        return None
    score = None if threshold.sketch is None else threshold.sketch.calibrated_score(similarity)
    return Decision(band, round(need, 6), score)
