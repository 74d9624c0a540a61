"""Thresholds measured for a brought-in recognizer, kept in `thresholds.yaml` beside its manifest.

Why a file next to the model and not only a setting: a threshold belongs to one exact model file
measured on one labelled set. Kept in the model's folder, it travels with the model, it names the
file's sha256 (so the face engine refuses thresholds measured on another file), and it says what
it was measured on. `jikimi eval faces DIR --write-thresholds` writes it; it holds aggregates only
(counts and rates), never one pair's score. `FaceSettings.threshold_for` reads it for the model id
it names, unless `faces.thresholds` names that id itself (an operator's explicit choice wins).
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kernel.errors import ConfigError

THRESHOLDS_FILE = "thresholds.yaml"
HEADER = ("# Measured by `jikimi eval faces --write-thresholds` (aggregates only). Re-run it to\n"
          "# change these; a file measured on another model file (sha256) is refused.\n")
_SHA256 = r"^[0-9a-f]{64}$"


class MeasuredThresholds(BaseModel):
    """One recognizer's global threshold and the aggregates it was chosen from."""

    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())

    model_id: str = Field(min_length=1)
    sha256: str = Field(pattern=_SHA256)  # the model file these were measured on
    threshold: float = Field(ge=-1.0, le=1.0)  # cosine similarity at which two faces match
    target_far: float = Field(gt=0, lt=1)  # false accepts per different-person comparison
    far: float = Field(ge=0, le=1)  # measured at `threshold`
    tar: float = Field(ge=0, le=1)  # true accepts per same-person comparison at `threshold`
    sets: list[str] = Field(min_length=1)  # names of the labelled folders measured
    people: int = Field(ge=2)
    photos: int = Field(ge=2)
    same_pairs: int = Field(ge=1)
    different_pairs: int = Field(ge=1)
    measured_at: datetime


def read_measured(folder: Path | None) -> MeasuredThresholds | None:
    """The thresholds file in `folder`, None when there is none; ConfigError when it is invalid.
    Re-read only when the file changes, since matching asks for every batch."""
    if folder is None:
        return None
    path = Path(folder).expanduser() / THRESHOLDS_FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return _parse(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _parse(path: str, mtime_ns: int, size: int) -> MeasuredThresholds:
    source = Path(path)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        return MeasuredThresholds.model_validate(data)
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError:
        raise ConfigError(f"{source}: invalid YAML; re-run jikimi eval faces "
                          "--write-thresholds") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise ConfigError(f"{source}: {where}: {first['msg']}") from None


def write_measured(folder: Path, measured: MeasuredThresholds) -> Path:
    """Write `measured` into `folder` atomically (a matcher never reads half a file)."""
    path = Path(folder) / THRESHOLDS_FILE
    body = yaml.safe_dump(measured.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(HEADER + body, encoding="utf-8")
    os.replace(temporary, path)
    return path
