"""What an ONNX model brought in by manifest expects of its pixels, said once for every slot.

The synthetic-media detector (`enrichment.signals.detector_manifest`) and the face recognizer
(`enrichment.faces.recognizer_manifest`) both take a float32 batch made from RGB uint8 images
by the same recipe: channel order, `(pixel · scale − mean) / std`, NCHW or NHWC. A model fed
another normalisation gives numbers that mean nothing, so the manifest fields, their checks
(a scale may be written `1/255`; scale and std must be positive) and the tensor recipe live
here, and each slot adds only its own size fields and messages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, field_validator

from kernel.errors import ConfigError


class StrictSpec(BaseModel):
    """A manifest section: unknown keys are errors (a typo must not silently mean a default)."""

    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())


class PixelInput(StrictSpec):
    """The model input's name, layout, channel order and normalisation."""

    name: str | None = None
    layout: Literal["NCHW", "NHWC"]
    channel_order: Literal["RGB", "BGR"]
    scale: float = 1.0
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)

    @field_validator("scale", mode="before")
    @classmethod
    def _fraction(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return float(Fraction(value.replace(" ", "")))
            except (ValueError, ZeroDivisionError):
                raise ValueError("must be a number or a fraction such as 1/255") from None
        return value

    @field_validator("scale")
    @classmethod
    def _positive_scale(cls, value: float) -> float:
        if not (math.isfinite(value) and value > 0):
            raise ValueError("must be a positive number")
        return value

    @field_validator("std")
    @classmethod
    def _positive_std(cls, value: tuple[float, float, float]) -> tuple[float, float, float]:
        if not all(math.isfinite(v) and v > 0 for v in value):
            raise ValueError("every std must be a positive number")
        return value


def pixel_tensor(batch: np.ndarray, spec: PixelInput) -> np.ndarray:
    """A float32 tensor of an (N, H, W, 3) RGB uint8 batch: channel-ordered,
    (pixel · scale − mean) / std, laid out. Identity steps are skipped (same numbers)."""
    if spec.channel_order == "BGR":
        batch = batch[..., ::-1]
    tensor = batch.astype(np.float32)
    if spec.scale != 1.0:
        tensor *= np.float32(spec.scale)
    if any(spec.mean):
        tensor -= np.asarray(spec.mean, dtype=np.float32)
    if any(s != 1.0 for s in spec.std):
        tensor /= np.asarray(spec.std, dtype=np.float32)
    if spec.layout == "NCHW":
        tensor = tensor.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(tensor)


def pick_node(nodes: Sequence[Any], wanted: str | None, role: str, owner: str) -> Any:
    """The session's input or output the manifest names (the first when it names none);
    `owner` ("detector X", "recognizer Y") starts the error."""
    if wanted is None:
        return nodes[0]
    for node in nodes:
        if node.name == wanted:
            return node
    names = ", ".join(node.name for node in nodes)
    raise ConfigError(f"{owner}: {role}.name: the model has no {role} '{wanted}' "
                      f"(it has: {names})")
