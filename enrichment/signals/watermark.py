"""Stable Diffusion's invisible watermark as evidence: decoded bits that spell a known message.

Stable Diffusion's reference scripts and SDXL pipelines hide a fixed message in every picture they
produce (``invisible-watermark``, methods dwtDct / dwtDctSvd; see :mod:`watermark_dwt`). Finding
that message is one of the few signals that on its own says "AI-generated", so it is reported as
``synthetic=True``. The mark is fragile: resizing, cropping off its 8-pixel grid, ordinary JPEG,
screenshots and video re-encoding erase it, and most tools never add it. Its absence therefore
proves nothing, and this signal then says nothing at all.

A decoded message is reported only when at least ``watermark_min_bits`` of its 48 bits (46 by
default) agree with a known one; random bits do that with probability about 4e-12. Messages of
another length need the same fraction of agreeing bits. The agreement is a count, not a
probability, so the evidence carries no score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from enrichment.signals.watermark_dwt import (
    METHODS,
    PIXELS_PER_BLOCK,
    ChannelOrder,
    Method,
    block_votes,
    blocks_of,
    haar_approximation,
    tally,
    u_plane,
)
from kernel.errors import ConfigError, DecodeError
from kernel.frames import Frame
from kernel.ports import SignalInput
from kernel.records import Evidence
from kernel.settings import SignalSettings

REFERENCE_BITS = 48  # watermark_min_bits counts agreeing bits out of this many
MAX_VIDEO_FRAMES = 3  # a video's sampled frames are decoded at most this many, evenly spread
# Read as the package does from a file (BGR), then as early diffusers SDXL pipelines embedded it
# (RGB handed over as if BGR).
CHANNEL_ORDERS: tuple[ChannelOrder, ...] = ("bgr", "swapped")
EVIDENCE_NAMES: dict[Method, str] = {
    "dwtDct": "watermark_dwtdct",
    "dwtDctSvd": "watermark_dwtdctsvd",
}


@dataclass(frozen=True)
class KnownMessage:
    key: str  # the evidence's value["message"]
    generator: str  # who embeds it, for the explanation
    bits: tuple[int, ...]


def bits_of_int(value: int) -> tuple[int, ...]:
    """The binary digits of `value`, most significant first (as SDXL's watermark lists them)."""
    return tuple(int(digit) for digit in bin(value)[2:])


def bits_of_text(text: str) -> tuple[int, ...]:
    """The bits of `text`'s UTF-8 bytes, most significant bit of each byte first."""
    return tuple(int(bit) for bit in np.unpackbits(np.frombuffer(text.encode(), dtype=np.uint8)))


SDXL_MESSAGE = 0b101100111110110010010000011110111011000110011110

KNOWN_MESSAGES: tuple[KnownMessage, ...] = (
    # diffusers' StableDiffusionXLWatermarker and Stability's generative-models (SDXL, SVD)
    KnownMessage("sdxl", "Stable Diffusion XL", bits_of_int(SDXL_MESSAGE)),
    # CompVis stable-diffusion scripts/txt2img.py (SD 1.x)
    KnownMessage("sd1", "Stable Diffusion 1.x", bits_of_text("StableDiffusionV1")),
    # Stability-AI stablediffusion scripts/txt2img.py (SD 2.x)
    KnownMessage("sd2", "Stable Diffusion 2.x", bits_of_text("SDV2")),
)


@dataclass(frozen=True)
class Finding:
    method: Method
    message: KnownMessage
    bits_agree: int
    frame_ts: float | None

    @property
    def fraction(self) -> float:
        return self.bits_agree / len(self.message.bits)


class WatermarkSignal:
    """Reports a Stable Diffusion invisible watermark when its message decodes (nearly) intact."""

    name = "watermark"
    score_basis = "watermark"  # the strongest basis it can give (signals.suite)

    def __init__(self, settings: SignalSettings) -> None:
        min_bits = settings.watermark_min_bits
        if not REFERENCE_BITS // 2 < min_bits <= REFERENCE_BITS:
            raise ConfigError(
                f"signals.watermark_min_bits must be between {REFERENCE_BITS // 2 + 1} and "
                f"{REFERENCE_BITS}, got {min_bits}"
            )
        self._min_bits = min_bits

    def assess(self, subject: SignalInput) -> list[Evidence]:
        findings = [f for frame in sampled_frames(subject.frames) for f in self.decode_frame(frame)]
        if not findings:
            return []
        return [as_evidence(max(findings, key=lambda f: f.fraction))]

    def required_bits(self, length: int) -> int:
        """Agreeing bits needed for a message of `length` bits (46 of 48 by default)."""
        return -(-self._min_bits * length // REFERENCE_BITS)  # ceiling, in exact integers

    def decode_frame(self, frame: Frame) -> list[Finding]:
        """Every known message that decodes from this frame, by any method or channel order."""
        rgb = frame.rgb
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise DecodeError(f"watermark: frame is not 8-bit RGB (shape {rgb.shape}, {rgb.dtype})")
        whole_blocks = (rgb.shape[0] // PIXELS_PER_BLOCK) * (rgb.shape[1] // PIXELS_PER_BLOCK)
        if whole_blocks < min(len(message.bits) for message in KNOWN_MESSAGES):
            return []  # too small to hold even one copy of a message
        findings: list[Finding] = []
        for order in CHANNEL_ORDERS:
            blocks = blocks_of(haar_approximation(u_plane(rgb, order)))
            for method in METHODS:
                votes = block_votes(blocks, method)
                for message in KNOWN_MESSAGES:
                    bits = tally(votes, len(message.bits))
                    if bits is None:
                        continue
                    agree = int(np.count_nonzero(bits == np.asarray(message.bits)))
                    if agree >= self.required_bits(len(message.bits)):
                        findings.append(Finding(method, message, agree, frame.ts))
        return findings


def sampled_frames(frames: Sequence[Frame]) -> list[Frame]:
    """All frames of a still image; at most MAX_VIDEO_FRAMES evenly spread ones of a video."""
    if len(frames) <= MAX_VIDEO_FRAMES:
        return list(frames)
    last = len(frames) - 1
    picks = sorted({round(i * last / (MAX_VIDEO_FRAMES - 1)) for i in range(MAX_VIDEO_FRAMES)})
    return [frames[i] for i in picks]


def as_evidence(finding: Finding) -> Evidence:
    length = len(finding.message.bits)
    where = "" if finding.frame_ts is None else f" in the frame at {finding.frame_ts:.1f} s"
    return Evidence(
        kind="watermark",
        name=EVIDENCE_NAMES[finding.method],
        value={"bits_agree": finding.bits_agree, "bits": length, "message": finding.message.key},
        explanation=(
            f"{finding.message.generator} invisible watermark decoded{where} "
            f"({finding.bits_agree}/{length} bits agree)"
        ),
        synthetic=True,
    )
