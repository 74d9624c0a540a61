"""`jikimi enroll`: photos of a consenting person into her case, with a verdict per photo.

`--case CASE_ID` enrolls into a case an operator opened after verifying who she is (`jikimi case
open`). Without it, scripts run by an operator on the server keep working: a case is opened
with the OS user as the verifying operator (method "cli-operator", the current consent version,
channel "cli"), and the JSON says so under `case` and `notice`. With `--webhook`, the JSON holds
the webhook's own signing secret, once (`webhook_secret`). A refused enrollment prints the
same JSON (with every photo's verdict) before the one-line error and exit status 2.
"""

from __future__ import annotations

import argparse
from contextlib import closing
from pathlib import Path
from typing import Any

from jikimi import registry
from jikimi.cases import os_operator
from jikimi.commands.console import emit
from jikimi.enrollment import EnrollmentDeclined, EnrollResult, enroll
from jikimi.flow import alert_stage
from jikimi.webhook_secrets import SHOWN_ONCE
from kernel.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    text = "enroll a consenting person from 1 to 5 photos of their face"
    p = sub.add_parser("enroll", help=text, description=text)
    p.set_defaults(handler=cmd_enroll)
    p.add_argument("--name", required=True, help="stored encrypted; never printed")
    p.add_argument("--case", dest="case_id", metavar="CASE_ID",
                   help="enroll into this open case (jikimi case open); without it a case is "
                        "opened with you, the OS user, as the verifying operator")
    p.add_argument("--email", help="needs alerts.smtp_host, or --email-outbox-only")
    p.add_argument("--email-outbox-only", action="store_true",
                   help="no SMTP server: keep the address, operators forward alerts from the "
                        "outbox by hand")
    p.add_argument("--webhook", help="its own signing secret is printed once, for the receiver")
    p.add_argument("--allow-duplicate", action="store_true",
                   help="enroll although the face looks like someone already enrolled, after "
                        "checking they are different people (audited)")
    p.add_argument("photos", nargs="+", type=Path, metavar="PHOTO")


def cmd_enroll(args: argparse.Namespace, settings: Settings) -> int:
    engine = registry.open_face_engine(settings)
    actor = os_operator()
    with closing(registry.open_store(settings)) as store:
        try:
            result = enroll(store, engine, settings, name=args.name, photos=args.photos,
                            face_search=registry.open_face_search(settings, store),
                            email=args.email, webhook=args.webhook, case_id=args.case_id,
                            actor=actor, email_outbox_only=args.email_outbox_only,
                            allow_duplicate=args.allow_duplicate)
        except EnrollmentDeclined as declined:
            emit({"enrolled": False, "refused": declined.code,
                  "message": {"en": declined.en, "ko": declined.ko},
                  "photos": [v.as_dict() for v in declined.photos],
                  "duplicates": [d.as_dict() for d in declined.duplicates]})
            raise
        delivery = alert_stage(settings, store)
    emit({"enrolled": True, "person_id": result.person_id, "ref": result.ref,
          "templates": result.templates, "model": result.model_id,
          "retroactive_hits": result.retroactive.hits, "alerts": result.retroactive.new_alerts,
          "alerts_sent": delivery.sent, "for_review": result.retroactive.to_review,
          **_case_output(result, actor),
          "photos": [v.as_dict() for v in result.photos],
          "duplicates_allowed": [d.as_dict() for d in result.duplicates_allowed],
          **({"webhook_secret": result.webhook_secret, "webhook_secret_notice": SHOWN_ONCE}
             if result.webhook_secret else {})})
    return 0


def _case_output(result: EnrollResult, actor: str) -> dict[str, Any]:
    case = result.case
    out: dict[str, Any] = {"case_id": case.case_id, "case": {
        "implicit": result.implicit_case, "verified_by": case.verification.verified_by,
        "method": case.verification.method, "consent_version": case.consent.version,
        "consent_channel": case.consent.channel}}
    if result.implicit_case:
        out["notice"] = (
            f"no --case given: opened case {case.case_id} with you (OS user {actor!r}) as the "
            f"verifying operator (method cli-operator), consent {case.consent.version} "
            "accepted through the cli; you vouch for her identity and consent")
    return out
