"""The manifest of an ONNX synthetic-media detector slot: everything needed to run it honestly.

A detector is only as trustworthy as what is known about it, so an operator installs one as a
folder holding the ``.onnx`` file and a ``manifest.yaml`` that says how to feed it, how to read
it, whether its number is a probability, and where it comes from. Unknown keys are errors (a typo
must not silently mean a default) and the model file is pinned by SHA-256, so the evidence names
exactly the model that produced it.

Fields of ``manifest.yaml``:

- ``name``: stable id of the detector (lower case, digits, ``-``, ``_``, ``.``); evidence is
  named ``detector:<name>``.
- ``version``: the model's version or training run, reported with every score.
- ``model_file``: the ``.onnx`` file, relative to the manifest's folder (may not leave it).
- ``sha256``: hex SHA-256 of the model file; a mismatch refuses to load.
- ``applies_to``: ``face`` (square crops around detected faces), ``image`` (each whole frame)
  or ``both``.
- ``face_margin``: crop margin added on every side of a face box, as a fraction of the box's
  longer side (0.3 → the crop is 1.6 × the box); the crop is clipped to the frame.
- ``input``: ``name`` (default: the model's first input), ``height``, ``width``, ``layout``
  (``NCHW`` | ``NHWC``), ``channel_order`` (``RGB`` | ``BGR``), ``scale`` (pixel multiplier, a
  number or a fraction such as ``1/255``), ``mean`` and ``std`` (three numbers each, in the
  channel order the model receives). The tensor is ``(pixel · scale − mean) / std``, float32.
- ``output``: ``name`` (default: the first output), ``index`` (column of the output's last
  dimension, default 0) and ``meaning``: ``p_fake`` (probability of fake), ``p_real`` (fake =
  1 − value) or ``logit_fake`` (fake = sigmoid(value)).
- ``calibration``: ``none``, ``{method: platt, a, b}`` (p = 1 / (1 + exp(−(a·x + b))), a > 0) or
  ``{method: isotonic, points: [[x, p], ...]}`` (piecewise-linear, x increasing, p
  non-decreasing in 0–1, clamped at the ends). ``x`` is the model's raw fake output: the
  probability for p_fake, 1 − value for p_real, the logit itself for logit_fake. Only a
  calibrated detector's score is presented as a probability.
- ``licence``: the model weights' licence (SPDX id where there is one).
- ``model_card``: URL of the model card or paper describing training data and known failures.
- ``limitations``: a short plain-language statement of what the model cannot do.
"""

from __future__ import annotations

import math
import re
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import yaml
from pydantic import Field, ValidationError, field_validator

from enrichment.faces.model_fix import file_sha256
from enrichment.onnx_input import PixelInput, StrictSpec
from kernel.errors import ConfigError

MANIFEST_FILE = "manifest.yaml"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class InputSpec(PixelInput):
    height: int = Field(gt=0, le=4096)
    width: int = Field(gt=0, le=4096)


class OutputSpec(StrictSpec):
    name: str | None = None
    index: int = Field(default=0, ge=0)
    meaning: Literal["p_fake", "p_real", "logit_fake"]


class PlattCalibration(StrictSpec):
    method: Literal["platt"]
    a: float = Field(gt=0, allow_inf_nan=False)
    b: float = Field(allow_inf_nan=False)

    def apply(self, raw: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.a * raw + self.b)))

    def describe(self) -> str:
        return f"Platt scaling a={self.a:g}, b={self.b:g}"


class IsotonicCalibration(StrictSpec):
    method: Literal["isotonic"]
    points: list[tuple[float, float]] = Field(min_length=2)

    @field_validator("points")
    @classmethod
    def _monotonic(cls, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        xs = [x for x, _ in points]
        ps = [p for _, p in points]
        if not all(math.isfinite(x) for x in xs) or any(b <= a for a, b in pairwise(xs)):
            raise ValueError("x values must be finite and strictly increasing")
        if not all(0.0 <= p <= 1.0 for p in ps) or any(b < a for a, b in pairwise(ps)):
            raise ValueError("probabilities must lie in 0–1 and never decrease")
        return points

    def apply(self, raw: np.ndarray) -> np.ndarray:
        xs, ps = zip(*self.points, strict=True)
        return np.interp(raw, xs, ps)

    def describe(self) -> str:
        return f"isotonic table of {len(self.points)} points"


Calibration = Annotated[PlattCalibration | IsotonicCalibration, Field(discriminator="method")]


class DetectorManifest(StrictSpec):
    name: str
    version: str = Field(min_length=1)
    model_file: str
    sha256: str
    applies_to: Literal["face", "image", "both"]
    face_margin: float = Field(default=0.0, ge=0.0, le=2.0)
    input: InputSpec
    output: OutputSpec
    calibration: Calibration | None = None  # "none" in YAML
    licence: str = Field(min_length=1)
    model_card: str = Field(pattern=r"^https?://\S+$")
    limitations: str = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("use lower-case letters, digits, '-', '_' or '.' (at most 64)")
        return value

    @field_validator("calibration", mode="before")
    @classmethod
    def _none(cls, value: object) -> object:
        if value is None or value == "none":
            return None
        if not isinstance(value, dict):
            raise ValueError("must be none or a mapping with method: platt or isotonic")
        return value

    @field_validator("sha256")
    @classmethod
    def _sha256(cls, value: str) -> str:
        if not _SHA256.match(value.lower()):
            raise ValueError("must be 64 hex digits")
        return value.lower()

    @field_validator("model_file")
    @classmethod
    def _relative(cls, value: str) -> str:
        path = Path(value)
        if not value or path.is_absolute() or ".." in path.parts:
            raise ValueError("must be a file name relative to the manifest's folder")
        return value

    @property
    def calibrated(self) -> bool:
        return self.calibration is not None

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


def load_manifest(folder: Path) -> tuple[DetectorManifest, Path]:
    """The validated manifest in `folder` and its verified model path; ConfigError otherwise."""
    source = Path(folder) / MANIFEST_FILE
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"detector manifest {source}: cannot read: {exc.strerror or exc}") \
            from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"detector manifest {source}: invalid YAML{line}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"detector manifest {source}: expected a mapping of fields, "
                          f"not {type(data).__name__}")
    try:
        manifest = DetectorManifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"] if not str(p).startswith(("platt", "iso")))
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"detector manifest {source}: {where or 'manifest'}: {message}") \
            from None
    model = source.parent / manifest.model_file
    _verify_checksum(model, manifest.sha256, source)
    return manifest, model


def _verify_checksum(model: Path, pinned: str, source: Path) -> None:
    try:
        digest = file_sha256(model)
    except OSError as exc:
        raise ConfigError(f"detector manifest {source}: model_file: cannot read {model.name}: "
                          f"{exc.strerror or exc}") from None
    if digest != pinned:
        raise ConfigError(f"detector manifest {source}: sha256: {model.name} has "
                          f"{digest}, the manifest pins {pinned}")
