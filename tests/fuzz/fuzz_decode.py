"""Fuzz `enrichment.decode.decode_image`: any bytes must give one upright 8-bit RGB image within
the pixel limit, or a JikimiError (DecodeError / MediaTooLarge) — never another exception.

Run: python -m tests.fuzz.fuzz_decode [libFuzzer flags] WORK_DIR SEED_DIR...
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from enrichment.decode import decode_image
    from kernel.errors import JikimiError

MAX_PIXELS = 1_000_000  # small, so a fuzzed header cannot make one input take seconds


def one_input(data: bytes) -> None:
    try:
        image = decode_image(data, max_pixels=MAX_PIXELS)
    except JikimiError as exc:
        if "\n" in str(exc):
            raise AssertionError(f"multi-line error: {exc!r}") from None
        return
    height, width, channels = image.rgb.shape
    if channels != 3 or image.rgb.dtype.name != "uint8" or width * height > MAX_PIXELS:
        raise AssertionError(f"bad decode: {image.rgb.shape} {image.rgb.dtype}")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
