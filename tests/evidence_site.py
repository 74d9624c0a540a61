"""The demo fixture site served on 127.0.0.1, and a store whose hits point at it, for evidence
tests. The hits are built directly (no crawl or face model): preservation is what is under test,
and it must work from the records alone, as it does after raw media has been deleted."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.demo.site import FixtureServer, build_site, photo_bytes, serve
from kernel.ports import Store
from kernel.records import Hit
from kernel.settings import Settings
from tests.factories import make_face, make_hit, make_media, make_person, make_sighting


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureServer]:
    root = tmp_path_factory.mktemp("demo-site")
    build_site(root)
    server = serve(root)
    yield server
    server.stop()


@dataclass
class Hits:
    matching: Hit  # person_a_2.jpg on gallery/2.html: the bytes still hash to the media id
    replaced: Hit  # its URL now serves other bytes (impostor_1.jpg): a recorded mismatch
    gone: Hit  # its URL answers 404: the capture fails, clearly


def seed_hits(store: Store, base_url: str, state: str = "confirmed") -> Hits:
    """Three hits on the demo site's pages, as the pipeline would have stored them and an
    operator confirmed them (only confirmed hits are in takedown exports); `state="new"` leaves
    them awaiting review."""
    person = make_person(name="Demo Person")
    store.add_person(person, [])
    hits = []
    for n, (data, media_path, page_path) in enumerate(
        [
            (photo_bytes("person_a_2.jpg"), "media/person_a_2.jpg", "gallery/2.html"),
            (b"bytes the host has since replaced", "media/impostor_1.jpg", "gallery/1.html"),
            (b"bytes the host has since deleted", "media/deleted.jpg", "gallery/3.html"),
        ]
    ):
        media = make_media(data, size=len(data))
        store.upsert_media(media)
        store.add_sighting(
            make_sighting(
                media.media_id,
                media_url=f"{base_url}/{media_path}",
                page_url=f"{base_url}/{page_path}",
                site="demo",
            )
        )
        face = make_face(media.media_id, seed=n)
        store.save_enrichment(media, [face])
        hit = make_hit(person.person_id, face)
        store.upsert_hit(hit)
        if state != "new":
            store.set_review_state(hit.hit_id, state, reviewer="operator-kim")
        hits.append(hit)
    return Hits(*hits)


def seeded_settings(tmp_path: Path, base_url: str, **fields: object) -> tuple[Settings, Hits]:
    """Settings for a data dir whose SQLite store holds the three hits (loopback allowed)."""
    settings = Settings.model_validate({"data_dir": tmp_path, **fields})
    settings.evidence.allow_private = True
    store = registry.open_store(settings)
    try:
        hits = seed_hits(store, base_url)
    finally:
        store.close()
    return settings, hits


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
