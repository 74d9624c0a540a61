"""Escalation: a URL whose notice got no answer goes to the next recipient.

Hosts that ignore abuse mail are common; the answer to silence is the next step of
`kernel.takedown.ESCALATION`: the hosting network (or the CDN in front of it), then the domain's
registrar, then the regulator. An item still `sent` (no acknowledgement, removal or refusal)
`takedown.no_reply_days` after its notice moves one step on: the step is recorded on the item,
its status stays sent, and `sent_to` is cleared until the next notice goes out
(`jikimi.takedown.batches.record_sent` records it, with a new `sent_at`). So an item is escalated
once per notice: at a later step it is due again only after a notice at that step was recorded.
The letters themselves are `jikimi.takedown.notices`' work: this module only says what must go
to whom next. At the last step there is nowhere further to go: such items are reported as
"no further step" and left as they are. Every escalation is audited (`takedown.escalate`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from kernel.ports import Store
from kernel.records import AuditEvent, utcnow
from kernel.settings import Settings
from kernel.takedown import ESCALATION, EscalationStep, TakedownItem

NO_FURTHER_STEP = "no further step"


@dataclass
class Due:
    """An item whose notice went unanswered, and the step it moves to (None: none left)."""

    item: TakedownItem
    next_step: EscalationStep | None


@dataclass
class NextNotice:
    """What must be sent next for one host of one batch: the step, the items, and the usable
    addresses known for that step (empty: none found; the team has to find one)."""

    batch_id: str
    host: str
    step: EscalationStep | None  # None: the items are at the last step already
    item_ids: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    note: str = ""


def steps(settings: Settings) -> tuple[EscalationStep, ...]:
    """The escalation order of this deployment: without a regulator, the registrar is last."""
    if settings.takedown.regulator_name.strip():
        return ESCALATION
    return tuple(s for s in ESCALATION if s != "regulator")


def due_escalations(store: Store, settings: Settings, now: datetime | None = None
                    ) -> list[Due]:
    """Sent items with no answer for `no_reply_days`, each with its next step."""
    at = now or utcnow()
    wait = timedelta(days=settings.takedown.no_reply_days)
    order = steps(settings)
    due = []
    for item in store.takedown_items_in(["sent"]):
        if item.sent_at is None or at - item.sent_at < wait:
            continue
        if item.escalation != order[0] and item.sent_to is None:
            continue  # escalated already: waiting for the notice at this step to go out
        position = order.index(item.escalation) if item.escalation in order else len(order)
        due.append(Due(item, order[position + 1] if position + 1 < len(order) else None))
    return due


def escalate(store: Store, settings: Settings, actor: str, now: datetime | None = None
             ) -> list[NextNotice]:
    """Move every due item to its next step and return, per batch, host and step, what must
    be sent to whom next; items with no further step are listed with `step=None`."""
    grouped: dict[tuple[str, str, EscalationStep | None], NextNotice] = {}
    for one in due_escalations(store, settings, now):
        item, step = one.item, one.next_step
        if step is not None:
            store.change_takedown_item(item.item_id, _moved_to(step))
        store.record_audit(AuditEvent(
            action="takedown.escalate", actor=actor, subject=item.item_id,
            detail={"batch": item.batch_id, "host": item.host, "from": item.escalation,
                    "to": step or NO_FURTHER_STEP,
                    "sent_at": item.sent_at.isoformat() if item.sent_at else None}))
        key = (item.batch_id, item.host, step)
        if key not in grouped:
            grouped[key] = NextNotice(item.batch_id, item.host, step,
                                      to=_addresses(store, settings, item, step),
                                      note="" if step else NO_FURTHER_STEP)
        grouped[key].item_ids.append(item.item_id)
    return list(grouped.values())


def _moved_to(step: EscalationStep) -> Callable[[TakedownItem], TakedownItem]:
    return lambda item: replace(item, escalation=step, sent_to=None)


def _addresses(store: Store, settings: Settings, item: TakedownItem,
               step: EscalationStep | None) -> list[str]:
    if step is None:
        return []
    batch = store.get_takedown_batch(item.batch_id)
    found = batch.recipients.get(item.host) if batch else None
    emails = [c.email for c in found.for_step(step) if c.email] if found else []
    if step == "regulator" and not emails and settings.takedown.regulator_email:
        emails = [settings.takedown.regulator_email]
    return list(dict.fromkeys(emails))
