"""Contacts are checked when they are given, not when the first alert fails to reach her.

An e-mail address with no SMTP server configured used to be accepted and then never used:
alerts piled up in the outbox and nobody noticed. Now such a contact is a clear error at
enrollment. The one deliberate exception is an operator who says, with `email_outbox_only`, that
the organisation will forward alerts from the outbox by hand (a small NGO without a mail
server): the address is kept for that, and the outbox must be on. A webhook needs no shared
secret any more: enrollment issues it its own (jikimi/webhook_secrets.py).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from kernel.errors import ConfigError, EnrollmentRefused
from kernel.settings import AlertSettings

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def check_contacts(email: str | None, webhook: str | None, alerts: AlertSettings, *,
                   email_outbox_only: bool = False) -> None:
    """Refuse contacts that could never receive an alert, before anything is stored."""
    if email is not None:
        if not _EMAIL.fullmatch(email):
            raise EnrollmentRefused(f"not an e-mail address: {email!r}")
        if not alerts.smtp_host:
            _check_outbox_only(email_outbox_only, alerts)
    if webhook is not None:
        parts = urlsplit(webhook)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise EnrollmentRefused(f"webhook must be an http(s) URL, got {webhook!r}")
        # no shared secret needed: enrollment issues the webhook its own (webhook_secrets.py)


def _check_outbox_only(email_outbox_only: bool, alerts: AlertSettings) -> None:
    if not email_outbox_only:
        raise ConfigError(
            "an e-mail address was given but no SMTP server is set up (alerts.smtp_host, "
            "JIKIMI_ALERTS__SMTP_HOST), so no e-mail would be sent; set one up, or pass "
            "--email-outbox-only if operators will forward alerts from the outbox by hand")
    if not alerts.outbox:
        raise ConfigError(
            "--email-outbox-only needs the outbox (alerts.outbox), which is off: alerts for "
            "this address would go nowhere")
