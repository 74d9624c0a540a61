"""Is this video a copy of that one? vPDQ's matching rule over per-frame PDQ hashes.

The frames of each video are a bag of hashes (order and timing ignored, so a trimmed, re-encoded
or resized copy still matches). Duplicate hashes and low-quality hashes (flat frames) are dropped;
a frame of A matches when any frame of B is within the PDQ Hamming distance. Two videos are the
same family when at least 80 % of A's frames match B and 80 % of B's frames match A, as in
ThreatExchange's vPDQ reference (github.com/facebook/ThreatExchange, vpdq/README.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from enrichment.hashes import PDQ_MATCH_DISTANCE, PDQ_MIN_QUALITY
from enrichment.video.frame_hashes import FrameHash

FAMILY_MATCH_PERCENT = 80.0  # of each video's frames that must match the other


@dataclass(frozen=True)
class FamilyMatch:
    query_match_pct: float  # % of A's usable frames with a match in B
    compared_match_pct: float  # % of B's usable frames with a match in A
    is_same_family: bool


def compare_videos(a: Sequence[FrameHash], b: Sequence[FrameHash],
                   distance: int = PDQ_MATCH_DISTANCE,
                   min_quality: int = PDQ_MIN_QUALITY) -> FamilyMatch:
    """vPDQ brute-force match of two videos' frame hashes (both directions)."""
    left, right = _usable(a, min_quality), _usable(b, min_quality)
    if len(left) == 0 or len(right) == 0:
        return FamilyMatch(0.0, 0.0, False)
    close = _hamming(left, right) <= distance  # (len(a), len(b))
    query = 100.0 * float(close.any(axis=1).mean())
    compared = 100.0 * float(close.any(axis=0).mean())
    same = query >= FAMILY_MATCH_PERCENT and compared >= FAMILY_MATCH_PERCENT
    return FamilyMatch(round(query, 2), round(compared, 2), same)


def _usable(hashes: Sequence[FrameHash], min_quality: int) -> np.ndarray:
    """Unique hashes of good enough quality as an (n, 32) uint8 array."""
    unique = dict.fromkeys(h.pdq_hex.lower() for h in hashes if h.quality >= min_quality)
    rows = [np.frombuffer(bytes.fromhex(hex_), dtype=np.uint8) for hex_ in unique]
    return np.stack(rows) if rows else np.empty((0, 32), dtype=np.uint8)


def _hamming(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return np.bitwise_count(left[:, None, :] ^ right[None, :, :]).sum(axis=2, dtype=np.int32)
