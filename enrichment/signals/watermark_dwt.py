"""Read the bits of an `invisible-watermark` (imwatermark) DWT watermark out of an RGB picture.

Stable Diffusion's reference scripts and SDXL pipelines mark every output with the
`invisible-watermark` package, methods ``dwtDct`` and ``dwtDctSvd``. That package imports torch at
import time, far too heavy for an enrichment worker, so this is an independent decoder of the
same scheme in numpy + PyWavelets + OpenCV:

1. Convert to YUV with OpenCV exactly as the package does on a ``cv2.imread`` (BGR) image, and
   keep only the U plane: both methods leave Y and V alone (their default scales are 0 there).
2. One-level Haar DWT of the U plane (cropped to a multiple of 4 pixels) and keep the
   approximation band, cut into 4×4 blocks; blocks are numbered row-major and block ``n`` carries
   message bit ``n mod length``, so the message repeats all over the picture.
3. Each block votes 0 or 1 by where a magnitude falls within a quantisation step of 36:
   ``dwtDct``: the largest |coefficient| of the block other than its top-left one;
   ``dwtDctSvd``: the largest singular value of the block's 2-D DCT. The DCT is orthonormal, so
   that singular value equals the block's own and is computed without the DCT.
4. A bit is 1 when the mean of its votes, times 255, exceeds 127.

Everything is vectorised over blocks (a 1-megapixel frame is ~16k blocks). The Haar band is
computed with PyWavelets' own filter tap in the same operation order as ``pywt.dwt2``, so it is
bit-identical to it (tests check this) at a fraction of the cost.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np
import pywt

Method = Literal["dwtDct", "dwtDctSvd"]
ChannelOrder = Literal["bgr", "swapped"]

METHODS: tuple[Method, ...] = ("dwtDct", "dwtDctSvd")
SCALE = 36.0  # the package's default quantisation step on the U channel, both methods
BLOCK = 4  # block side, in approximation-band coefficients (8 pixels)
PIXELS_PER_BLOCK = 2 * BLOCK

_HAAR_TAP = float(pywt.Wavelet("haar").dec_lo[0])  # 1/sqrt(2)


def u_plane(rgb: np.ndarray, order: ChannelOrder = "bgr") -> np.ndarray:
    """The U plane (uint8) of the part of `rgb` covered by whole blocks.

    ``"bgr"`` reproduces the package reading a file with ``cv2.imread`` (channels in BGR order);
    ``"swapped"`` reproduces callers that handed it RGB data as if it were BGR (early diffusers
    SDXL pipelines did), i.e. the watermark sits in what the package took for U of a swapped image.
    """
    rows = rgb.shape[0] // PIXELS_PER_BLOCK * PIXELS_PER_BLOCK
    cols = rgb.shape[1] // PIXELS_PER_BLOCK * PIXELS_PER_BLOCK
    code = cv2.COLOR_RGB2YUV if order == "bgr" else cv2.COLOR_BGR2YUV
    yuv = cv2.cvtColor(np.ascontiguousarray(rgb[:rows, :cols]), code)
    return np.asarray(yuv[:, :, 1])


def haar_approximation(plane: np.ndarray) -> np.ndarray:
    """The approximation band of a one-level Haar DWT (even-sized `plane`), as ``pywt.dwt2``."""
    x = plane.astype(np.float64)
    down_rows = x[0::2] * _HAAR_TAP + x[1::2] * _HAAR_TAP
    return np.asarray(down_rows[:, 0::2] * _HAAR_TAP + down_rows[:, 1::2] * _HAAR_TAP)


def blocks_of(band: np.ndarray) -> np.ndarray:
    """The band's whole 4×4 blocks, row-major, as an (N, 4, 4) array."""
    rows, cols = band.shape[0] // BLOCK, band.shape[1] // BLOCK
    cut = band[: rows * BLOCK, : cols * BLOCK]
    return cut.reshape(rows, BLOCK, cols, BLOCK).swapaxes(1, 2).reshape(-1, BLOCK, BLOCK)


def block_votes(blocks: np.ndarray, method: Method) -> np.ndarray:
    """Each block's 0/1 vote for the bit it carries."""
    if method == "dwtDct":
        flat = np.abs(blocks.reshape(len(blocks), -1)[:, 1:])
        magnitude = np.take_along_axis(flat, flat.argmax(axis=1)[:, None], axis=1)[:, 0]
    else:
        gram = np.matmul(blocks.transpose(0, 2, 1), blocks)
        magnitude = np.sqrt(np.maximum(np.linalg.eigvalsh(gram)[:, -1], 0.0))
    return (np.mod(magnitude, SCALE) > 0.5 * SCALE).astype(np.int64)


def tally(votes: np.ndarray, length: int) -> np.ndarray | None:
    """Majority of the votes for each of `length` bits; None if a bit got no vote at all."""
    if len(votes) < length:
        return None
    slot = np.arange(len(votes)) % length
    ones = np.bincount(slot, weights=votes, minlength=length)
    total = np.bincount(slot, minlength=length)
    return (ones * 255 > 127 * total).astype(np.uint8)
