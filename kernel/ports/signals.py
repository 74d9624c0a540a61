"""The synthetic-media signal port: the contract between enrichment and a signal (HMA-style
plug-ins).

A signal gets the file's bytes (provenance and watermarks live in the container and the pixels
as sent), the frames that were analysed, and the faces found in them; it returns evidence. It
must not keep state between items, must not touch the network, and should raise only
:class:`kernel.errors.JikimiError` for input it cannot read — the suite records any failure as
a note on that item and carries on with the other signals.

A signal may say `reads_pixels = False` when it reads only the file's container (metadata,
manifests). Signals that read the decoded pixels (the default) cost a full-image pass each, so
the suite skips them for media in which no face was found unless `signals.assess_faceless` is
set: such media can never match an enrolled person, and its score would order no review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from kernel.frames import Frame
from kernel.records import Evidence, Face, MediaKind


@dataclass
class SignalInput:
    data: bytes  # the media file exactly as crawled
    content_type: str  # sniffed from the bytes, e.g. "image/png", "video/mp4"
    kind: MediaKind
    frames: Sequence[Frame]  # one still frame for an image; the sampled frames of a video
    faces: Sequence[Face] = field(default_factory=list)  # frame_ts ties a face to its frame


@runtime_checkable
class MediaSignal(Protocol):
    name: str  # optional: `reads_pixels: bool` (True when absent), see the module docstring

    def assess(self, subject: SignalInput) -> list[Evidence]:
        """Evidence found in this media item (an empty list when the signal has nothing)."""
