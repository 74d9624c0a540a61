"""Retroactive matching with the int8 index decides exactly as the full scan does, and the
backgrounds it seeds from the index's estimates give her (almost) the same threshold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jikimi import registry
from kernel.records import Hit
from kernel.settings import FaceSettings, MatchingSettings, Settings
from search.background import Background, PersonTemplates
from search.crypto import TemplateCipher
from search.faceindex.face_search import IndexedFaceSearch
from search.matching import match_person
from search.sqlite.store import SqliteStore
from tests.factories import (
    MODEL_ID,
    at_cosine,
    make_face,
    make_media,
    make_person,
    make_sighting,
    make_template,
)

PERSON = "p" * 32


def crawled(template_vector: np.ndarray) -> SqliteStore:
    """2,000 strangers scoring 0.32 ± 0.06 against her, and a few faces of her above that."""
    store = SqliteStore(":memory:", TemplateCipher.generate())
    cosines = np.random.default_rng(7).normal(0.32, 0.06, 2000).clip(-1, 0.44)
    near = [0.47, 0.52, 0.6, 0.8]
    for i, cosine in enumerate([*cosines, *near]):
        media = make_media(f"crawl-{i}".encode())
        store.upsert_media(media)
        store.add_sighting(make_sighting(media.media_id, i))
        store.save_enrichment(media, [make_face(
            media.media_id, embedding=at_cosine(template_vector, float(cosine), 1000 + i))])
    return store


def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, faces=FaceSettings(thresholds={MODEL_ID: 0.45}),
                    matching=MatchingSettings(mode="calibrated", target_far=1e-3,
                                              min_background=1000, max_raise=0.2))


def hits_of(store: SqliteStore) -> list[tuple[str, float, str | None, float | None]]:
    def key(h: Hit) -> tuple[str, float, str | None, float | None]:
        return (h.face_id, h.similarity, h.band, h.person_threshold)
    return sorted(key(h) for h in store.hits())


def test_matching_through_the_index_equals_the_full_scan(tmp_path: Path) -> None:
    template = make_template(PERSON, seed=1)
    config = settings(tmp_path)
    outcomes = []
    for use_index in (False, True):
        store = crawled(template.embedding)
        store.add_person(make_person(person_id=PERSON), [template])
        search = registry.open_face_search(config, store) if use_index else None
        assert isinstance(search, IndexedFaceSearch) == use_index
        report = match_person(store, [template], config.faces, config.matching, search)
        outcomes.append((hits_of(store), report.hits))
        store.close()
    (scanned, scanned_hits), (indexed, indexed_hits) = outcomes
    assert len(scanned) >= 4 and scanned_hits == indexed_hits
    for exact, approx in zip(scanned, indexed, strict=True):
        assert exact[:3] == approx[:3]  # same faces, similarities (exact re-score), bands
        assert exact[3] == pytest.approx(approx[3], abs=0.005)  # threshold from estimates


def test_a_background_seeded_from_the_index_is_close_to_the_exact_one(tmp_path: Path) -> None:
    template = make_template(PERSON, seed=1)
    config = settings(tmp_path)
    store = crawled(template.embedding)
    store.add_person(make_person(person_id=PERSON), [template])
    persons = PersonTemplates.of([template])
    index = registry.open_face_search(config, store)
    assert isinstance(index, IndexedFaceSearch)
    thresholds = [Background.open(store, persons, MODEL_ID, 0.45, config.matching, reseed=True,
                                  index=seed_from).thresholds(0.45)[0]
                  for seed_from in (None, index)]
    exact, approx = thresholds
    assert exact.similarity > 0.45  # the dense background raised it
    assert approx.similarity == pytest.approx(exact.similarity, abs=0.005)
    store.close()
