"""int8 codes of stored faces and templates, and the bound on what the codes can get wrong.

A stored face x is kept as x̂ = a·q (q int8, a = max|x|/127; stored as the uint8 q + 128, which
the fast u8 × s8 kernels take, subtracting the 128 themselves) with the norm of its residual
‖x − x̂‖ and its own norm ‖x‖. A template t is coded as t̂ = b₁·h + b₂·l: h its int8 code and l
the int8 code of what h leaves over, so t̂ is within ~1e-4 of t (two more integer columns cost
little: the scan reads each face once, whatever the number of columns). Then

    |x·t − x̂·t̂| = |(x − x̂)·t̂ + x·(t − t̂)| ≤ ‖x − x̂‖·‖t̂‖ + ‖x‖·‖t − t̂‖      (Cauchy-Schwarz)

and x̂·t̂ = a·(b₁·(q·h) + b₂·(q·l)) comes from exact integer products. So any face whose
estimate plus that bound reaches the threshold is a candidate, and no face at or above it is
missed. On 128-d unit vectors the bound is about 0.0065 and the actual error at most ~0.0035.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVELS = 127
SLACK = 1e-5  # float32 rounding of the scaled products and of the stored norms


@dataclass(frozen=True)
class RowCodes:
    vectors: np.ndarray  # uint8 (n, dims): q + 128
    scales: np.ndarray  # float32 (n,)
    errors: np.ndarray  # float32 (n,): ‖x − x̂‖, rounded up
    norms: np.ndarray  # float32 (n,): ‖x‖, rounded up


def code_rows(rows: np.ndarray) -> RowCodes:
    """Stored faces' codes (uint8, offset by 128)."""
    rows = np.asarray(rows, dtype=np.float32)
    parts = [_offset(_code(rows[start:start + CHUNK]))
             for start in range(0, len(rows), CHUNK)]
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return _offset(_code(rows))
    return RowCodes(*(np.concatenate([getattr(p, f) for p in parts])
                      for f in ("vectors", "scales", "errors", "norms")))


CHUNK = 32768  # rows coded at a time: the temporaries stay in cache
OFFSET = 128


def _offset(codes: RowCodes) -> RowCodes:
    """int8 q as the uint8 q + 128 (flipping the sign bit of two's complement is that)."""
    return RowCodes(codes.vectors.view(np.uint8) ^ np.uint8(0x80), codes.scales, codes.errors,
                    codes.norms)


def _code(rows: np.ndarray) -> RowCodes:
    peak = np.maximum(rows.max(axis=1, initial=0), -rows.min(axis=1, initial=0))
    scales = np.where(peak > 0, peak / LEVELS, 1).astype(np.float32)
    scaled = rows / scales[:, None]
    np.rint(scaled, out=scaled)  # within ±127: |x| <= peak = 127 · scale
    codes = scaled.astype(np.int8)
    scaled *= scales[:, None]
    scaled -= rows  # the residual x̂ − x
    up = np.float32(1 + 1e-5)
    errors = np.sqrt(np.einsum("ij,ij->i", scaled, scaled)) * up
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows)) * up
    return RowCodes(codes, scales, errors.astype(np.float32), norms.astype(np.float32))


@dataclass(frozen=True)
class QueryCodes:
    matrix: np.ndarray  # int8 (dims, 2q): the high codes, then the low ones
    high: np.ndarray  # float32 (q,): b₁
    low: np.ndarray  # float32 (q,): b₂
    coded_norms: np.ndarray  # float32 (q,): ‖t̂‖
    residuals: np.ndarray  # float32 (q,): ‖t − t̂‖

    @property
    def count(self) -> int:
        return len(self.high)

    def estimates(self, products: np.ndarray, scales: np.ndarray) -> np.ndarray:
        """x̂·t̂ (faces, q) from the integer products (faces, 2q) and the faces' scales."""
        q = self.count
        widened = products.astype(np.float32)  # exact: |products| < 2^24
        estimates: np.ndarray = widened[:, :q] * self.high
        estimates += widened[:, q:] * self.low
        estimates *= scales[:, None]
        return estimates

    def bounds(self, errors: np.ndarray, norms: np.ndarray) -> np.ndarray:
        """How far x·t may lie from the estimate (faces, q)."""
        return (errors[:, None] * self.coded_norms + norms[:, None] * self.residuals
                + np.float32(SLACK)).astype(np.float32, copy=False)


def code_queries(templates: np.ndarray) -> QueryCodes:
    t = np.asarray(templates, dtype=np.float32)
    high = _code(t)
    coarse = high.vectors.astype(np.float32) * high.scales[:, None]
    low = _code(t - coarse)
    coded = coarse + low.vectors.astype(np.float32) * low.scales[:, None]
    residuals = np.linalg.norm(t - coded, axis=1) * np.float32(1 + 1e-5) + np.float32(1e-7)
    coded_norms = np.linalg.norm(coded, axis=1) * np.float32(1 + 1e-5)
    matrix = np.ascontiguousarray(np.concatenate([high.vectors, low.vectors]).T)
    return QueryCodes(matrix, high.scales, low.scales, coded_norms.astype(np.float32),
                      residuals.astype(np.float32))
