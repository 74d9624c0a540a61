"""Matching compares faces with enrolled templates only, per model, and records each alert once."""

from __future__ import annotations

import numpy as np
import pytest

from kernel.settings import Settings
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

# These tests check what matching records when a deployment lets bands alert unreviewed
# (`review.policy = "strong_direct"` passes only "strong"); by default nothing alerts.
AUTO = ("strong", "likely")


def near(vector: np.ndarray, noise_seed: int, scale: float = 0.3) -> np.ndarray:
    """A vector close to `vector` (cosine well above any threshold used here)."""
    noisy = vector + scale * unit_vector(noise_seed) / np.sqrt(2)
    return (noisy / np.linalg.norm(noisy)).astype(np.float32)


@pytest.fixture
def store() -> SqliteStore:
    return SqliteStore(":memory:", TemplateCipher.generate())


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, faces={"thresholds": {MODEL_ID: 0.5, "other": 0.5}})


def add_media_with_faces(store: SqliteStore, tag: bytes, embeddings: list[np.ndarray],
                         model_id: str = MODEL_ID) -> str:
    media = make_media(tag)
    store.upsert_media(media)
    store.add_sighting(make_sighting(media.media_id, n=len(tag)))
    faces = [make_face(media.media_id, index=i, embedding=e, model_id=model_id)
             for i, e in enumerate(embeddings)]
    store.save_enrichment(media, faces)
    return media.media_id


def test_new_faces_match_enrolled_person_once_per_media(store, settings):
    person = make_person()
    template = make_template(person.person_id, seed=1)
    store.add_person(person, [template])
    own = template.embedding
    m1 = add_media_with_faces(store, b"m1", [near(own, 10), unit_vector(99)])
    m2 = add_media_with_faces(store, b"m2", [near(own, 11), near(own, 12)])
    add_media_with_faces(store, b"m3", [unit_vector(100)])

    report = match_new_faces(store, settings.faces, settings.matching, alert_bands=AUTO)

    assert report.faces == 5 and report.hits == 3 and report.new_alerts == 2
    alerts = store.alerts(person_id=person.person_id)
    assert sorted(a.media_id for a in alerts) == sorted([m1, m2])
    assert all(a.similarity >= 0.5 and a.media_url.startswith("https://") for a in alerts)
    # A second run finds nothing new: faces are marked, alerts are unique per (person, media).
    again = match_new_faces(store, settings.faces, settings.matching, alert_bands=AUTO)
    assert again.faces == 0 and again.new_alerts == 0
    assert len(store.hits()) == 3 and len(store.alerts()) == 2


def test_faces_of_another_model_are_never_compared(store, settings):
    person = make_person()
    template = make_template(person.person_id, seed=2)
    store.add_person(person, [template])
    add_media_with_faces(store, b"x", [template.embedding.copy()], model_id="other")
    assert match_new_faces(store, settings.faces, settings.matching, alert_bands=AUTO).hits == 0
    assert match_person(store, [template], settings.faces, settings.matching).hits == 0
    assert store.alerts() == []


def test_retroactive_matching_finds_faces_stored_before_enrollment(store, settings):
    early = add_media_with_faces(store, b"early", [near(unit_vector(3), 20)])
    add_media_with_faces(store, b"stranger", [unit_vector(200)])
    # nobody enrolled yet: nothing to find
    match_new_faces(store, settings.faces, settings.matching, alert_bands=AUTO)
    assert store.hits() == []

    person = make_person()
    template = make_template(person.person_id, seed=3)
    store.add_person(person, [template])
    report = match_person(store, [template], settings.faces, settings.matching, alert_bands=AUTO)

    assert report.hits == 1 and report.new_alerts == 1
    (alert,) = store.alerts(person_id=person.person_id)
    assert alert.media_id == early
    again = match_person(store, [template], settings.faces, settings.matching, alert_bands=AUTO)
    assert again.new_alerts == 0


def test_best_template_and_threshold_recorded(store, settings):
    person = make_person()
    t1 = make_template(person.person_id, seed=4)
    t2 = make_template(person.person_id, seed=5)
    store.add_person(person, [t1, t2])
    add_media_with_faces(store, b"close-to-t2", [near(t2.embedding, 30, scale=0.1)])
    match_new_faces(store, settings.faces, settings.matching, alert_bands=AUTO)
    (hit,) = store.hits()
    assert hit.template_id == t2.template_id
    assert hit.threshold == 0.5
    assert hit.similarity == pytest.approx(
        float(near(t2.embedding, 30, scale=0.1) @ t2.embedding), abs=1e-5)


def test_per_model_threshold_decides(store, tmp_path):
    person = make_person()
    template = make_template(person.person_id, seed=6)
    store.add_person(person, [template])
    probe = near(template.embedding, 40, scale=1.2)
    similarity = float(probe @ template.embedding)
    add_media_with_faces(store, b"borderline", [probe])
    strict = Settings(data_dir=tmp_path, faces={"thresholds": {MODEL_ID: similarity + 0.01}})
    assert match_person(store, [template], strict.faces, strict.matching).hits == 0
    loose = Settings(data_dir=tmp_path, faces={"thresholds": {MODEL_ID: similarity - 0.01}})
    assert match_person(store, [template], loose.faces, loose.matching).hits == 1


def test_by_default_matching_alerts_nobody_and_every_hit_waits_for_review(store, settings):
    person = make_person()
    template = make_template(person.person_id, seed=7)
    store.add_person(person, [template])
    add_media_with_faces(store, b"found", [near(template.embedding, 50)])
    report = match_new_faces(store, settings.faces, settings.matching)
    assert report.hits == 1 and report.to_review == 1 and report.new_alerts == 0
    assert store.alerts() == [] and [h.review_state for h in store.hits()] == ["new"]
    only_strong = match_person(store, [template], settings.faces, settings.matching,
                               alert_bands=("strong",))
    assert only_strong.new_alerts == (1 if store.hits()[0].band == "strong" else 0)
