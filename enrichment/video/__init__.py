"""Video for enrichment: frames at exact timestamps, per-frame hashes, and media families.

Real video is decoded with PyAV from memory; animated GIF/WebP/APNG are read with Pillow and
treated as short videos. Both give a :class:`VideoSample` whose frames the face and signal steps
consume like still images. PDQ per sampled frame (and vPDQ where the `vpdq` package is installed)
lets :func:`compare_videos` recognise a re-encoded or resized copy as the same media family.
"""

from enrichment.video.animation import sample_animation
from enrichment.video.container import VideoInfo, probe_video
from enrichment.video.family import FamilyMatch, compare_videos
from enrichment.video.frame_hashes import (
    FrameHash,
    frame_pdq,
    video_vpdq,
    vpdq_or_reason,
    vpdq_unavailable_reason,
)
from enrichment.video.sample import VideoSample
from enrichment.video.video_sampling import covering_whole, sample_video

__all__ = [
    "FamilyMatch",
    "FrameHash",
    "VideoInfo",
    "VideoSample",
    "compare_videos",
    "covering_whole",
    "frame_pdq",
    "probe_video",
    "sample_animation",
    "sample_video",
    "video_vpdq",
    "vpdq_or_reason",
    "vpdq_unavailable_reason",
]
