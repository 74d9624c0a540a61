"""Cases as operators use them: open one after verifying who she is, read it, end it — audited.

Every read of a case and every change goes through this module and is written to the audit log
(`AuditEvent`, subject = the case id) with the actor, so it can be shown later who opened,
looked at or ended whose case. Reads show no name, contacts or note unless `reveal` asks for
them, and a revealing read is recorded as such. Ending a case (she withdrew, or the
organisation closed it) erases the enrolled person with everything derived from her: the consent
covers matching only while the case is open.
"""

from __future__ import annotations

import getpass
import os
import uuid
from dataclasses import replace
from typing import Any, Literal

from jikimi.consent import require_version
from jikimi.erasure import forget_person
from kernel.cases import Case, Consent, Verification, check_case_fields
from kernel.errors import CaseError, NotFound
from kernel.ports import Store
from kernel.records import AuditEvent, utcnow
from kernel.settings import Settings


def os_operator() -> str:
    """The OS user running the CLI: the operator of record until the CLI has accounts."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        return f"uid-{os.getuid()}"


def audit(store: Store, action: str, actor: str, subject: str, /, **detail: Any) -> None:
    """Record one audit event; `subject` is a case id (or a person id without a case)."""
    store.record_audit(AuditEvent(action=action, actor=actor, subject=subject, detail=detail))


def new_case(*, verified_by: str, method: str, consent_version: str, consent_channel: str,
             note: str | None = None) -> Case:
    """A checked, not yet stored case (consent version shipped, method and channel known)."""
    require_version(consent_version)
    case = Case(case_id=uuid.uuid4().hex,
                verification=Verification(method, verified_by.strip()),
                consent=Consent(consent_version, consent_channel),
                note=note.strip() if note and note.strip() else None)
    check_case_fields(case.verification, case.consent)
    return case


def open_case(store: Store, actor: str, **fields: Any) -> Case:
    """Store a new case (fields as `new_case` takes them) and audit its opening."""
    case = new_case(**fields)
    store.add_case(case)
    audit(store, "case.open", actor, case.case_id, **opened_detail(case))
    return case


def opened_detail(case: Case) -> dict[str, Any]:
    return {"method": case.verification.method, "verified_by": case.verification.verified_by,
            "consent_version": case.consent.version, "consent_channel": case.consent.channel}


def case_for_enrollment(store: Store, case_id: str) -> Case:
    """The case to enroll into: it must exist, be open and have nobody enrolled yet."""
    case = store.get_case(case_id)
    if case is None:
        raise NotFound(f"no case with id {case_id}")
    if case.status != "open":
        raise CaseError(f"case {case_id} is {case.status}; open a new case")
    if case.person_id is not None:
        raise CaseError(
            f"case {case_id} already has an enrolled person ({case.person_id}); to change her "
            "photos, withdraw the case and open a new one")
    return case


def show_case(store: Store, case_id: str, actor: str, *, reveal: bool = False) -> dict[str, Any]:
    """The case as operators may see it; name, contacts and note only with `reveal`."""
    case = store.get_case(case_id)
    if case is None:
        raise NotFound(f"no case with id {case_id}")
    audit(store, "case.read", actor, case_id, revealed=reveal)
    return case_view(store, case, reveal=reveal)


def list_cases(store: Store, actor: str, status: str | None = None) -> list[dict[str, Any]]:
    """Every case (or those in `status`), without names; each listed case's read is audited."""
    cases = store.list_cases(status)
    for case in cases:
        audit(store, "case.read", actor, case.case_id, revealed=False, listed=True)
    return [case_view(store, case, reveal=False) for case in cases]


def case_view(store: Store, case: Case, *, reveal: bool) -> dict[str, Any]:
    person = store.get_person(case.person_id) if case.person_id else None
    view: dict[str, Any] = {
        "case_id": case.case_id, "status": case.status, "person_id": case.person_id,
        "ref": person.ref if person else None, "enrolled": person is not None,
        "verification": {"method": case.verification.method,
                         "verified_by": case.verification.verified_by,
                         "verified_at": case.verification.verified_at.isoformat()},
        "consent": {"version": case.consent.version, "channel": case.consent.channel,
                    "accepted_at": case.consent.accepted_at.isoformat()},
        "created_at": case.created_at.isoformat(),
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "has_note": case.note is not None,
        "contacts": {"email": bool(person and person.email),
                     "webhook": bool(person and person.webhook)},
    }
    if reveal:
        view["note"] = case.note
        view["name"] = person.name if person else None
        view["contacts"] = {"email": person.email if person else None,
                            "webhook": person.webhook if person else None}
    return view


def end_case(store: Store, settings: Settings, case_id: str,
             status: Literal["withdrawn", "closed"], actor: str) -> dict[str, Any]:
    """Withdraw or close an open case: erase the enrolled person, then record the new status."""
    if status not in ("withdrawn", "closed"):
        raise ValueError(f"a case ends as withdrawn or closed, not {status!r}")
    case = store.get_case(case_id)
    if case is None:
        raise NotFound(f"no case with id {case_id}")
    if case.status != "open":
        raise CaseError(f"case {case_id} is already {case.status}")
    removed: dict[str, int] = {}
    if case.person_id and store.get_person(case.person_id) is not None:
        removed = forget_person(store, settings, case.person_id, actor)
    ended = store.get_case(case_id) or case  # erasure scrubbed the note
    store.update_case(replace(ended, status=status, note=None,
                              closed_at=ended.closed_at or utcnow()))
    # no person id: erasure has just redacted it from the log
    audit(store, f"case.{'withdraw' if status == 'withdrawn' else 'close'}", actor, case_id,
          removed=removed)
    return {"case_id": case_id, "status": status, "removed": removed}
