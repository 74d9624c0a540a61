"""Build test videos and animations in memory from the licensed demo photos (or plain patterns).

    make_video([(photo_a, 3.0), (photo_b, 3.0)], fps=10, codec="mpeg4", container="mp4") -> bytes

Each segment is one RGB picture held for `seconds`; frame i has pts i at 1/fps, so frame times
are exactly i / fps. `container` is "mp4", "mov", "m4v" (the `ipod` muxer) or "webm";
`faststart=True` puts the MP4 index first (needed for a cut file to stay partly readable);
`rotation` writes a display matrix (degrees counter-clockwise). `encoder_available(name)` says
whether this PyAV wheel can encode with `name` (tests skip with a reason when it cannot).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import av.video.stream
import numpy as np
from PIL import Image

PHOTOS = Path(__file__).resolve().parents[1] / "jikimi" / "demo" / "photos"
SHARED_VIDEO = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "video"
_MUXERS = {"mp4": "mp4", "mov": "mov", "m4v": "ipod", "webm": "webm", "mkv": "matroska"}


def demo_photo(name: str, size: tuple[int, int] = (320, 240)) -> np.ndarray:
    """A demo photo (e.g. "person_a_1") resized to `size` (width, height) as RGB uint8."""
    image = Image.open(PHOTOS / f"{name}.jpg").convert("RGB")
    return np.asarray(image.resize(size, Image.Resampling.BILINEAR), dtype=np.uint8)


@cache
def encoder_available(name: str) -> bool:
    try:
        av.codec.Codec(name, "w")
    except (av.FFmpegError, ValueError):
        return False
    return True


def make_video(segments: Sequence[tuple[np.ndarray, float]], *, fps: int = 10,
               codec: str = "mpeg4", container: str = "mp4", size: tuple[int, int] | None = None,
               faststart: bool = False, rotation: int = 0, path: Path | None = None) -> bytes:
    """Encode the segments; also write them to `path` when given. Returns the file's bytes."""
    width, height = size or (segments[0][0].shape[1], segments[0][0].shape[0])
    width, height = width - width % 2, height - height % 2  # 4:2:0 needs even sizes
    options = {"movflags": "faststart"} if faststart else {}
    with tempfile.TemporaryDirectory() as tmp:
        target = path or Path(tmp) / f"clip.{container}"  # faststart needs a real file
        with av.open(str(target), "w", format=_MUXERS[container], options=options) as out:
            stream = out.add_stream(codec, rate=fps)
            assert isinstance(stream, av.video.stream.VideoStream)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.codec_context.time_base = Fraction(1, fps)
            stream.bit_rate = 2_000_000
            if rotation:
                stream.set_display_rotation(rotation)
            index = 0
            for rgb, seconds in segments:
                picture = np.asarray(Image.fromarray(rgb).resize((width, height)), np.uint8)
                for _ in range(round(seconds * fps)):
                    frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
                    frame.pts, frame.time_base = index, Fraction(1, fps)
                    out.mux(stream.encode(frame))
                    index += 1
            out.mux(stream.encode(None))
        return target.read_bytes()


def make_audio_only(seconds: float = 1.0) -> bytes:
    """An MP4 holding a single AAC sine-tone stream and no video."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=16000)
        stream.layout = "mono"
        samples = np.sin(np.arange(int(16000 * seconds)) / 10.0).astype(np.float32)
        for start in range(0, samples.size, 1024):
            chunk = samples[None, start:start + 1024]
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 16000, start
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()


def make_animation(frames: Sequence[tuple[np.ndarray, int | None]], fmt: str = "GIF") -> bytes:
    """An animated GIF, WEBP or PNG (APNG); each frame is (RGB, duration ms or None = absent)."""
    images = [Image.fromarray(rgb) for rgb, _ in frames]
    durations = [ms or 0 for _, ms in frames]
    out = io.BytesIO()
    extra: dict[str, object] = {"lossless": True} if fmt == "WEBP" else {}
    images[0].save(out, format=fmt, save_all=True, append_images=images[1:], duration=durations,
                   loop=0, **extra)
    return out.getvalue()


def pattern(size: tuple[int, int], seed: int) -> np.ndarray:
    """A blocky random RGB pattern (textured, so PDQ quality is high and cuts are obvious)."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 256, size=(size[1] // 8 + 1, size[0] // 8 + 1, 3), dtype=np.uint8)
    return np.ascontiguousarray(blocks.repeat(8, 0).repeat(8, 1)[: size[1], : size[0]])
