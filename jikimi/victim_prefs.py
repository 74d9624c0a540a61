"""Her notification preferences as she reads and changes them: checked, stored, audited.

The channels she sees are the ones enrollment recorded for her person, shown masked (enough to
recognise her own address, not enough to read it over her shoulder); she can switch them off
and on, never type a new address, so a stolen password cannot redirect her alerts. Delivery
reads the same record (`jikimi.alerts.preferences_of`).
"""

from __future__ import annotations

from dataclasses import asdict, replace
from urllib.parse import urlsplit

from jikimi.cases import audit
from kernel.cases import Case
from kernel.ports import Store
from kernel.preferences import NotificationPreferences, check_preferences
from kernel.records import utcnow


def current(store: Store, case: Case) -> NotificationPreferences:
    """The stored record, or the defaults delivery would use for her."""
    return store.get_preferences(case.case_id) or NotificationPreferences(case.case_id)


def her_channels(store: Store, case: Case) -> dict[str, str]:
    """Channel → masked address, for the channels enrollment recorded (none before it)."""
    person = store.get_person(case.person_id) if case.person_id else None
    if person is None:
        return {}
    channels = {}
    if person.email:
        channels["email"] = mask_email(person.email)
    if person.webhook:
        channels["webhook"] = urlsplit(person.webhook).hostname or "webhook"
    return channels


def save(store: Store, case: Case, prefs: NotificationPreferences,
         actor: str) -> NotificationPreferences:
    """Check and store her choices; ConfigError (nothing stored) when they cannot work."""
    chosen = replace(prefs, case_id=case.case_id, updated_at=utcnow())
    check_preferences(chosen)
    store.save_preferences(chosen)
    detail = {k: v for k, v in asdict(chosen).items() if k not in ("case_id", "updated_at")}
    audit(store, "case.preferences", actor, case.case_id, **detail)
    return chosen


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"
