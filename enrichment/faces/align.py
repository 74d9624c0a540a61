"""Five-point face alignment to the standard ArcFace 112×112 template.

Recognizers (SFace, ArcFace) were trained on crops where the eyes, nose tip and mouth corners sit
at fixed positions; embedding an unaligned box costs a lot of accuracy. The transform is the
least-squares similarity (rotation, uniform scale, translation: no shear) from the detected points
to the template, solved in closed form (Umeyama 1991, as scikit-image and InsightFace do), then
applied with bilinear warpAffine; pixels outside the image become black, as in OpenCV's alignCrop.
"""

from __future__ import annotations

import cv2
import numpy as np

CROP_SIZE = 112
# Right eye, left eye, nose tip, right and left mouth corners (person's right = image left).
ARCFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float64,
)


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2×3 matrix of the least-squares similarity mapping points `src` (N, 2) onto `dst`."""
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    covariance = dst_c.T @ src_c / len(src)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.eye(2)
    if np.linalg.det(covariance) < 0:
        sign[1, 1] = -1.0
    rotation = u @ sign @ vt
    src_var = (src_c**2).sum() / len(src)
    scale = float(np.trace(np.diag(singular) @ sign) / src_var) if src_var > 0 else 1.0
    matrix = np.empty((2, 3), dtype=np.float64)
    matrix[:, :2] = scale * rotation
    matrix[:, 2] = dst_mean - scale * rotation @ src_mean
    return matrix


def align_face(rgb: np.ndarray, landmarks: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """The (size, size, 3) aligned crop of the face whose 5 landmarks are given, same dtype."""
    return align_to(rgb, landmarks, ARCFACE_TEMPLATE * (size / CROP_SIZE), size)


def align_to(rgb: np.ndarray, landmarks: np.ndarray, template: np.ndarray,
             size: int) -> np.ndarray:
    """The (size, size, 3) crop that puts the 5 landmarks on `template` (5 points, crop pixels):
    for recognizers trained on another template or crop size than ArcFace's 112."""
    matrix = similarity_transform(np.asarray(landmarks).reshape(5, 2), template)
    return cv2.warpAffine(rgb, matrix, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))


def require_rgb8(rgb: np.ndarray) -> np.ndarray:
    """`rgb` itself if it is an (H, W, 3) uint8 image, else ValueError (a caller's bug)."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"face engines need (H, W, 3) uint8 RGB, got {rgb.shape} {rgb.dtype}")
    return rgb
