"""Every still format Pillow writes, cut and bit-flipped, decodes or fails with one clear error.

Found by the hostile corpus: a bit-flipped AVIF made Pillow's AVIF plugin raise RuntimeError,
which escaped `decode_image` and stopped the whole enrichment stage on one item.
"""

from __future__ import annotations

import random

import pytest

from enrichment.decode import decode_image
from kernel.errors import JikimiError
from tests.hostile import media

MAX_PIXELS = 64_000_000


def outcomes(data: bytes, seed: int, count: int = 40) -> dict[str, int]:
    rng = random.Random(seed)
    counts = {"decoded": 0, "error": 0}
    for k in range(count):
        mutant = (media.truncated if k % 2 else media.bit_flipped)(data, rng)
        try:
            image = decode_image(mutant, max_pixels=MAX_PIXELS)
        except JikimiError as exc:
            assert str(exc) and "\n" not in str(exc)
            counts["error"] += 1
            continue
        assert image.rgb.ndim == 3 and image.rgb.shape[2] == 3
        counts["decoded"] += 1
    return counts


def test_a_bit_flipped_avif_is_a_decode_error_not_a_crash():
    data = media.still("AVIF", "RGB", 13)
    if data is None:
        pytest.skip("this Pillow cannot write AVIF")
    with pytest.raises(JikimiError, match="cannot decode image"):
        decode_image(media.bit_flipped(data, random.Random(0)), max_pixels=MAX_PIXELS)


@pytest.mark.parametrize("fmt,ext,mode", media.STILL_FORMATS, ids=lambda v: str(v))
def test_cut_and_flipped_files_decode_or_fail_cleanly(fmt, ext, mode):
    data = media.still(fmt, mode, 5)
    if data is None:
        pytest.skip(f"this Pillow cannot write {fmt}")
    counts = outcomes(data, seed=len(data))
    assert counts["decoded"] + counts["error"] == 40
