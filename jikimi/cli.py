"""The `jikimi` command line. Errors are one clear line (exit 2), never a traceback.

There is intentionally no command that searches the store for an arbitrary face: faces are only
ever compared with the templates of people who enrolled (`jikimi enroll`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jikimi import __version__
from jikimi.commands import (
    cases,
    contacts,
    elastic,
    enroll,
    evaluation,
    evidence,
    keys,
    kibana,
    pipeline,
    portal,
    review,
    schedule,
    takedown,
    users,
)
from jikimi.commands.console import Handler
from kernel.errors import JikimiError
from kernel.settings import Settings, load_settings

# One module per area keeps the handlers short and lets areas (Elasticsearch, evidence,
# evaluation, …) grow on their own; each adds its sub-commands with `register(sub)`.
COMMAND_MODULES = (enroll, cases, pipeline, review, takedown, portal, users, kibana, evidence,
                   evaluation,
                   elastic, schedule, contacts, keys)


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
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def settings_for(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if args.data_dir:
        overrides["data_dir"] = Path(args.data_dir)
    settings = load_settings(args.config, **overrides)
    if getattr(args, "allow_private", False):  # one purpose per command, never implied
        scoped = getattr(settings, args.allow_private_section)
        scoped.allow_private = True
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
