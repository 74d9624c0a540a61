"""Enrollment: a consenting person's photos become templates in her case; the photos are then
discarded.

An enrollment belongs to a case (jikimi/cases.py): an operator verified who she is and recorded
the consent she accepted. `enroll(case_id=…)` enrolls into such a case; without one (scripts run
by an operator on the server) a case is opened implicitly with that operator (the OS user) as
the verifier, method "cli-operator", the current consent version and channel "cli", and the
result says so.

1 to 5 photos (file paths from the CLI, or `Photo`s: bytes in memory with a label, from the
portal, never written to disk); each gets its own verdict (jikimi/enroll_photos.py) and the
usable ones go on. Across them (jikimi/enroll_checks.py): all must show the same person, else
the enrollment is refused naming the photos that disagree; and none may look like someone
already enrolled, unless the operator checked and says so (`allow_duplicate`, audited on both
cases). Contacts must be deliverable (jikimi/contacts.py); a webhook gets its own signing secret
(jikimi/webhook_secrets.py), returned once in the result. Nothing is stored until all of this
passed; then the person, her templates and the case's link to her are stored, the enrollment is
audited, and the faces already collected seed her background and are searched (retroactive
matching).

Templates computed on her own device (jikimi/enroll_device.py: the photo never leaves her phone)
go through the same core, `enroll_templates`, with their own verdicts; the audit of the
enrollment says where the templates were computed (`templates_from`), and the case page shows it.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from jikimi.cases import audit, case_for_enrollment, new_case, opened_detail, os_operator
from jikimi.consent import CURRENT_VERSION
from jikimi.contacts import check_contacts
from jikimi.enroll_checks import Duplicate, disagreements, duplicates, mark_disagreeing
from jikimi.enroll_photos import (
    Photo,
    PhotoVerdict,
    check_photo_count,
    photo_template,
    photo_verdicts,
)
from jikimi.review import alert_bands
from jikimi.webhook_secrets import new_webhook_secret
from kernel.cases import Case
from kernel.errors import EnrollmentRefused
from kernel.ports import FaceEngine, FaceSearch, Store
from kernel.records import Person, Template
from kernel.settings import Settings
from search.matching import MatchReport, match_person

__all__ = ["EnrollResult", "EnrollmentDeclined", "Photo", "TemplatesFrom", "enroll",
           "enroll_templates", "enrolled_from", "photo_template"]

# Where an enrollment's templates were computed: from photos uploaded to the server, or on her
# own device, which sent only the templates (jikimi/enroll_device.py).
TemplatesFrom = Literal["server", "device"]


@dataclass
class EnrollResult:
    person_id: str
    ref: str
    templates: int
    model_id: str
    retroactive: MatchReport
    case: Case
    implicit_case: bool = False  # opened by this call: no case was given
    photos: list[PhotoVerdict] = field(default_factory=list)
    duplicates_allowed: list[Duplicate] = field(default_factory=list)
    webhook_secret: str | None = field(default=None, repr=False)  # shown once, then never
    templates_from: TemplatesFrom = "server"


class EnrollmentDeclined(EnrollmentRefused):
    """The enrollment as a whole is refused. `str()` is the operator's one line; `en`/`ko` the
    message for the person enrolling; `photos` every photo's verdict; `duplicates` the enrolled
    people her photos look like (operator-facing)."""

    def __init__(self, code: str, operator: str, en: str, ko: str, photos: list[PhotoVerdict],
                 found: Sequence[Duplicate] = ()) -> None:
        super().__init__(operator)
        self.code, self.en, self.ko = code, en, ko
        self.photos, self.duplicates = photos, list(found)


def enroll(
    store: Store,
    engine: FaceEngine,
    settings: Settings,
    *,
    face_search: FaceSearch | None = None,
    name: str,
    photos: Sequence[Path | Photo],
    email: str | None = None,
    webhook: str | None = None,
    case_id: str | None = None,
    actor: str | None = None,
    email_outbox_only: bool = False,
    allow_duplicate: bool = False,
) -> EnrollResult:
    """Enroll a person from photos (files, or `Photo`s already in memory) into a case (opened
    here when `case_id` is None)."""
    return enroll_templates(
        store, settings, model_id=engine.model_id, count=len(photos),
        verdicts=lambda person_id: photo_verdicts(photos, person_id, engine, settings),
        face_search=face_search, name=name, email=email, webhook=webhook, case_id=case_id,
        actor=actor, email_outbox_only=email_outbox_only, allow_duplicate=allow_duplicate)


def enroll_templates(
    store: Store,
    settings: Settings,
    *,
    model_id: str,
    count: int,
    verdicts: Callable[[str], list[PhotoVerdict]],
    face_search: FaceSearch | None = None,
    name: str,
    email: str | None = None,
    webhook: str | None = None,
    case_id: str | None = None,
    actor: str | None = None,
    email_outbox_only: bool = False,
    allow_duplicate: bool = False,
    templates_from: TemplatesFrom = "server",
) -> EnrollResult:
    """The enrollment both paths share: `verdicts(person_id)` gives one verdict per photo (made
    here from photos, or from templates her own device computed: `templates_from` "device"),
    called once the name, the count of `count` photos, the contacts and the case passed."""
    actor = actor or os_operator()
    if not name.strip():
        raise EnrollmentRefused("a name is required (it is stored encrypted)")
    check_photo_count(range(count))
    check_contacts(email, webhook, settings.alerts, email_outbox_only=email_outbox_only)
    case = case_for_enrollment(store, case_id) if case_id else new_case(
        verified_by=actor, method="cli-operator", consent_version=CURRENT_VERSION,
        consent_channel="cli")
    person_id = uuid.uuid4().hex
    made = verdicts(person_id)
    threshold = settings.faces.threshold_for(model_id)
    try:
        templates, allowed = _checked(store, made, threshold, allow_duplicate)
    except EnrollmentDeclined as declined:
        _audit_declined(store, actor, case if case_id else None, declined, templates_from)
        raise
    person = Person(person_id=person_id, name=name.strip(), ref=f"P-{secrets.token_hex(5)}",
                    email=email, webhook=webhook,
                    webhook_secret=new_webhook_secret() if webhook else None)
    store.add_person(person, templates)
    case = replace(case, person_id=person_id)
    if case_id:
        store.update_case(case)
    else:
        store.add_case(case)
        audit(store, "case.open", actor, case.case_id, implicit=True, **opened_detail(case))
    audit(store, "case.enroll", actor, case.case_id, person_id=person_id,
          model=model_id, templates=len(templates), photos=[v.code for v in made],
          templates_from=templates_from,
          duplicates_allowed=[{"person_id": d.person_id, "case_id": d.case_id,
                               "similarity": round(d.similarity, 4)} for d in allowed],
          email=email is not None, webhook=webhook is not None,
          email_outbox_only=email_outbox_only and not settings.alerts.smtp_host)
    for duplicate in allowed:
        audit(store, "enroll.duplicate_allowed", actor, duplicate.case_id or duplicate.person_id,
              new_case_id=case.case_id, new_person_id=person_id,
              similarity=round(duplicate.similarity, 4))
    retro = match_person(store, templates, settings.faces, settings.matching, face_search,
                         alert_bands=alert_bands(settings.review))
    return EnrollResult(person_id, person.ref, len(templates), model_id, retro, case,
                        case_id is None, made, allowed, person.webhook_secret, templates_from)


def enrolled_from(store: Store, case_id: str) -> TemplatesFrom | None:
    """Where the enrolled templates of a case were computed ("device": on her own device,
    only the templates were sent; "server": from photos uploaded here), from its audit log;
    None before enrollment. Enrollments recorded before this was audited were all "server"."""
    enrolled = [e for e in store.audit_events(case_id) if e.action == "case.enroll"]
    if not enrolled:
        return None
    return "device" if enrolled[-1].detail.get("templates_from") == "device" else "server"


def _checked(store: Store, verdicts: list[PhotoVerdict], threshold: float,
             allow_duplicate: bool) -> tuple[list[Template], list[Duplicate]]:
    """The usable photos' templates, once they show one person who is not enrolled yet (or the
    operator allowed it); EnrollmentDeclined otherwise."""
    if not any(v.ok for v in verdicts):
        en = "no usable photo: " + "; ".join(v.en for v in verdicts)
        ko = "사용할 수 있는 사진이 없습니다: " + "; ".join(v.ko for v in verdicts)
        raise EnrollmentDeclined("no_usable_photo", en, en, ko, verdicts)
    pairs = disagreements(verdicts, threshold)
    if pairs:
        mark_disagreeing(verdicts, pairs, threshold)
        names = "; ".join(f"{p.first} and {p.second} (similarity {p.similarity:.2f})"
                          for p in pairs)
        en = (f"the photos do not all show the same person: {names}, below {threshold:.2f}; "
              "enroll photos of one person only")
        ko = (f"사진이 모두 같은 사람으로 보이지 않습니다: {names}. 한 사람의 사진만 "
              "등록해 주세요")
        raise EnrollmentDeclined("photos_disagree", en, en, ko, verdicts)
    templates = [v.template for v in verdicts if v.template is not None]
    labels = {v.template.template_id: v.photo for v in verdicts if v.template is not None}
    found = duplicates(store, templates, threshold, labels)
    if found and not allow_duplicate:
        first = found[0]
        operator = (
            f"likely already enrolled: {first.photo} looks like {first.ref or first.person_id} "
            f"(case {first.case_id or 'none'}, similarity {first.similarity:.2f})"
            + (f" and {len(found) - 1} more" if len(found) > 1 else "")
            + "; if she is the same person, use her case; if you checked that they are "
            "different people, enroll again with --allow-duplicate")
        raise EnrollmentDeclined(
            "already_enrolled", operator,
            "this face may already be enrolled; an operator will check before enrolling it",
            "이미 등록된 얼굴일 수 있습니다. 담당자가 확인한 뒤에 등록합니다", verdicts, found)
    return templates, found


def _audit_declined(store: Store, actor: str, case: Case | None,
                    declined: EnrollmentDeclined, source: TemplatesFrom) -> None:
    """A refused enrollment into a stored case is audited on it; a likely duplicate is audited
    on the case of the person it looks like (an attempt to enroll her face again)."""
    if case is not None:
        audit(store, "case.enroll_refused", actor, case.case_id, code=declined.code,
              photos=[v.code for v in declined.photos],
              duplicates=[d.person_id for d in declined.duplicates], templates_from=source)
    for duplicate in declined.duplicates:
        audit(store, "enroll.duplicate_refused", actor, duplicate.case_id or duplicate.person_id,
              case_id=case.case_id if case else None, similarity=round(duplicate.similarity, 4))
