"""The manifest of a brought-in ONNX face recognizer: what it takes, what it gives, whose it is.

No recognizer stronger than SFace ships in a package registry (the ArcFace class all download
their weights at run time), so a deployer brings one as a folder (`faces.recognizer_dir`) holding
the `.onnx` file and a ``manifest.yaml``, like the synthetic-media detector slot. An embedding is
only comparable with embeddings of the same model fed the same way, so everything that changes the
numbers is written down, unknown keys are errors, and the file is pinned by SHA-256.

Fields of ``manifest.yaml``:

- ``model_id``: stored with every face and template it embeds (lower case, digits, ``-_.+``);
  faces are only compared within one model id, and thresholds are kept per id. Give a new model
  file a new id. The built-in engines' ids are refused.
- ``model_file``: the ``.onnx`` file, relative to the manifest's folder; ``sha256``: its hex
  SHA-256 (a mismatch refuses to load).
- ``input``: ``name`` (default: the model's first input), ``size`` (square crop side, e.g. 112),
  ``layout`` (``NCHW`` | ``NHWC``), ``channel_order`` (``RGB`` | ``BGR``), ``scale`` (a number or
  a fraction such as ``1/255``), ``mean`` and ``std`` (three numbers each, in the model's channel
  order). The tensor is ``(pixel · scale − mean) / std``, float32; ArcFace: mean = std = 127.5.
- ``alignment``: ``arcface`` (the standard 5-point ArcFace template, defined on 112 × 112 and
  scaled to ``size``) or five ``[x, y]`` points in crop pixels: right eye, left eye, nose tip,
  right and left mouth corner (the person's right is the image's left).
- ``output``: ``name`` (default: the first output) and ``dims``, the embedding's length.
- ``licence`` (SPDX id where there is one), ``model_card`` (URL or text: training data, known
  failures) and optionally ``limitations`` (plain words, e.g. groups it is weaker on).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import Field, ValidationError, field_validator

from enrichment.faces.align import ARCFACE_TEMPLATE, CROP_SIZE
from enrichment.faces.model_fix import file_sha256
from enrichment.onnx_input import PixelInput, StrictSpec
from kernel.errors import ConfigError
from kernel.measured_thresholds import THRESHOLDS_FILE, MeasuredThresholds, read_measured
from kernel.settings import DEFAULT_THRESHOLDS

MANIFEST_FILE = "manifest.yaml"
_MODEL_ID = re.compile(r"^[a-z0-9][a-z0-9_.+-]{0,63}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
Point = tuple[float, float]


class RecognizerInput(PixelInput):
    size: int = Field(ge=16, le=1024)


class RecognizerOutput(StrictSpec):
    name: str | None = None
    dims: int = Field(ge=2, le=4096)


class RecognizerManifest(StrictSpec):
    model_id: str
    model_file: str
    sha256: str
    input: RecognizerInput
    alignment: Literal["arcface"] | tuple[Point, Point, Point, Point, Point]
    output: RecognizerOutput
    licence: str = Field(min_length=1)
    model_card: str = Field(min_length=1)
    limitations: str | None = None

    @field_validator("model_id")
    @classmethod
    def _model_id(cls, value: str) -> str:
        if not _MODEL_ID.match(value):
            raise ValueError("use lower-case letters, digits, '-', '_', '.' or '+' (at most 64)")
        if value in DEFAULT_THRESHOLDS or value.startswith("insightface-"):
            raise ValueError(f"{value!r} is a built-in engine's id: give this model its own")
        return value

    @field_validator("alignment", mode="before")
    @classmethod
    def _alignment(cls, value: object) -> object:
        if value == "arcface":
            return value
        if not (isinstance(value, list | tuple) and len(value) == 5 and all(
                isinstance(p, list | tuple) and len(p) == 2
                and all(isinstance(c, int | float) for c in p) for p in value)):
            raise ValueError("must be 'arcface' or five [x, y] points (right eye, left eye, "
                             "nose tip, right and left mouth corner)")
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

    def template(self) -> np.ndarray:
        """The 5 alignment points (5, 2) in crop pixels."""
        if self.alignment == "arcface":
            return ARCFACE_TEMPLATE * (self.input.size / CROP_SIZE)
        return np.array(self.alignment, dtype=np.float64)

    def describe_alignment(self) -> str:
        if self.alignment == "arcface":
            return f"arcface (5-point ArcFace template scaled to {self.input.size} px)"
        return "5 points " + " ".join(f"({x:g}, {y:g})" for x, y in self.alignment)


def manifest_source(path: Path) -> Path:
    """The manifest file for `path`: the file itself, or manifest.yaml in the folder."""
    path = Path(path).expanduser()
    return path if path.is_file() else path / MANIFEST_FILE


def load_recognizer_manifest(path: Path) -> tuple[RecognizerManifest, Path]:
    """The validated manifest (a folder or its manifest file) and the model path, its SHA-256
    verified; ConfigError with the manifest's path and the field otherwise."""
    source = manifest_source(path)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"recognizer manifest {source}: cannot read: "
                          f"{exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"recognizer manifest {source}: invalid YAML{line}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"recognizer manifest {source}: expected a mapping of fields, "
                          f"not {type(data).__name__}")
    try:
        manifest = RecognizerManifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"] if not str(p).startswith(("literal",
                                                                                "tuple")))
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"recognizer manifest {source}: {where or 'manifest'}: {message}") \
            from None
    _check_points(manifest, source)
    model = source.parent / manifest.model_file
    try:
        digest = file_sha256(model)
    except OSError as exc:
        raise ConfigError(f"recognizer manifest {source}: model_file: cannot read {model.name}: "
                          f"{exc.strerror or exc}") from None
    if digest != manifest.sha256:
        raise ConfigError(f"recognizer manifest {source}: sha256: {model.name} has {digest}, "
                          f"the manifest pins {manifest.sha256}; refusing to load it")
    return manifest, model


def _check_points(manifest: RecognizerManifest, source: Path) -> None:
    size = manifest.input.size
    points = manifest.template()
    if not (np.isfinite(points).all() and (points >= 0).all() and (points <= size).all()):
        raise ConfigError(f"recognizer manifest {source}: alignment: every point must lie "
                          f"inside the {size} × {size} crop")


def measured_thresholds(manifest: RecognizerManifest, folder: Path) -> MeasuredThresholds | None:
    """The thresholds measured beside the manifest, None when none were; ConfigError when they
    were measured for another model id or another model file (they would not mean anything)."""
    measured = read_measured(folder)
    if measured is None:
        return None
    if (measured.model_id, measured.sha256) != (manifest.model_id, manifest.sha256):
        raise ConfigError(
            f"{Path(folder) / THRESHOLDS_FILE} was measured for {measured.model_id} "
            f"(sha256 {measured.sha256[:12]}…), not for this manifest's {manifest.model_id} "
            f"(sha256 {manifest.sha256[:12]}…): run jikimi eval faces DIR --write-thresholds "
            "again, or delete it")
    return measured
