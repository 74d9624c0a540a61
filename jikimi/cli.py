"""The `jikimi` command line. Errors are one clear line (exit 2), never a traceback.

There is intentionally no command that searches the store for an arbitrary face: faces are only
ever compared with the templates of people who enrolled (`jikimi enroll`).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from jikimi import __version__
from jikimi.errors import JikimiError
from jikimi.settings import Settings, load_settings

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


# Modules that add sub-commands, each with `register(sub)`; one module per area keeps the
# handlers short and lets areas (Elasticsearch, evidence, evaluation, …) grow on their own.
COMMAND_MODULES: tuple[str, ...] = (
    "jikimi.commands",
    "jikimi.commands_kibana",
    "jikimi.commands_evidence",
    "jikimi.commands_eval",
    "jikimi.commands_es",
    "jikimi.commands_schedule",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jikimi",
        description="Find deepfakes of enrolled people on the web and get them taken down.",
    )
    parser.add_argument("--version", action="version", version=f"jikimi {__version__}")
    parser.add_argument(
        "--data-dir", help="state folder (default ./jikimi-data, env JIKIMI_DATA_DIR)"
    )
    parser.add_argument("--config", help="TOML or YAML settings file (env JIKIMI_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def settings_for(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if args.data_dir:
        overrides["data_dir"] = Path(args.data_dir)
    settings = load_settings(args.config, **overrides)
    if getattr(args, "allow_private", False):
        settings.crawl.allow_private = True
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args, settings_for(args))
    except JikimiError as exc:
        print(f"jikimi: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("jikimi: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
