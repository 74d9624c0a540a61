"""Erasure on request: a person, their templates, hits, alerts and alert copies in the outbox,
and the takedown items built from her hits only (an item other people's hits share loses hers).

Media and faces of strangers stay (they are not derived from the person); everything that links
them to the person goes. Her case stays for the audit without what could identify her (the store
erases its note and marks it withdrawn), and that change is audited on the case with the actor;
her notification preferences go too.
The result lists what was removed so the operator can confirm it.
"""

from __future__ import annotations

import json
from pathlib import Path

from kernel.ports import Store
from kernel.records import AuditEvent
from kernel.settings import Settings


def forget_person(store: Store, settings: Settings, person_id: str,
                  actor: str = "system") -> dict[str, int]:
    alert_ids = {a.alert_id for a in store.alerts(person_id=person_id)}
    case = store.case_of_person(person_id)
    # her takedown items first: a crash in between leaves her enrolled, and a rerun finds both
    takedown_items = store.forget_takedown_hits(h.hit_id for h in store.hits(person_id))
    counts = store.delete_person(person_id)
    counts["takedown_items"] = takedown_items
    counts["outbox_files"] = _erase_outbox(settings.outbox_dir, person_id, alert_ids)
    if case is not None:
        counts["preferences"] = int(store.delete_preferences(case.case_id))
        store.record_audit(AuditEvent(
            action="case.erase_person", actor=actor, subject=case.case_id,
            detail={"person_id": person_id, "removed": counts}))
    return counts


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
