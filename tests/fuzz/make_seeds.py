"""Write the decoder's seed corpus (one tiny generated image per format Pillow writes) into a
folder; the HTML seeds are committed text in tests/fuzz/seeds/extract.

Usage: python -m tests.fuzz.make_seeds OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.hostile import media


def main(out: str) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for n, (fmt, ext, mode) in enumerate(media.STILL_FORMATS):
        data = media.still(fmt, mode, n, size=(16, 12))
        if data is not None:
            (folder / f"seed-{n:02d}-{fmt.lower()}.{ext}").write_bytes(data)
    (folder / "seed-anim.gif").write_bytes(media.many_frame_animation("GIF", 3))
    (folder / "seed-bomb.png").write_bytes(media.png_header_bomb(5000, 5000))


if __name__ == "__main__":
    main(sys.argv[1])
