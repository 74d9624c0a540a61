"""Read the config file once up front, so a syntax error is one line naming the file, line and
column (exit 2), not a 40-line traceback out of pydantic-settings' file sources."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

from kernel.errors import ConfigError

YAML_SUFFIXES = frozenset({".yaml", ".yml"})


def check_config_file(path: Path) -> None:
    """Raise ConfigError unless `path` holds a TOML table or YAML mapping (or nothing)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path}: not UTF-8 text (byte {exc.start})") from None
    if path.suffix in YAML_SUFFIXES:
        content = _yaml(path, text)
        if content is not None and not isinstance(content, dict):
            raise ConfigError(f"config file {path}: the top level must be a mapping of "
                              f"settings, not a {type(content).__name__}")
    else:
        _toml(path, text)


def _toml(path: Path, text: str) -> None:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python < 3.14 has no lineno/colno attributes; the message ends "(at line L, column C)"
        message, _, where = str(exc).partition(" (at ")
        where = where.rstrip(")") or "unknown position"
        raise ConfigError(f"config file {path}: TOML syntax error at {where}: {message}"
                          ) from None


def _yaml(path: Path, text: str) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"config file {path}: YAML syntax error at {where}: {problem}"
                          ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path}: YAML error: {' '.join(str(exc).split())}"
                          ) from None
