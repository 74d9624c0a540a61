"""A short demo video built from the licensed photos: still segments joined by hard cuts.

The demo needs a video of the demo person without shipping one: each segment shows one photo,
letterboxed on a neutral background, for a number of seconds. MPEG-4 Part 2 in an MP4 container is
used because every PyAV wheel can encode it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from fractions import Fraction

import av
import numpy as np
from PIL import Image


def letterbox(photo: bytes, size: tuple[int, int]) -> np.ndarray:
    """The photo scaled to fit `size` (width, height) on a grey background, as RGB uint8."""
    image = Image.open(io.BytesIO(photo)).convert("RGB")
    scale = min(size[0] / image.width, size[1] / image.height)
    fitted = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))))
    canvas = Image.new("RGB", size, (128, 128, 128))
    canvas.paste(fitted, ((size[0] - fitted.width) // 2, (size[1] - fitted.height) // 2))
    return np.asarray(canvas, dtype=np.uint8)


def make_clip(
    segments: Sequence[tuple[bytes, float]], size: tuple[int, int] = (480, 360), fps: int = 10
) -> bytes:
    """An MP4 showing each (photo bytes, seconds) segment in turn."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, fps)
        stream.bit_rate = 1_500_000
        index = 0
        for photo, seconds in segments:
            picture = letterbox(photo, size)
            for _ in range(round(seconds * fps)):
                frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
                frame.pts = index
                frame.time_base = Fraction(1, fps)
                container.mux(stream.encode(frame))
                index += 1
        container.mux(stream.encode(None))
    return out.getvalue()
