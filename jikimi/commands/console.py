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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kernel.settings import Settings

Handler = Callable[[argparse.Namespace, Settings], int]
Adder = Callable[[str, Handler, str], argparse.ArgumentParser]
if TYPE_CHECKING:  # argparse's action class is not subscriptable at run time
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def adder(sub: Subparsers) -> Adder:
    """`add(name, handler, text)`: one sub-command with its help text and handler."""

    def add(name: str, handler: Handler, text: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=text, description=text)
        parser.set_defaults(handler=handler)
        return parser

    return add


def add_batch_target(parser: argparse.ArgumentParser, *, required: bool, out_help: str) -> None:
    """Where a batch goes: `--out FILE`, or `--to URI` of a blob store (e.g. s3://bucket/prefix,
    which prints a presigned GET URL valid for `--expires` seconds)."""
    target = parser.add_mutually_exclusive_group(required=required)
    target.add_argument("--out", type=Path, help=out_help)
    target.add_argument("--to", metavar="URI", help="write to a blob store, e.g. "
                        "s3://bucket/prefix (prints a presigned GET URL)")
    parser.add_argument("--expires", type=int, metavar="SECONDS",
                        help="presigned URL lifetime (default s3.presigned_url_expiry)")


def command_group(sub: Subparsers, name: str, text: str, description: str | None = None
                  ) -> Adder:
    """A command with actions (`jikimi NAME ACTION …`); the adder for its actions."""
    group = sub.add_parser(name, help=text, description=description or text)
    return adder(group.add_subparsers(dest=f"{name}_command", required=True, metavar="ACTION"))


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
