"""Sub-commands for the scheduled work, for deployments without Airflow (cron) and for operators.

`jikimi housekeeping` runs what the nightly `jikimi_housekeeping` DAG runs, in the same order
(erasure requests, then the export batch, retention and the takedown follow-up: re-checks and
escalation); `jikimi erasure-request` files a
request that the next housekeeping run carries out (`jikimi forget` erases at once instead). A
request for a person id the store does not know is refused (exit 2): a typo must not pass for a
filed erasure.
"""

from __future__ import annotations

import argparse
from contextlib import closing
from datetime import UTC, date, datetime

from jikimi import registry
from jikimi.commands.console import emit
from jikimi.schedule import tasks
from jikimi.schedule.erasure_requests import request_erasure, request_key
from kernel import chaos
from kernel.errors import ConfigError, JikimiError, NotFound
from kernel.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    text = "file a request to erase a person at the next housekeeping run"
    p = sub.add_parser("erasure-request", help=text, description=text)
    p.add_argument("person_id")
    p.add_argument("--by", default="operator", help="who received the request (audit log)")
    p.set_defaults(handler=cmd_erasure_request)

    text = ("carry out erasure requests, write the day's export batch, apply retention, "
            "re-check and escalate sent takedowns")
    p = sub.add_parser("housekeeping", help=text, description=text)
    p.add_argument("--day", help="export batch day, YYYY-MM-DD (default: today, UTC)")
    p.set_defaults(handler=cmd_housekeeping)


def cmd_erasure_request(args: argparse.Namespace, settings: Settings) -> int:
    request_key(args.person_id)  # a malformed id is refused before the store is opened
    with closing(registry.open_store(settings)) as store:
        known = store.get_person(args.person_id) is not None
    if not known:
        raise NotFound(f"no enrolled person {args.person_id!r}: nothing to erase (already "
                       "erased, or a mistyped id; `jikimi persons` lists the ids)")
    key = request_erasure(registry.open_blobs(settings), args.person_id, args.by)
    emit({"request": key})
    return 0


def cmd_housekeeping(args: argparse.Namespace, settings: Settings) -> int:
    day = args.day or datetime.now(UTC).date().isoformat()
    try:
        date.fromisoformat(day)
    except ValueError:
        raise ConfigError(f"--day: {day!r} is not a YYYY-MM-DD date") from None
    result: dict[str, object] = {}
    try:
        result["erasure"] = tasks.erase_requested(settings)
        chaos.point("housekeeping.erasure")
    except JikimiError as exc:  # as in the DAG: no export while a request is not carried out
        result["erasure"] = {"error": str(exc)}
    else:
        result["export"] = tasks.export_takedown_batch(day, settings)
    result["retention"] = tasks.apply_retention(None, settings)
    if "export" in result:  # as in the DAG: only once erasure requests are carried out
        result["takedown_followup"] = tasks.recheck_takedowns(None, settings)
    emit(result)
    return 0 if "export" in result else 1
