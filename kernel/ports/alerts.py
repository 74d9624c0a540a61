"""The notifier port: one channel (outbox, e-mail, webhook) that tells a person about an alert."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from kernel.records import Person


@dataclass
class AlertMessage:
    """What a notifier sends: bilingual text, no imagery, plus a machine-readable payload."""

    alert_id: str
    subject: str
    text: str
    payload: dict[str, object]


@runtime_checkable
class Notifier(Protocol):
    channel: str

    def wants(self, person: Person) -> bool:
        """Whether this channel applies to the person (e.g. has an e-mail address)."""

    def send(self, person: Person, message: AlertMessage) -> None:
        """Deliver or raise `kernel.errors.DeliveryError`. Must be safe to repeat (idempotency
        key = alert id), since a crash between send and record causes one re-send."""


@runtime_checkable
class AlertCopies(Protocol):
    """A channel that keeps a copy of each alert it delivered (the outbox), so housekeeping can
    drop copies past their retention."""

    def discard(self, alert_id: str) -> bool:
        """Delete the kept copy of this alert; True if there was one. Unusable ids are no-ops."""


@runtime_checkable
class Escalation(Protocol):
    """Where an operator's "escalate" sends its notice (a suspected minor): a child-protection
    or legal contact. The notice names nobody and carries no imagery."""

    contact: str  # who receives it, as recorded in the audit log

    def escalate(self, message: AlertMessage) -> None:
        """Deliver or raise `kernel.errors.DeliveryError`."""
