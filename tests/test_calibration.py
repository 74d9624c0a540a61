"""Score sketches, per-person thresholds, fusion and bands, on generated scores."""

from __future__ import annotations

import numpy as np
import pytest

from kernel.errors import StoreError
from kernel.quality import FaceQuality, enrollment_problems, probe_is_poor, yaw_of
from kernel.settings import MatchingSettings
from search.calibration import ScoreSketch, decide, fuse, person_threshold

CALIBRATED = MatchingSettings(mode="calibrated", min_background=1000, target_far=1e-3)


def sketch_of(scores: np.ndarray) -> ScoreSketch:
    sketch = ScoreSketch()
    sketch.add(scores)
    return sketch


def strangers(seed: int, n: int, mean: float, std: float) -> np.ndarray:
    return np.random.default_rng(seed).normal(mean, std, n).clip(-1, 1)


def test_empirical_threshold_holds_the_target_rate_on_a_large_background() -> None:
    scores = strangers(1, 200_000, 0.1, 0.09)
    sketch = sketch_of(scores)
    threshold = sketch.threshold_for(1e-3)
    assert np.mean(scores >= threshold) <= 1e-3
    assert np.mean(scores >= threshold - 0.01) > 1e-3 * 0.5  # not far above what is needed
    assert threshold == pytest.approx(0.1 + 3.09 * 0.09, abs=0.01)


def test_small_background_extends_its_tail_with_a_normal_fit() -> None:
    sketch = sketch_of(strangers(2, 2000, 0.2, 0.1))
    # 1e-4 of 2000 is less than one face: the normal tail (0.2 + 3.72 σ) decides
    assert sketch.threshold_for(1e-4) == pytest.approx(0.2 + 3.719 * 0.1, abs=0.01)


def test_a_dense_background_gives_a_higher_threshold() -> None:
    sparse = sketch_of(strangers(3, 20_000, 0.10, 0.09))
    dense = sketch_of(strangers(3, 20_000, 0.20, 0.10))
    assert dense.threshold_for(1e-3) > sparse.threshold_for(1e-3) + 0.1


def test_sketch_round_trips_and_is_deterministic() -> None:
    scores = strangers(4, 5000, 0.1, 0.1)
    a, b = ScoreSketch(), ScoreSketch()
    a.add(scores)
    for chunk in np.array_split(scores, 7):  # arrives in batches: same counts
        b.add(chunk)
    assert a.to_bytes() == sketch_of(scores).to_bytes()
    assert np.array_equal(a.counts, b.counts) and a.n == b.n == 5000
    back = ScoreSketch.from_bytes(a.to_bytes())
    assert back.threshold_for(1e-3) == a.threshold_for(1e-3)
    assert back.calibrated_score(0.5) == a.calibrated_score(0.5)
    with pytest.raises(StoreError):
        ScoreSketch.from_bytes(b'{"v": 99}')


def test_calibrated_score_is_rarity_among_strangers() -> None:
    sketch = sketch_of(np.linspace(-0.5, 0.5, 9999))
    assert sketch.calibrated_score(0.9) == pytest.approx(4.0)  # above all 9,999: 1 in 10,000
    assert sketch.calibrated_score(-0.9) == pytest.approx(0.0)
    assert sketch.calibrated_score(0.3) > sketch.calibrated_score(0.0) > 0


def test_person_threshold_floors_ceilings_and_fallbacks() -> None:
    dense = sketch_of(strangers(5, 5000, 0.3, 0.1))
    sparse = sketch_of(strangers(5, 5000, 0.0, 0.05))
    raised = person_threshold(dense, 0.45, CALIBRATED)
    assert raised.sketch is dense and raised.similarity == pytest.approx(0.45 + 0.15)  # ceiling
    assert person_threshold(sparse, 0.45, CALIBRATED).similarity == 0.45  # floor: global
    below = CALIBRATED.model_copy(update={"allow_below_global": True})
    assert person_threshold(sparse, 0.45, below).similarity < 0.3
    for fallback in (person_threshold(dense, 0.45, MatchingSettings(mode="global")),
                     person_threshold(sketch_of(np.zeros(999)), 0.45, CALIBRATED),
                     person_threshold(None, 0.45, CALIBRATED)):
        assert (fallback.similarity, fallback.sketch) == (0.45, None)


def test_fusion_best_of_and_top_k_mean() -> None:
    similarity = np.array([[0.9, 0.1, 0.5], [0.2, 0.3, 0.4]])
    assert fuse(similarity, "max", 2).tolist() == [0.9, 0.4]
    assert fuse(similarity, "topk_mean", 2) == pytest.approx([0.7, 0.35])
    assert fuse(similarity, "topk_mean", 5) == pytest.approx([0.5, 0.3])
    assert fuse(similarity[:, :1], "topk_mean", 2).tolist() == [0.9, 0.2]  # one template


def test_bands_and_poor_probes() -> None:
    dense = sketch_of(strangers(6, 5000, 0.25, 0.08))
    threshold = person_threshold(dense, 0.45, CALIBRATED)
    need = threshold.similarity
    assert 0.45 < need < 0.6
    assert decide(0.40, threshold, False, CALIBRATED) is None
    uncertain = decide(0.46, threshold, False, CALIBRATED)  # global would alert, she would not
    assert uncertain is not None and uncertain.band == "uncertain"
    likely = decide(need + 0.01, threshold, False, CALIBRATED)
    assert likely is not None and (likely.band, likely.person_threshold) == ("likely", need)
    assert likely.score is not None and likely.score > 2.5
    strong = decide(need + 0.09, threshold, False, CALIBRATED)
    assert strong is not None and strong.band == "strong"
    poor = decide(need + 0.01, threshold, True, CALIBRATED)  # a poor probe needs the margin
    assert poor is not None and poor.band == "uncertain"
    assert poor.person_threshold == pytest.approx(need + 0.05)
    plain = decide(0.5, person_threshold(None, 0.45, CALIBRATED), False, CALIBRATED)
    assert plain is not None and (plain.band, plain.score) == ("likely", None)


def test_quality_measures_and_limits() -> None:
    frontal = [(30, 40), (60, 40), (45, 55), (35, 70), (55, 70)]
    turned = [(30, 40), (60, 40), (62, 55), (50, 70), (64, 70)]
    assert yaw_of(frontal) == pytest.approx(0.0)
    assert yaw_of(turned) == pytest.approx(17 / 30)
    settings = MatchingSettings()
    good = FaceQuality(face_px=200, yaw=0.05, det_score=0.95, sharpness=500)
    assert enrollment_problems(good, settings) == []
    bad = FaceQuality(face_px=30, yaw=0.6, det_score=0.5, sharpness=5)
    problems = " | ".join(enrollment_problems(bad, settings))
    for words in ("too small", "blurred", "turned away", "hard to see"):
        assert words in problems
    assert not probe_is_poor(good, settings)
    assert probe_is_poor(FaceQuality(face_px=30, yaw=0.0, det_score=0.95), settings)
    assert probe_is_poor(FaceQuality(face_px=200, yaw=0.6, det_score=0.95), settings)
    assert probe_is_poor(FaceQuality(face_px=200, yaw=0.0, det_score=0.6), settings)
