"""Sample a video file: decode it once, front to back, and keep the frames at exact timestamps.

Decoding is sequential from an in-memory buffer (no temporary file, no seeking), which is both
the simplest way to get the same frames every run and fast enough for the short clips a crawler
meets; every cap is checked while decoding, so an endless, huge or pathological stream costs at
most `max_decode_seconds`. A stream that breaks half-way still yields the frames decoded so far,
flagged `truncated`, because half a video can still show an enrolled person's face.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

import av
import av.container
import av.video.stream
import numpy as np
from av.video.reformatter import VideoReformatter

from enrichment.video.container import (
    FAILURES,
    VideoInfo,
    describe,
    first_video_stream,
    open_video,
)
from enrichment.video.sample import VideoSample
from enrichment.video.timeline import THUMB_HEIGHT, THUMB_WIDTH, TimelineSampler
from kernel.errors import DecodeError, MediaTooLarge, one_line
from kernel.settings import VideoSettings

MAX_BAD_PACKETS = 20  # packets that fail to decode before the rest of the stream is given up
FIRST_FRAME_GRACE = 2.0  # seconds past the time cap allowed for the first frame (cap 0: 1 frame)


class _AvPicture:
    def __init__(self, frame: av.VideoFrame, quarter_turns: int,
                 scaler: VideoReformatter) -> None:
        self._frame = frame
        self._turns = quarter_turns
        self._scaler = scaler  # one per video: a fresh scaler per frame costs ~8x more

    def rgb(self) -> np.ndarray:
        rgb = self._frame.to_ndarray(format="rgb24")
        if self._turns:
            rgb = np.rot90(rgb, self._turns)
        return np.ascontiguousarray(rgb, dtype=np.uint8)

    def thumbnail(self) -> np.ndarray:
        small = self._scaler.reformat(self._frame, width=THUMB_WIDTH, height=THUMB_HEIGHT,
                                      format="gray", interpolation="AREA")
        return np.ascontiguousarray(small.to_ndarray()[:THUMB_HEIGHT, :THUMB_WIDTH])


def sample_video(
    data: bytes, settings: VideoSettings, *, cover_whole: bool = False
) -> VideoSample:
    """Frames at t = k / sample_fps (plus scene cuts) and what the container says about itself.
    With `cover_whole`, the rate is lowered so that `max_frames` spans the declared duration
    (see `covering_whole`)."""
    if len(data) > settings.max_bytes:
        raise MediaTooLarge(f"video of {len(data)} bytes exceeds {settings.max_bytes}")
    container, name = open_video(data)
    try:
        stream = first_video_stream(container, name)
        info = describe(container, stream, name)
        _check_pixels(info.width, info.height, settings.max_pixels)
        if cover_whole:
            settings = covering_whole(info.duration, settings)
        return _sample(container, stream, info, settings)
    finally:
        container.close()


def covering_whole(duration: float | None, video: VideoSettings) -> VideoSettings:
    """Sampling settings that spread `max_frames` over the whole video.

    At 1 fps a two-hour video would use its frame budget on the first two minutes, and the
    person may appear at 1:40:00. When the declared duration needs more frames than 80 % of the
    budget (the rest is left for scene cuts), the rate is lowered to fit; enrichment records the
    effective interval with the media (`info["sample_interval"]`) so time ranges merge correctly.
    """
    limit = min(duration or 0.0, video.max_duration)
    budget = 0.8 * video.max_frames
    if limit * video.sample_fps <= budget:
        return video
    return video.model_copy(update={"sample_fps": budget / limit})


def _sample(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
            info: VideoInfo, settings: VideoSettings) -> VideoSample:
    limit = min(info.duration, settings.max_duration) if info.duration else None
    expected = math.ceil(limit * settings.sample_fps) if limit else None
    sampler = TimelineSampler(
        sample_fps=settings.sample_fps, max_frames=settings.max_frames,
        max_duration=settings.max_duration, expected_fps_samples=expected,
        scene_threshold=settings.scene_threshold if settings.scene_changes else None)
    stream.thread_type = "AUTO"  # frame threads: same pixels, faster on several cores
    deadline = time.monotonic() + settings.max_decode_seconds
    state = _Decode()
    scaler = VideoReformatter()
    try:
        for packet in container.demux(stream):
            if _out_of_time(deadline, state, settings.max_decode_seconds):
                break
            try:
                frames = packet.decode()
            except FAILURES as exc:
                state.bad_packets += 1
                state.first_error = state.first_error or one_line(exc)
                if state.bad_packets >= MAX_BAD_PACKETS:
                    break
                continue
            for frame in frames:
                _check_pixels(frame.width, frame.height, settings.max_pixels)
                state.rotation = state.rotation if state.frames else _rotation(frame)
                state.frames += 1
                when = _frame_time(frame, info, state)
                if not sampler.offer(when, _AvPicture(frame, state.rotation // 90, scaler)):
                    state.stop = "cap"
                    break
                if time.monotonic() > deadline:
                    state.stop = "time"
                    break
            if state.stop:
                break
    except FAILURES as exc:  # the demuxer itself gave up: a cut or corrupt file
        state.read_error = one_line(exc)
    if sampler.frames_seen == 0:
        detail = state.read_error or state.first_error or "the stream holds no picture"
        raise DecodeError(f"no decodable frame in {info.container} video: {detail}")
    return _result(sampler, info, settings, state)


def _out_of_time(deadline: float, state: _Decode, cap: float) -> bool:
    """Checked per packet, so packets that yield no frame cannot run past the cap either."""
    now = time.monotonic()
    if now > deadline and state.frames:
        state.stop = "time"
        return True
    if now > deadline + FIRST_FRAME_GRACE:
        raise DecodeError(f"no video frame decoded within the {cap:g} s time cap")
    return False


class _Decode:
    """Bookkeeping of one decode pass."""

    def __init__(self) -> None:
        self.frames = 0
        self.rotation = 0
        self.bad_packets = 0
        self.first_error: str | None = None
        self.read_error: str | None = None
        self.stop: str | None = None  # "cap", "time"
        self.last_time = Fraction(0)


def _result(sampler: TimelineSampler, info: VideoInfo, settings: VideoSettings,
            state: _Decode) -> VideoSample:
    notes: list[str] = []
    last = sampler.last_time or Fraction(0)
    seen = float(last)
    interval = 1 / info.fps if info.fps else 0.1
    short = info.duration is not None and info.duration - (seen + interval) > max(0.5, 2 * interval)
    truncated = not state.stop and (state.read_error is not None or state.bad_packets > 0 or short)
    if state.stop == "time":
        notes.append(f"decode stopped at the {settings.max_decode_seconds:g} s time cap "
                     f"({seen:.1f} s into the video)")
    elif state.stop == "cap" and sampler.full:
        notes.append(f"frame cap of {settings.max_frames} reached at {seen:.1f} s; "
                     "later frames not sampled")
    elif state.stop == "cap":
        notes.append(f"only the first {settings.max_duration:g} s were sampled")
    if truncated:
        of = f" of {info.duration:.1f} s" if info.duration else ""
        notes.append(f"stream ended at {seen:.1f} s{of} (truncated)")
    if state.bad_packets:
        notes.append(f"{state.bad_packets} packet(s) failed to decode: {state.first_error}")
    if state.read_error and not truncated:
        notes.append(f"read error: {state.read_error}")
    if sampler.out_of_order:
        notes.append(f"{sampler.out_of_order} frame(s) out of presentation order were skipped")
    if state.rotation:
        notes.append(f"display matrix rotation of {state.rotation} degrees applied "
                     "(mirroring, if any, is not)")
    end = None if (state.stop or truncated or info.duration is None) else Fraction(info.duration)
    frames = sampler.finish(end)
    height, width = frames[0].rgb.shape[:2] if frames else (info.height, info.width)
    return VideoSample(frames=frames, duration=info.duration, width=width, height=height,
                       codec=info.codec, container=info.container, fps=info.fps,
                       frames_decoded=state.frames, truncated=truncated, notes=notes,
                       rotation=state.rotation)


def _frame_time(frame: av.VideoFrame, info: VideoInfo, state: _Decode) -> Fraction:
    """Presentation time from the stream start, as an exact fraction of seconds."""
    if frame.pts is None or frame.time_base is None:
        step = Fraction(1) / Fraction(info.fps or 10).limit_denominator(1001)
        # no timestamp (rare): assume the nominal frame rate from the first frame on
        state.last_time = state.last_time + step if state.frames > 1 else Fraction(0)
        return state.last_time
    state.last_time = Fraction(frame.pts) * frame.time_base - info.start
    return state.last_time


def _rotation(frame: av.VideoFrame) -> int:
    """Counter-clockwise display rotation in {0, 90, 180, 270} from the frame's display matrix."""
    try:
        degrees = int(frame.rotation)
    except FAILURES:
        return 0
    return (round(degrees / 90) % 4) * 90


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise MediaTooLarge(f"video frame of {width}x{height} = {width * height} pixels "
                            f"exceeds {max_pixels}")
