"""Erasure on request: a person, their templates, hits, alerts and alert copies in the outbox,
the takedown items built from her hits only (an item other people's hits share loses hers), her
preserved evidence, and every mention of her ids in the audit log.

Media and faces of strangers stay (they are not derived from the person); everything that links
them to the person goes. Her case stays for the audit without what could identify her (the store
erases its note and marks it withdrawn), and that change is audited on the case with the actor;
her notification preferences go too.

Evidence preserved for her hits is deleted, or, where Object Lock keeps the bytes until their
retention ends, crypto-shredded: its wrapped data key is deleted, so the sealed bytes can never
be read again (`search.evidence.sealed`). Evidence under a legal hold is kept and reported. Then
her person, hit and alert ids are replaced by a placeholder in every audit event, and one
`person.erased` event keeps the fact and the counts under a keyed hash of her id (whoever holds
the key can answer "was this id erased?"; a copy of the log alone cannot).
Order matters for crash safety: evidence and audit first, while her hits still name them, so a
rerun after a crash finds everything again. The result lists what was removed.
"""

from __future__ import annotations

import json
from pathlib import Path

from jikimi import registry
from kernel.ports import Store
from kernel.records import AuditEvent
from kernel.settings import Settings


def erased_subject(settings: Settings, person_id: str) -> str:
    """The audit subject that stands for an erased person: a keyed hash of her id."""
    return "erased:" + registry.open_cipher(settings).blind_index("person " + person_id)[:32]


def forget_person(store: Store, settings: Settings, person_id: str,
                  actor: str = "system") -> dict[str, int]:
    hit_ids = {h.hit_id for h in store.hits(person_id)}
    alert_ids = {a.alert_id for a in store.alerts(person_id=person_id)}
    case = store.case_of_person(person_id)
    evidence = _erase_evidence(store, settings, hit_ids)
    redacted = store.redact_audit({person_id, *hit_ids, *alert_ids})
    # her takedown items first: a crash in between leaves her enrolled, and a rerun finds both
    takedown_items = store.forget_takedown_hits(sorted(hit_ids))
    counts = store.delete_person(person_id)
    counts["takedown_items"] = takedown_items
    counts["outbox_files"] = _erase_outbox(settings.outbox_dir, person_id, alert_ids)
    counts.update({f"evidence_{outcome}": n for outcome, n in evidence.items()})
    counts["audit_events_redacted"] = redacted
    if case is not None:
        counts["preferences"] = int(store.delete_preferences(case.case_id))
        store.record_audit(AuditEvent(
            action="case.erase_person", actor=actor, subject=case.case_id,
            detail={"removed": counts}))
    store.record_audit(AuditEvent(action="person.erased", actor=actor,
                                  subject=erased_subject(settings, person_id),
                                  detail={"removed": counts}))
    return counts


def _erase_evidence(store: Store, settings: Settings, hit_ids: set[str]) -> dict[str, int]:
    """Delete or shred the evidence written for `hit_ids` and nobody else's hits."""
    hers: set[str] = set()
    others: set[str] = set()
    for event in store.audit_events():
        if event.action != "evidence.write" or not event.detail.get("hit_id"):
            continue
        (hers if event.detail["hit_id"] in hit_ids else others).add(event.subject)
    outcomes = {"deleted": 0, "shredded": 0, "held": 0}
    if not hers:
        return outcomes
    locker = registry.open_evidence(settings)
    for key in sorted(hers - others):
        outcome = locker.shred(key)
        if outcome != "absent":
            outcomes[outcome] += 1
        if outcome == "held":
            store.record_audit(AuditEvent(
                action="evidence.erase_blocked", actor="erasure", subject=key,
                detail={"reason": "legal hold", "locker": locker.uri}))
    return outcomes


def _erase_outbox(outbox: Path, person_id: str, alert_ids: set[str]) -> int:
    removed = 0
    if not outbox.is_dir():
        return 0
    for path in outbox.iterdir():
        if path.stem in alert_ids or _names_person(path, person_id):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _names_person(path: Path, person_id: str) -> bool:
    if path.suffix != ".json":
        return False
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("person_id") == person_id
    except (OSError, ValueError, AttributeError):
        return False
