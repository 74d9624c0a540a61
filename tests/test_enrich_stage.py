"""The enrichment stage: bad items get a recorded error and the batch goes on; raw bytes go."""

from __future__ import annotations

import hashlib
import struct
import zlib

import pytest

from enrichment.analyze import EnrichSettings
from enrichment.stage import enrich_pending
from jikimi import registry
from jikimi.demo.site import photo_bytes
from kernel.settings import Settings
from search.blobs.local import LocalBlobStore
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.factories import make_media


def png_declaring(width: int, height: int) -> bytes:
    """A PNG header that declares a huge image (a decompression bomb) with no real pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)))


def queue(store: SqliteStore, blobs: LocalBlobStore, data: bytes) -> str:
    media = make_media(data, blob_key=None)
    media.blob_key = f"incoming/{media.media_id}"
    blobs.put(media.blob_key, data)
    store.upsert_media(media)
    return media.media_id


@pytest.mark.parametrize("keep_media", [False, True])
def test_bad_items_are_recorded_and_the_rest_is_enriched(tmp_path, keep_media):
    settings = Settings(data_dir=tmp_path, media={"keep_media": keep_media})
    store = SqliteStore(":memory:", TemplateCipher.generate())
    blobs = LocalBlobStore(tmp_path / "blobs")
    good = queue(store, blobs, photo_bytes("person_b_1.jpg"))
    corrupt = queue(store, blobs, photo_bytes("person_b_2.jpg")[:2000])
    bomb = queue(store, blobs, png_declaring(100_000, 100_000))
    video = queue(store, blobs, b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    junk = queue(store, blobs, b"<html>not media</html>")

    report = enrich_pending(store, blobs, registry.open_face_engine(settings),
                            registry.open_signal_suite(settings),
                            EnrichSettings(settings.media, settings.video))

    assert report.media == 5 and report.enriched == 1 and report.faces == 1
    assert len(report.errors) == 4
    enriched = store.get_media(good)
    assert enriched is not None and enriched.status == "enriched" and enriched.face_count == 1
    assert enriched.pdq and enriched.width and enriched.height
    # MD5 of the stored bytes, for hash sharing (StopNCII / ThreatExchange)
    assert enriched.info["md5"] == hashlib.md5(photo_bytes("person_b_1.jpg")).hexdigest()
    for media_id in (corrupt, bomb, video, junk):
        failed = store.get_media(media_id)
        assert failed is not None and failed.status == "error" and failed.error
    assert "video" in (store.get_media(video).error or "")  # type: ignore[union-attr]
    assert blobs.exists(f"incoming/{good}") is keep_media
    assert blobs.exists(f"incoming/{corrupt}") is keep_media
    assert (enriched.blob_key is not None) is keep_media
    # Idempotent: nothing is left to do, nothing is redone.
    assert enrich_pending(store, blobs, registry.open_face_engine(settings),
                            registry.open_signal_suite(settings),
                            EnrichSettings(settings.media, settings.video)).media == 0
    assert len(list(store.faces(registry.open_face_engine(settings).model_id))) == 1


def test_bytes_left_by_a_crash_are_swept_on_the_next_run(tmp_path):
    settings = Settings(data_dir=tmp_path)
    store = SqliteStore(":memory:", TemplateCipher.generate())
    blobs = LocalBlobStore(tmp_path / "blobs")
    done = queue(store, blobs, photo_bytes("person_b_1.jpg"))
    enrich_pending(store, blobs, registry.open_face_engine(settings),
                            registry.open_signal_suite(settings),
                            EnrichSettings(settings.media, settings.video))
    blobs.put(f"incoming/{done}", b"left behind")  # as if the run died before deleting
    blobs.put("incoming/" + "f" * 64, b"a crawl still writing")  # unknown media: not touched
    waiting = queue(store, blobs, photo_bytes("person_b_2.jpg"))

    report = enrich_pending(store, blobs, registry.open_face_engine(settings),
                            registry.open_signal_suite(settings),
                            EnrichSettings(settings.media, settings.video), limit=0)

    assert report.swept == 1
    assert not blobs.exists(f"incoming/{done}")
    assert blobs.exists("incoming/" + "f" * 64) and blobs.exists(f"incoming/{waiting}")
