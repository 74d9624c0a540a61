"""A minimal embedder for invisible-watermark's dwtDct / dwtDctSvd schemes, to make test fixtures.

It is written independently of the decoder under test and follows the package's encoder: U plane
of OpenCV's YUV, one-level Haar DWT with PyWavelets, 4×4 blocks of the approximation band,
block ``n`` carries bit ``n mod length``; the chosen magnitude is moved to the centre of the lower
(bit 0) or upper (bit 1) half of its quantisation step of 36. dwtDct moves the block's largest
|coefficient| other than the top-left one; dwtDctSvd the largest singular value of the block's
2-D DCT (done here with an explicit DCT matrix, as the package does with cv2.dct). The result is
written back to 8-bit YUV by truncation, as the package does for an image read with cv2.imread.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import pywt

SCALE = 36.0
BLOCK = 4


def _dct_matrix(n: int) -> np.ndarray:
    """Orthonormal DCT-II matrix D (so cv2.dct(X) == D @ X @ D.T for an n×n block)."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    d = np.sqrt(2.0 / n) * np.cos(np.pi * (2 * i + 1) * k / (2 * n))
    d[0] /= np.sqrt(2.0)
    return d


DCT4 = _dct_matrix(BLOCK)


def _quantise(magnitude: np.ndarray, bits: np.ndarray) -> np.ndarray:
    return (magnitude // SCALE + 0.25 + 0.5 * bits) * SCALE


def _mark_dwtdct(blocks: np.ndarray, bits: np.ndarray) -> np.ndarray:
    flat = blocks.reshape(len(blocks), -1).copy()
    where = np.abs(flat[:, 1:]).argmax(axis=1) + 1
    rows = np.arange(len(flat))
    value = flat[rows, where]
    sign = np.where(value >= 0, 1.0, -1.0)
    flat[rows, where] = sign * _quantise(np.abs(value), bits)
    return flat.reshape(blocks.shape)


def _mark_dwtdctsvd(blocks: np.ndarray, bits: np.ndarray) -> np.ndarray:
    spectra = DCT4 @ blocks @ DCT4.T
    u, s, vt = np.linalg.svd(spectra)
    s[:, 0] = _quantise(s[:, 0], bits)
    marked = u @ (s[:, :, None] * vt)
    return np.asarray(DCT4.T @ marked @ DCT4)


def embed(
    rgb: np.ndarray, bits: Sequence[int], method: str = "dwtDct", *, swapped: bool = False
) -> np.ndarray:
    """`rgb` (H, W, 3 uint8) carrying `bits`; `swapped` embeds as if RGB were handed over as BGR."""
    message = np.asarray(bits, dtype=np.float64)
    to_yuv, from_yuv = (
        (cv2.COLOR_BGR2YUV, cv2.COLOR_YUV2BGR)
        if swapped
        else (cv2.COLOR_RGB2YUV, cv2.COLOR_YUV2RGB)
    )
    yuv = cv2.cvtColor(np.ascontiguousarray(rgb), to_yuv)
    rows, cols = rgb.shape[0] // 4 * 4, rgb.shape[1] // 4 * 4
    band, details = pywt.dwt2(yuv[:rows, :cols, 1].astype(np.float64), "haar")
    brows, bcols = band.shape[0] // BLOCK, band.shape[1] // BLOCK
    view = band[: brows * BLOCK, : bcols * BLOCK]
    blocks = view.reshape(brows, BLOCK, bcols, BLOCK).swapaxes(1, 2).reshape(-1, BLOCK, BLOCK)
    wanted = message[np.arange(len(blocks)) % len(message)]
    mark = _mark_dwtdct if method == "dwtDct" else _mark_dwtdctsvd
    marked = mark(blocks, wanted)
    band[: brows * BLOCK, : bcols * BLOCK] = (
        marked.reshape(brows, bcols, BLOCK, BLOCK).swapaxes(1, 2).reshape(view.shape)
    )
    plane = pywt.idwt2((band, details), "haar")
    yuv[:rows, :cols, 1] = np.clip(plane, 0, 255).astype(np.uint8)  # truncates, like the package
    return np.asarray(cv2.cvtColor(yuv, from_yuv))
