"""SHA-256 and PDQ: reference hashes reproduced bit for bit, robustness to re-encoding."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from enrichment.decode import decode_image
from enrichment.hashes import PDQ_MATCH_DISTANCE, pdq_distance, pdq_hash, sha256_hex

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT / "jikimi" / "demo" / "photos"
PDQ_FIXTURES = ROOT.parent / "shared" / "fixtures" / "pdq"
PDQ_EXPECTED = PDQ_FIXTURES / "expected_threatexchange_pdq.csv"
LIMIT = 64_000_000


def photo(name: str) -> np.ndarray:
    return decode_image((PHOTOS / name).read_bytes(), max_pixels=LIMIT).rgb


def test_sha256_hex() -> None:
    assert sha256_hex(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def reference_rows() -> list[tuple[str, int | None, Path]]:
    if not PDQ_EXPECTED.is_file():
        pytest.skip(f"ThreatExchange PDQ reference hashes absent ({PDQ_EXPECTED})")
    rows = []
    with PDQ_EXPECTED.open() as fh:
        for expected, quality, name in csv.reader(fh):
            path = PDQ_FIXTURES / name
            if path.is_file():
                rows.append((expected, int(quality) if quality else None, path))
    if not rows:
        pytest.skip("none of the PDQ reference images is present")
    return rows


def test_threatexchange_reference_hashes_are_reproduced_exactly() -> None:
    # The reference hashes were made from Pillow's convert("RGB") pixels (16-bit clipped, alpha
    # dropped), so the hash function is checked on exactly those pixels.
    for expected, quality, path in reference_rows():
        with Image.open(path) as img:
            pixels = np.asarray(img.convert("RGB"))
        digest, got_quality = pdq_hash(pixels)
        assert digest == expected, path.name
        if quality is not None:
            assert got_quality == quality, path.name


def test_reference_rgb_jpegs_through_decode_image() -> None:
    # For plain RGB JPEGs our decoder and the reference's agree, so the whole path must match.
    jpegs = [row for row in reference_rows() if row[2].suffix.lower() in {".jpg", ".jpeg"}]
    if not jpegs:
        pytest.skip("no JPEG among the PDQ reference images")
    for expected, _quality, path in jpegs:
        decoded = decode_image(path.read_bytes(), max_pixels=LIMIT)
        assert pdq_hash(decoded.rgb)[0] == expected, path.name


def test_jpeg_recompression_keeps_the_hash_close() -> None:
    original = photo("person_b_1.jpg")
    buf = io.BytesIO()
    Image.fromarray(original).save(buf, format="JPEG", quality=60)
    recompressed = decode_image(buf.getvalue(), max_pixels=LIMIT).rgb
    a, quality = pdq_hash(original)
    b, _ = pdq_hash(recompressed)
    assert quality >= 50
    assert pdq_distance(a, b) <= 10
    other, _ = pdq_hash(photo("person_b_2.jpg"))
    assert pdq_distance(a, other) > PDQ_MATCH_DISTANCE


def test_hash_format_and_distance_properties() -> None:
    digest, _ = pdq_hash(photo("impostor_1.jpg"))
    assert len(digest) == 64 and int(digest, 16) >= 0
    complement = f"{int(digest, 16) ^ ((1 << 256) - 1):064x}"
    assert pdq_distance(digest, digest) == 0
    assert pdq_distance(digest, complement) == 256
    with pytest.raises(ValueError):
        pdq_distance(digest, "abc")


def test_flat_image_has_low_quality() -> None:
    _, quality = pdq_hash(np.full((64, 64, 3), 128, dtype=np.uint8))
    assert quality < 50


def test_pdq_rejects_non_rgb_arrays() -> None:
    with pytest.raises(ValueError):
        pdq_hash(np.zeros((8, 8), dtype=np.uint8))


def test_a_reduced_pdq_is_the_hash_of_the_area_reduced_copy_and_stays_close() -> None:
    for name in ("person_b_1.jpg", "impostor_2.jpg", "person_a_2.jpg"):
        rgb = photo(name)
        full, _ = pdq_hash(rgb)
        reduced, quality = pdq_hash(rgb, long_side=512)
        height, width = rgb.shape[:2]
        scale = 512 / max(height, width)
        copy = cv2.resize(rgb, (round(width * scale), round(height * scale)),
                          interpolation=cv2.INTER_AREA)
        assert max(copy.shape[:2]) == 512
        assert reduced == pdq_hash(copy)[0] and quality >= 50
        assert pdq_distance(reduced, full) <= PDQ_MATCH_DISTANCE // 2


def test_a_picture_within_the_long_side_is_hashed_as_it_is() -> None:
    small = photo("person_a_1.jpg")  # 204 x 244
    assert max(small.shape[:2]) <= 512
    assert pdq_hash(small, long_side=512) == pdq_hash(small)
