"""`jikimi review …`: the operators' review queue and their decisions, from the server's shell.

`review list` shows the hits awaiting a decision (the fields of `jikimi hits --json`, `hit_id`
included); `review decide` records one decision and, for a confirmation, sends the person's alert
at once through the configured channels; `review report` is the per-model precision by band that
reviewers' decisions give. Until the CLI has accounts, the deciding operator is the OS user
(`cli:<user>`), which the audit log records.
"""

from __future__ import annotations

import argparse
from contextlib import closing

from jikimi import registry
from jikimi.cases import os_operator
from jikimi.commands import exits
from jikimi.commands.console import command_group, emit, print_rows
from jikimi.flow import alert_stage
from jikimi.review import decide, precision_report, review_queue
from kernel.ports import Escalation
from kernel.records import ReviewDecision
from kernel.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = command_group(sub, "review", "review hits before anyone is alerted",
                        "the review queue, decisions and their precision")

    p = add("list", cmd_list, "hits awaiting a decision, in review order")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p = add("decide", cmd_decide, "record a decision on one hit")
    p.add_argument("hit_id")
    choice = p.add_mutually_exclusive_group(required=True)
    for flag, decision, text in [
        ("--confirm", "confirm", "it is her and sexual content: alert her, add to takedowns"),
        ("--reject", "reject", "not her"),
        ("--not-sexual", "not_sexual", "her, but nothing to take down"),
        ("--escalate", "escalate", "suspected minor: notify review.escalation_email"),
    ]:
        choice.add_argument(flag, dest="decision", action="store_const", const=decision,
                            help=text)
    p.add_argument("--note", help="a short note for other reviewers (kept in the store)")
    p = add("report", cmd_report, "precision per model and band from reviewers' decisions")
    p.add_argument("--json", action="store_true", help="print a JSON list")


def cli_actor() -> str:
    """How the audit log names the OS user behind a CLI command (until the CLI has accounts)."""
    return f"cli:{os_operator()}"


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        rows = review_queue(store, settings)
    columns = ["hit_id", "band", "similarity", "fake_score", "score_basis", "page_url"]
    print_rows(rows, args.json, columns)
    return 0


def cmd_decide(args: argparse.Namespace, settings: Settings) -> int:
    decision: ReviewDecision = args.decision
    escalation: Escalation | None = None
    if decision == "escalate":
        escalation = registry.open_escalation(settings)  # refuses before anything is recorded
    with closing(registry.open_store(settings)) as store:
        outcome = decide(store, args.hit_id, decision, cli_actor(), note=args.note,
                         escalation=escalation)
        delivery = alert_stage(settings, store) if outcome.new_alert else None
    emit({"hit_id": outcome.hit_id, "decision": outcome.decision,
          "review_state": outcome.review_state, "alert": outcome.new_alert,
          "alerts_sent": delivery.sent if delivery else 0,
          "delivery_errors": delivery.errors if delivery else [],
          "escalated_to": outcome.escalated_to})
    return exits.for_errors(delivery.errors if delivery else [])


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        rows = precision_report(store)
    print_rows(rows, args.json, ["model", "band", "reviewed", "hers", "rejected", "precision"])
    return 0
