"""Calibrated matching end to end on a store of generated faces: per-person thresholds from the
background, bands, uncertain hits without alerts, probe quality, fusion and determinism."""

from __future__ import annotations

import numpy as np
import pytest

from kernel.records import Face
from kernel.settings import FaceSettings, MatchingSettings, Settings
from search.calibration import ScoreSketch
from search.crypto import TemplateCipher
from search.matching import match_new_faces, match_person
from search.sqlite.store import SqliteStore
from tests.factories import (
    MODEL_ID,
    make_face,
    make_media,
    make_person,
    make_sighting,
    make_template,
    unit_vector,
)

DENSE, SPARSE = "d" * 32, "s" * 32  # person ids: fixed, so two runs can be compared
BACKGROUND = 1500

# These tests check what matching records when a deployment lets bands alert unreviewed
# (`review.policy = "strong_direct"` passes only "strong"); by default nothing alerts.
AUTO = ("strong", "likely")


def at_cosine(target: np.ndarray, cosine: float, seed: int) -> np.ndarray:
    """A unit vector whose cosine with unit `target` is exactly `cosine`."""
    other = unit_vector(10_000 + seed)
    other = other - (other @ target) * target
    other /= np.linalg.norm(other)
    vector = cosine * target + np.sqrt(1 - cosine**2) * other
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def add_face(store: SqliteStore, tag: str, embedding: np.ndarray,
             bbox: tuple[float, float, float, float] = (10.0, 20.0, 64.0, 80.0)) -> Face:
    media = make_media(tag.encode())
    store.upsert_media(media)
    store.add_sighting(make_sighting(media.media_id, n=abs(hash(tag)) % 10_000))
    made = make_face(media.media_id, embedding=embedding, bbox=bbox)
    store.save_enrichment(media, [made])
    return made


def settings_for(tmp_path, mode: str = "calibrated", **matching: object) -> Settings:
    matching = {"mode": mode, "target_far": 1e-3, "min_background": 1000, "max_raise": 0.2,
                **matching}
    return Settings(data_dir=tmp_path, faces=FaceSettings(thresholds={MODEL_ID: 0.45}),
                    matching=MatchingSettings.model_validate(matching))


def build(settings: Settings) -> tuple[SqliteStore, dict[str, Face]]:
    """A crawl that is dense around DENSE's face (strangers score 0.32 ± 0.06 against her, all
    below the global threshold), then both people enroll, then probes arrive."""
    store = SqliteStore(":memory:", TemplateCipher.generate())
    dense_t, sparse_t = make_template(DENSE, seed=1), make_template(SPARSE, seed=2)
    cosines = np.random.default_rng(7).normal(0.32, 0.06, BACKGROUND).clip(-1, 0.44)
    for i, cosine in enumerate(cosines):
        add_face(store, f"bg{i}", at_cosine(dense_t.embedding, float(cosine), 1000 + i))
    store.mark_faces_matched(f.face_id for f in store.faces(MODEL_ID))
    for person_id, template in ((DENSE, dense_t), (SPARSE, sparse_t)):
        store.add_person(make_person(person_id=person_id), [template])
        match_person(store, [template], settings.faces, settings.matching, alert_bands=AUTO)
    probes = {
        "d48": add_face(store, "d48", at_cosine(dense_t.embedding, 0.48, 1)),
        "d56": add_face(store, "d56", at_cosine(dense_t.embedding, 0.56, 2)),
        "d70": add_face(store, "d70", at_cosine(dense_t.embedding, 0.70, 3)),
        "s48": add_face(store, "s48", at_cosine(sparse_t.embedding, 0.48, 4)),
        "s47_tiny": add_face(store, "s47", at_cosine(sparse_t.embedding, 0.47, 5),
                             bbox=(0.0, 0.0, 20.0, 24.0)),
        "s52_tiny": add_face(store, "s52", at_cosine(sparse_t.embedding, 0.52, 6),
                             bbox=(0.0, 0.0, 20.0, 24.0)),
    }
    match_new_faces(store, settings.faces, settings.matching, alert_bands=AUTO)
    return store, probes


def bands(store: SqliteStore, probes: dict[str, Face]) -> dict[str, str | None]:
    names = {f.face_id: name for name, f in probes.items()}
    return {names[h.face_id]: h.band for h in store.hits() if h.face_id in names}


def test_a_dense_background_raises_her_threshold_and_routes_the_gap_to_review(tmp_path):
    store, probes = build(settings_for(tmp_path))
    sketch = ScoreSketch.from_bytes(store.load_calibration(DENSE, MODEL_ID) or b"")
    assert sketch.n == BACKGROUND + 5  # seeded at enrollment, grown by the probes (d70, above
    # the highest threshold she can get, 0.65, is kept out as probably her)
    assert bands(store, probes) == {"d48": "uncertain", "d56": "likely", "d70": "strong",
                                    "s48": "likely", "s47_tiny": "uncertain",
                                    "s52_tiny": "likely"}
    hits = {h.face_id: h for h in store.hits()}
    dense_need = hits[probes["d48"].face_id].person_threshold
    assert dense_need is not None and 0.49 < dense_need < 0.55  # raised above the global 0.45
    assert hits[probes["d56"].face_id].person_threshold == dense_need
    assert hits[probes["s48"].face_id].person_threshold == 0.45  # her background is sparse
    assert hits[probes["s52_tiny"].face_id].person_threshold == pytest.approx(0.50)
    for hit in hits.values():
        assert hit.threshold == 0.45 and hit.score is not None and hit.score > 0
    # uncertain hits wait for review: they create no alert for the person
    alerted = {a.media_id for a in store.alerts()}
    assert alerted == {probes[n].media_id for n in ("d56", "d70", "s48", "s52_tiny")}
    (alert,) = [a for a in store.alerts() if a.media_id == probes["d70"].media_id]
    assert (alert.band, alert.person_threshold) == ("strong", dense_need)
    assert alert.score == hits[probes["d70"].face_id].score


def test_global_mode_alerts_on_what_calibration_sends_to_review(tmp_path):
    store, probes = build(settings_for(tmp_path, mode="global"))
    assert bands(store, probes)["d48"] == "likely"
    assert probes["d48"].media_id in {a.media_id for a in store.alerts()}
    assert all(h.score is None and h.person_threshold in (0.45, 0.5) for h in store.hits())
    # no seeding pass over every stored face at enrollment in global mode
    assert store.load_calibration(DENSE, MODEL_ID) is None


def test_switching_to_calibrated_seeds_the_missing_and_keeps_existing_sketches_current(tmp_path):
    store, _ = build(settings_for(tmp_path, mode="global"))
    calibrated = settings_for(tmp_path)
    # nothing new to match: seeds both people's sketches
    match_new_faces(store, calibrated.faces, calibrated.matching, alert_bands=AUTO)
    seeded = ScoreSketch.from_bytes(store.load_calibration(DENSE, MODEL_ID) or b"")
    assert seeded.n == BACKGROUND + 5  # every stored face but d70 (probably her)
    # back in global mode, an existing sketch still grows with every new face
    add_face(store, "later", at_cosine(make_template(DENSE, seed=1).embedding, 0.3, 77))
    global_mode = settings_for(tmp_path, mode="global")
    match_new_faces(store, global_mode.faces, global_mode.matching, alert_bands=AUTO)
    grown = ScoreSketch.from_bytes(store.load_calibration(DENSE, MODEL_ID) or b"")
    assert grown.n == seeded.n + 1


def test_same_inputs_give_the_same_decisions_and_sketches(tmp_path):
    def run() -> tuple[list[str], bytes | None]:
        store, _ = build(settings_for(tmp_path))
        hits = sorted(repr((h.hit_id, h.band, h.score, h.person_threshold, h.similarity))
                      for h in store.hits())
        return hits, store.load_calibration(DENSE, MODEL_ID)

    assert run() == run()


def test_top_k_mean_fusion_over_several_templates(tmp_path):
    store = SqliteStore(":memory:", TemplateCipher.generate())
    person = make_person(person_id=SPARSE)
    close, far = make_template(SPARSE, seed=1), make_template(SPARSE, seed=2)
    store.add_person(person, [close, far])
    probe = at_cosine(close.embedding, 0.9, 9)
    add_face(store, "probe", probe)
    expected_mean = (0.9 + float(probe @ far.embedding)) / 2

    top_k = settings_for(tmp_path, fusion="topk_mean", fusion_k=2)
    match_new_faces(store, top_k.faces, top_k.matching, alert_bands=AUTO)
    (hit,) = store.hits()
    assert hit.similarity == pytest.approx(expected_mean, abs=1e-5)
    assert hit.template_id == close.template_id  # the best template still names the hit
    best_of = SqliteStore(":memory:", TemplateCipher.generate())
    best_of.add_person(person, [close, far])
    add_face(best_of, "probe", probe)
    max_of = settings_for(tmp_path, fusion="max")
    match_new_faces(best_of, max_of.faces, max_of.matching)
    assert best_of.hits()[0].similarity == pytest.approx(0.9, abs=1e-5)


def test_forgetting_a_person_erases_her_background(tmp_path):
    store, _ = build(settings_for(tmp_path))
    store.delete_person(DENSE)
    assert store.load_calibration(DENSE, MODEL_ID) is None
    assert store.load_calibration(SPARSE, MODEL_ID) is not None
