"""The `jikimi` command line. Errors are one clear line, never a traceback; exit statuses follow
`jikimi.commands.exits` (0 done, 1 partial, 2 usage or config, 3 nothing could be done), so a
cron job sees every failure. A reader that closes stdout early (`| head`) ends the command quietly.

There is intentionally no command that searches the store for an arbitrary face: faces are only
ever compared with the templates of people who enrolled (`jikimi enroll`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jikimi import __version__
from jikimi.commands import (
    bench,
    cases,
    contacts,
    elastic,
    enroll,
    evaluation,
    evidence,
    exits,
    keys,
    kibana,
    models,
    pipeline,
    portal,
    review,
    schedule,
    sites,
    takedown,
    users,
)
from jikimi.commands.console import Handler
from kernel.errors import JikimiError, StoreError
from kernel.settings import Settings, load_settings

# One module per area keeps the handlers short and lets areas (Elasticsearch, evidence,
# evaluation, …) grow on their own; each adds its sub-commands with `register(sub)`.
COMMAND_MODULES = (enroll, cases, pipeline, review, takedown, portal, users, kibana, evidence,
                   evaluation, models, bench,
                   elastic, schedule, contacts, keys, sites)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jikimi",
        description="Find deepfakes of enrolled people on the web and get them taken down.",
        epilog=exits.EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
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
        code = handler(args, settings_for(args))
        sys.stdout.flush()  # a closed stdout shows here, not at exit as a traceback
        return code
    except BrokenPipeError:
        _silence_stdout()
        return exits.BROKEN_PIPE
    except StoreError as exc:  # the database, index or blob store cannot be used at all
        print(f"jikimi: error: {exc}", file=sys.stderr)
        return exits.NOTHING_DONE
    except JikimiError as exc:
        print(f"jikimi: error: {exc}", file=sys.stderr)
        return exits.USAGE
    except KeyboardInterrupt:
        print("jikimi: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


def _silence_stdout() -> None:
    """Point stdout at the null device, so the interpreter's final flush of what is still
    buffered cannot fail again on the closed pipe (and print a traceback after all)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (stdout replaced, e.g. in tests)
        pass


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
