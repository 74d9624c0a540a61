"""Follow-up of sent takedowns, as one run and as one table.

`follow_up` is what the scheduler (the housekeeping DAG's `recheck` task, `jikimi housekeeping`)
and `jikimi takedown recheck` run: re-check every followed URL first (`recheck`), then escalate
what still got no answer (`escalation`) — in that order, so a URL found gone is marked removed
before it could be escalated. `status_rows` is where each URL stands, for `jikimi takedown
status`: the dates of every mark, whom the last notice went to, the escalation step, the last
re-check, and whether the line came from review or from a re-upload's family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawlers.refetch import fetch
from jikimi.takedown.escalation import NextNotice, escalate
from jikimi.takedown.recheck import Fetcher, RecheckReport, recheck
from kernel.ports import Store
from kernel.records import AuditEvent, utcnow
from kernel.settings import Settings
from kernel.takedown import TAKEDOWN_STATUSES, TakedownItem

STATUS_FIELDS = ["batch_id", "item_id", "host", "media_url", "page_url", "status", "sent_to",
                 "escalation", "sent_at", "acknowledged_at", "removed_at", "refused_at",
                 "checked_at", "check_result", "origin", "family_of", "note"]


@dataclass
class FollowUp:
    recheck: RecheckReport
    escalations: list[NextNotice] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts only (what a scheduler passes on): the re-check's counts, how many items were
        escalated and how many sit at the last step with nowhere further to go."""
        counts = {k: v for k, v in vars(self.recheck).items() if k != "errors"}
        moved = sum(len(n.item_ids) for n in self.escalations if n.step)
        stuck = sum(len(n.item_ids) for n in self.escalations if not n.step)
        return counts | {"errors": len(self.recheck.errors), "escalated": moved,
                         "no_further_step": stuck, "notices_due": sum(
                             1 for n in self.escalations if n.step)}


def follow_up(store: Store, settings: Settings, actor: str, *, now: datetime | None = None,
              fetcher: Fetcher = fetch) -> FollowUp:
    """Re-check, then escalate (see the module docstring)."""
    at = now or utcnow()
    report = recheck(store, settings, actor, now=at, fetcher=fetcher)
    return FollowUp(report, escalate(store, settings, actor, at))


def status_rows(store: Store, actor: str, *, batch: str = "", host: str = ""
                ) -> list[dict[str, Any]]:
    """One row per URL (`STATUS_FIELDS`), of one batch or of all; narrowed to one host.
    Audited as a read."""
    items = store.takedown_items(batch) if batch else store.takedown_items_in(TAKEDOWN_STATUSES)
    wanted = host.strip().lower()
    rows = [_row(i) for i in items if not wanted or i.host == wanted]
    store.record_audit(AuditEvent(action="takedown.status", actor=actor,
                                  subject=batch or "batches",
                                  detail={"host": wanted, "shown": len(rows)}))
    return rows


def _row(item: TakedownItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in STATUS_FIELDS}
