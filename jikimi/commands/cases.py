"""`jikimi case …` and `jikimi consent show`: cases with verified identity and recorded consent.

The OS user running the command is the actor in the audit log (the CLI has no accounts yet);
`--verified-by` names the operator who checked her identity, who may be someone else. Output
never shows a name, contacts or a case note unless `case show --reveal` asks, and that read is
audited as revealing.
"""

from __future__ import annotations

import argparse
from contextlib import closing
from typing import Any

from jikimi import registry
from jikimi.cases import end_case, list_cases, open_case, os_operator, show_case
from jikimi.commands.console import command_group, emit
from jikimi.consent import CURRENT_VERSION, LANGUAGES, consent_text
from kernel.cases import CASE_STATUSES, CONSENT_CHANNELS, VERIFICATION_METHODS
from kernel.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = command_group(sub, "case", "open, show and end cases (audited)",
                        "cases: verified identity and recorded consent (audited)")

    p = add("open", cmd_open, "open a case after verifying who she is; prints the case id")
    p.add_argument("--verified-by", required=True, metavar="NAME",
                   help="the operator who checked her identity")
    p.add_argument("--method", required=True, choices=VERIFICATION_METHODS)
    p.add_argument("--consent-version", required=True, metavar="V",
                   help=f"the consent text she accepted (current: {CURRENT_VERSION})")
    p.add_argument("--consent-channel", required=True, choices=CONSENT_CHANNELS)
    p.add_argument("--note", help="operators' note (e.g. a partner's case number); encrypted, "
                                  "erased with her data; never an ID number")
    p.add_argument("--json", action="store_true")

    p = add("show", cmd_show, "show a case (no name, contacts or note unless --reveal)")
    p.add_argument("case_id")
    p.add_argument("--reveal", action="store_true",
                   help="also show her name, contacts and the note (recorded in the audit log)")
    p.add_argument("--json", action="store_true")

    p = add("list", cmd_list, "list cases, oldest first (no names)")
    p.add_argument("--status", choices=CASE_STATUSES)
    p.add_argument("--json", action="store_true")

    for name, status, text in [
        ("withdraw", "withdrawn", "she withdrew her consent: erase her data, end the case"),
        ("close", "closed", "the organisation ends the case: erase her data"),
    ]:
        p = add(name, cmd_end, text)
        p.add_argument("case_id")
        p.set_defaults(status=status)

    consent = sub.add_parser("consent", help="the consent text people accept before enrolling",
                             description="the consent text people accept before enrolling")
    actions = consent.add_subparsers(dest="consent_command", required=True, metavar="ACTION")
    p = actions.add_parser("show", help="print the consent text",
                           description="print the consent text (Markdown)")
    p.set_defaults(handler=cmd_consent_show)
    p.add_argument("--lang", choices=LANGUAGES, default="ko")
    p.add_argument("--version", dest="consent_version", default=CURRENT_VERSION)


def cmd_open(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        case = open_case(store, os_operator(), verified_by=args.verified_by,
                         method=args.method, consent_version=args.consent_version,
                         consent_channel=args.consent_channel, note=args.note)
    if args.json:
        emit({"case_id": case.case_id, "status": case.status,
              "verified_by": case.verification.verified_by, "method": case.verification.method,
              "consent_version": case.consent.version, "consent_channel": case.consent.channel})
    else:
        print(case.case_id)
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        view = show_case(store, args.case_id, os_operator(), reveal=args.reveal)
    if args.json:
        emit(view)
    else:
        for key, value in _flat(view):
            print(f"{key}: {'' if value is None else value}")
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        views = list_cases(store, os_operator(), args.status)
    if args.json:
        emit(views)
    elif not views:
        print("(none)")
    for view in [] if args.json else views:
        print("  ".join(str(view[k] or "") for k in ("created_at", "case_id", "status", "ref")))
    return 0


def cmd_end(args: argparse.Namespace, settings: Settings) -> int:
    with closing(registry.open_store(settings)) as store:
        emit(end_case(store, settings, args.case_id, args.status, os_operator()))
    return 0


def cmd_consent_show(args: argparse.Namespace, settings: Settings) -> int:
    print(consent_text(args.consent_version, args.lang), end="")
    return 0


def _flat(view: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in view.items():
        if isinstance(value, dict):
            rows.extend(_flat(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", value))
    return rows
