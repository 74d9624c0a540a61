"""An image whose pixels are identical to an enriched one's gets its faces; a lookalike does not."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
from PIL import Image

from enrichment.analyze import EnrichSettings
from enrichment.decode import decode_image
from enrichment.pixel_digest import pixel_digest
from enrichment.stage import enrich_pending
from jikimi import registry
from jikimi.demo.site import photo_bytes
from kernel.settings import Settings
from search.blobs.local import LocalBlobStore
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.factories import make_media

PHOTO = "person_b_1.jpg"


def with_segment(data: bytes, marker: int, payload: bytes) -> bytes:
    """The JPEG with one more metadata segment right after its SOI marker."""
    segment = bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload
    return data[:2] + segment + data[2:]


def recompressed(data: bytes) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def digest_of(data: bytes) -> str:
    return pixel_digest(data, decode_image(data, max_pixels=64_000_000))


def test_pixel_digest_ignores_metadata_and_sees_pixels() -> None:
    data = photo_bytes(PHOTO)
    assert digest_of(with_segment(data, 0xFE, b"re-uploaded")) == digest_of(data)
    assert digest_of(with_segment(data, 0xED, b"Photoshop 3.0\x00iptc")) == digest_of(data)
    assert digest_of(recompressed(data)) != digest_of(data)
    assert digest_of(with_segment(data, 0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01")) != \
        digest_of(data)  # APP14 can change the colour transform: never ignored
    png = io.BytesIO()
    Image.open(io.BytesIO(data)).save(png, format="PNG")
    assert digest_of(png.getvalue()).startswith("rgb:")


def queue(store: SqliteStore, blobs: LocalBlobStore, data: bytes) -> str:
    media = make_media(data, blob_key=None)
    media.blob_key = f"incoming/{media.media_id}"
    blobs.put(media.blob_key, data)
    store.upsert_media(media)
    return media.media_id


def test_identical_pixels_reuse_faces_and_a_different_digest_does_not(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    store = SqliteStore(":memory:", TemplateCipher.generate())
    blobs = LocalBlobStore(tmp_path / "blobs")
    engine, suite = registry.open_face_engine(settings), registry.open_signal_suite(settings)
    sections = EnrichSettings(settings.media, settings.video)

    def enrich() -> int:
        return enrich_pending(store, blobs, engine, suite, sections).reused

    original = queue(store, blobs, photo_bytes(PHOTO))
    assert enrich() == 0
    copy = queue(store, blobs, with_segment(photo_bytes(PHOTO), 0xFE, b"stripped and re-saved"))
    assert enrich() == 1

    source, reused = store.get_media(original), store.get_media(copy)
    assert source is not None and reused is not None
    assert reused.info["reused_faces_from"] == original and reused.pdq == source.pdq
    faces = {f.media_id: f for f in store.faces(engine.model_id)}
    assert faces[copy].face_id != faces[original].face_id
    assert faces[copy].bbox == faces[original].bbox
    np.testing.assert_array_equal(faces[copy].embedding, faces[original].embedding)

    # Same PDQ and size, but the source's pixel digest differs: detect afresh, never copy.
    store.save_enrichment(replace(source, info=dict(source.info, pixel_digest="jpeg:other")),
                          [faces[original]])
    store.save_enrichment(replace(reused, info=dict(reused.info, pixel_digest="jpeg:other")),
                          [faces[copy]])
    third = queue(store, blobs, with_segment(photo_bytes(PHOTO), 0xFE, b"a third upload"))
    assert enrich() == 0
    fresh = store.get_media(third)
    assert fresh is not None and "reused_faces_from" not in fresh.info
    assert fresh.face_count == 1


def test_reuse_can_be_switched_off(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, media={"reuse_identical": False})
    store = SqliteStore(":memory:", TemplateCipher.generate())
    blobs = LocalBlobStore(tmp_path / "blobs")
    sections = EnrichSettings(settings.media, settings.video)
    queue(store, blobs, photo_bytes(PHOTO))
    queue(store, blobs, with_segment(photo_bytes(PHOTO), 0xFE, b"copy"))
    report = enrich_pending(store, blobs, registry.open_face_engine(settings),
                            registry.open_signal_suite(settings), sections)
    assert report.enriched == 2 and report.reused == 0
