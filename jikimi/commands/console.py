"""What every command prints: JSON results on stdout, progress lines on stderr.

Kept apart from `jikimi.cli` so that command modules import these helpers, not the CLI that
imports them (no cycle).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from typing import Any

from kernel.settings import Settings

Handler = Callable[[argparse.Namespace, Settings], int]


def progress(line: str) -> None:
    print(f"  … {line}", file=sys.stderr, flush=True)


def emit(obj: Any) -> None:
    if is_dataclass(obj) and not isinstance(obj, type):
        obj = asdict(obj)
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, set):
        return sorted(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def print_rows(rows: list[dict[str, object]], as_json: bool, columns: list[str]) -> None:
    """A JSON list, or one line per row with `columns`, for a person at a terminal."""
    if as_json:
        emit(rows)
        return
    if not rows:
        print("(none)")
        return
    for row in rows:
        print("  ".join(str(row.get(c, "")) for c in columns))
