"""Content hashes: SHA-256 identifies exact bytes, PDQ finds the same picture re-encoded.

SHA-256 of the raw bytes is the media id (idempotent upserts). PDQ (Meta's perceptual hash, the
one hash-sharing programmes such as StopNCII and ThreatExchange exchange) survives re-compression
and mild resizing but not crops or mirroring. Hashes are hex strings in ThreatExchange's bit order
so they can be compared with hashes from other tools. MD5 of the raw bytes is kept only because
hash-sharing programmes (StopNCII, ThreatExchange's `video_md5`) still exchange it; it identifies
nothing here.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pdqhash

PDQ_BITS = 256
PDQ_MATCH_DISTANCE = 31  # ThreatExchange's recommended Hamming threshold
PDQ_MIN_QUALITY = 50  # below this the hash says little (flat or tiny images)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def md5_hex(data: bytes) -> str:
    """MD5 of the raw bytes, for hash sharing only (never for identity or security)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def pdq_hash(rgb: np.ndarray) -> tuple[str, int]:
    """(64-hex-digit PDQ hash, quality 0–100) of an (H, W, 3) uint8 RGB image."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"pdq_hash needs (H, W, 3) uint8 RGB, got {rgb.shape} {rgb.dtype}")
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    value = 0
    for bit in np.asarray(bits, dtype=bool).ravel():
        value = (value << 1) | int(bit)
    return f"{value:064x}", int(quality)


def pdq_distance(a: str, b: str) -> int:
    """Hamming distance between two PDQ hex hashes (0 = identical, 256 = complementary)."""
    if len(a) != PDQ_BITS // 4 or len(b) != PDQ_BITS // 4:
        raise ValueError("PDQ hashes are 64 hex digits")
    return (int(a, 16) ^ int(b, 16)).bit_count()
