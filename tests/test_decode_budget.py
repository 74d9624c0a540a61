"""Bounded decode work (issue 13, finding 2): a small JPEG whose header claims 8000×8000 took
enrichment from 0.35 GB to 1.98 GB. Its decode cost is now known from the header before
decoding: a JPEG is DCT-decoded at reduced scale (`Image.draft`), any other image over
`media.max_decode_bytes` is a recorded error, and an enrichment round admits items while their
estimated costs fit `media.batch_decode_bytes`."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from enrichment.analyze import EnrichSettings
from enrichment.decode import decode_image
from enrichment.decode_budget import DecodeBudget, decode_bytes, estimate_decode_bytes
from enrichment.stage import enrich_media_ids, enrich_pending
from jikimi import registry
from kernel.errors import MediaTooLarge
from kernel.settings import MediaSettings, Settings
from search.blobs.memory import MemoryBlobStore
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.factories import make_media

ROOT = Path(__file__).resolve().parents[1]
SIDE = 8000  # the audit's file: exactly media.max_pixels (64,000,000)
PEAK_RSS_LIMIT_MB = 400  # the full-size decode of this file peaked at ~700 MB before the budget


def flat_jpeg(width: int, height: int, colour: tuple[int, int, int] = (90, 120, 150)) -> bytes:
    """A real JPEG of one flat colour: millions of pixels, a small file."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", quality=50)
    return out.getvalue()


@pytest.fixture(scope="module")
def huge_jpeg() -> bytes:
    return flat_jpeg(SIDE, SIDE)


def png_header(width: int, height: int, colour_type: int) -> bytes:
    """A PNG with only a header declaring width×height (colour type 6: RGBA, 2: RGB)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_a_jpeg_claiming_8000x8000_takes_the_draft_path(huge_jpeg: bytes) -> None:
    budget = DecodeBudget.from_settings(MediaSettings())
    assert len(huge_jpeg) < 2_000_000
    assert estimate_decode_bytes(huge_jpeg, budget, max_pixels=64_000_000) == 4000 * 4000 * 7
    decoded = decode_image(huge_jpeg, max_pixels=64_000_000, budget=budget)
    assert decoded.rgb.shape == (4000, 4000, 3)  # 1/2 scale: the long side stays ≥ 3,000
    assert decoded.full_size == (SIDE, SIDE) and decoded.scale == 0.5
    assert tuple(decoded.rgb[2000, 2000]) == pytest.approx((90, 120, 150), abs=3)


def test_decoding_it_stays_under_the_stated_peak_memory(huge_jpeg: bytes, tmp_path: Path) -> None:
    path = tmp_path / "huge.jpg"
    path.write_bytes(huge_jpeg)
    child = (
        "import json, sys\n"
        "from enrichment.decode import decode_image\n"
        "from enrichment.decode_budget import DecodeBudget\n"
        "from kernel.settings import MediaSettings\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "budget = DecodeBudget.from_settings(MediaSettings())\n"
        "image = decode_image(data, max_pixels=64_000_000, budget=budget)\n"
        # VmHWM: this process's own peak; ru_maxrss would include the forking parent's RSS
        "peak = int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]) / 1024\n"
        "print(json.dumps({'peak_mb': peak, 'shape': list(image.rgb.shape)}))\n"
    )
    out = subprocess.run([sys.executable, "-c", child, str(path)], cwd=ROOT, check=True,
                         capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)})
    result = json.loads(out.stdout)
    assert result["shape"] == [4000, 4000, 3]
    assert result["peak_mb"] < PEAK_RSS_LIMIT_MB


def test_a_non_jpeg_over_the_budget_is_a_clear_error_before_decoding() -> None:
    budget = DecodeBudget.from_settings(MediaSettings())  # 512 MB
    with pytest.raises(MediaTooLarge) as info:
        decode_image(png_header(6000, 6000, 6), max_pixels=64_000_000, budget=budget)
    assert str(info.value) == ("image too large to decode: PNG 6000×6000 mode RGBA needs 687 MB "
                               "> limit 512 MB (media.max_decode_bytes)")
    assert decode_bytes("RGBA", 6000, 6000) > budget.max_bytes  # type: ignore[operator]
    assert decode_bytes("RGB", 8000, 8000) <= budget.max_bytes  # type: ignore[operator]


def queue(store: SqliteStore, blobs: MemoryBlobStore, data: bytes) -> str:
    media = make_media(data, blob_key=None)
    media.blob_key = f"incoming/{media.media_id}"
    blobs.put(media.blob_key, data)
    store.upsert_media(media)
    return media.media_id


def test_a_round_admits_items_while_their_decode_bytes_fit_the_rest_wait(tmp_path: Path) -> None:
    one = 1200 * 900 * 7  # each image's estimated decode bytes
    settings = Settings(data_dir=tmp_path, media={"batch_decode_bytes": 2 * one})
    store = SqliteStore(":memory:", TemplateCipher.generate())
    blobs = MemoryBlobStore()
    ids = [queue(store, blobs, flat_jpeg(1200, 900, (40 * n, 60, 90))) for n in range(5)]
    engine, suite = registry.open_face_engine(settings), registry.open_signal_suite(settings)
    sections = EnrichSettings(settings.media, settings.video)

    batch = enrich_media_ids(store, blobs, engine, suite, sections, ids)
    assert (batch.enriched, batch.rounds, batch.deferred) == (2, 1, ids[2:])
    assert [store.get_media(i).status for i in ids] == ["enriched"] * 2 + ["new"] * 3  # type: ignore[union-attr]

    rest = enrich_pending(store, blobs, engine, suite, sections)
    assert (rest.enriched, rest.rounds, rest.errors) == (3, 2, [])
    assert {store.get_media(i).status for i in ids} == {"enriched"}  # type: ignore[union-attr]


def test_a_draft_decoded_item_records_its_real_size_and_scale(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    store = SqliteStore(":memory:", TemplateCipher.generate())
    blobs = MemoryBlobStore()
    media_id = queue(store, blobs, flat_jpeg(6100, 4000))
    report = enrich_pending(store, blobs, registry.open_face_engine(settings),
                            registry.open_signal_suite(settings),
                            EnrichSettings(settings.media, settings.video))
    media = store.get_media(media_id)
    assert report.errors == [] and media is not None and media.status == "enriched"
    assert (media.width, media.height) == (6100, 4000)
    assert media.info["decode_scale"] == 0.5 and media.info["decoded_size"] == [3050, 2000]
