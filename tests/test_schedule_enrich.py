"""What the Airflow site DAGs call, without Airflow: which media a site's run enriches, in which
batches, and the enrichment of exactly a given batch of ids (safe to retry)."""

from __future__ import annotations

import pytest

from enrichment.analyze import EnrichSettings
from enrichment.stage import enrich_media_ids
from jikimi import registry
from jikimi.demo.site import photo_bytes
from jikimi.schedule.batches import batches, new_media_of_site
from jikimi.schedule.sites import scheduled_sites
from kernel.settings import Settings
from search.blobs.memory import MemoryBlobStore
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.factories import make_media, make_sighting


@pytest.fixture
def store():
    store = SqliteStore(":memory:", TemplateCipher.generate())
    yield store
    store.close()


def queue(store: SqliteStore, blobs: MemoryBlobStore, data: bytes, site: str = "a") -> str:
    media = make_media(data, blob_key=None)
    media.blob_key = f"incoming/{media.media_id}"
    blobs.put(media.blob_key, data)
    store.upsert_media(media)
    store.add_sighting(make_sighting(media.media_id, n=len(data), site=site))
    return media.media_id


def test_batches_keep_order_and_grow_past_the_cap():
    ids = [f"m{i}" for i in range(10)]
    assert batches(ids, 4, 100) == [ids[0:4], ids[4:8], ids[8:10]]
    capped = batches(ids, 2, 3)  # 5 batches of 2 would pass the cap: batches of 4 instead
    assert capped == [ids[0:4], ids[4:8], ids[8:10]]
    assert batches([], 4, 10) == []
    with pytest.raises(ValueError):
        batches(ids, 0, 10)


def test_new_media_of_a_site_leaves_other_sites_and_processed_media(store):
    blobs = MemoryBlobStore()
    first = queue(store, blobs, b"one", site="a")
    other_site = queue(store, blobs, b"two", site="b")
    shared = queue(store, blobs, b"three", site="b")
    store.add_sighting(make_sighting(shared, n=99, site="a"))
    done = queue(store, blobs, b"four", site="a")
    store.set_media_error(done, "already processed")
    assert new_media_of_site(store, "a") == [first, shared]
    assert new_media_of_site(store, "b") == [other_site, shared]


def test_enrich_media_ids_enriches_exactly_the_batch_and_can_run_again(tmp_path, store):
    settings = Settings(data_dir=tmp_path)
    blobs = MemoryBlobStore()
    engine = registry.open_face_engine(settings)
    face = queue(store, blobs, photo_bytes("person_b_1.jpg"))
    corrupt = queue(store, blobs, photo_bytes("person_b_2.jpg")[:2000])
    left_alone = queue(store, blobs, photo_bytes("impostor_1.jpg"))

    suite = registry.open_signal_suite(settings)
    sections = EnrichSettings(settings.media, settings.video)
    report = enrich_media_ids(store, blobs, engine, suite, sections,
                              [face, corrupt, face, "f" * 64])

    assert (report.media, report.enriched, report.faces, report.skipped) == (2, 1, 1, 0)
    assert len(report.errors) == 2 and "no such media" in report.errors[1]
    assert store.get_media(face).status == "enriched"  # type: ignore[union-attr]
    assert store.get_media(corrupt).status == "error"  # type: ignore[union-attr]
    assert store.get_media(left_alone).status == "new"  # type: ignore[union-attr]
    assert list(blobs.keys()) == [f"incoming/{left_alone}"]  # raw bytes of the batch are gone

    again = enrich_media_ids(store, blobs, engine, suite, sections, [face, corrupt])  # retried
    assert (again.media, again.enriched, again.skipped, again.errors) == (0, 0, 2, [])


def test_scheduled_sites_report_broken_files_and_keep_the_rest(tmp_path):
    settings = Settings(data_dir=tmp_path)
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "good.yaml").write_text(
        "name: gallery\nstart_urls: ['https://example.org/']\nschedule: '0 2 * * *'\n")
    (sites / "typo.yaml").write_text("start_urls: ['https://example.org/']\nschedul: daily\n")
    (sites / "bad-cron.yml").write_text(
        "start_urls: ['https://example.org/']\nschedule: '61 * * * *'\n")
    (sites / "twin.yaml").write_text("name: gallery\nstart_urls: ['https://example.com/']\n")
    (sites / "notes.txt").write_text("not a site")

    found, problems = scheduled_sites(settings)

    assert [(s.ref, s.name, s.schedule, s.dag_id) for s in found] == [
        ("good", "gallery", "0 2 * * *", "jikimi_site_gallery")]
    assert len(problems) == 3
    assert any("bad-cron.yml" in p and "minute" in p for p in problems)
    assert any("typo.yaml" in p and "schedul" in p for p in problems)
    assert any("twin.yaml" in p and "already defines" in p for p in problems)
    assert scheduled_sites(Settings(data_dir=tmp_path / "none")) == ([], [])
