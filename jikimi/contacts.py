"""Contacts are checked when they are given, not when the first alert fails to reach her.

An e-mail address with no SMTP server configured, or a webhook with no signing secret, used to
be accepted and then never used: alerts piled up in the outbox and nobody noticed. Now such a
contact is a clear error at enrollment. The one deliberate exception is an operator who says,
with `email_outbox_only`, that the organisation will forward alerts from the outbox by hand
(a small NGO without a mail server): the address is kept for that, and the outbox must be on.
A webhook is also an address jikimi will POST to, so it gets the address guard here (https, a
public address) as well as at each send; `alerts.webhook_allow_private` is its own switch, never
implied by the crawler's `--allow-private`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawlers.netguard import Resolve, check_url, resolve
from kernel.errors import ConfigError, EnrollmentRefused, FetchRefused
from kernel.settings import AlertSettings

WEBHOOK_SETTING = "alerts.webhook_allow_private"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def check_contacts(email: str | None, webhook: str | None, alerts: AlertSettings, *,
                   email_outbox_only: bool = False, resolver: Resolve = resolve) -> None:
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
        if alerts.webhook_secret is None or not alerts.webhook_secret.get_secret_value():
            raise ConfigError(
                "a webhook was given but alerts.webhook_secret (JIKIMI_ALERTS__WEBHOOK_SECRET) "
                "is not set: its alerts could not be signed and would never be sent; set the "
                "secret first")
        check_webhook_target(webhook, alerts, resolver=resolver)


def check_webhook_target(webhook: str, alerts: AlertSettings, *,
                         resolver: Resolve = resolve) -> None:
    """The webhook's own address guard, when it is given: https (plain http only with
    `alerts.webhook_allow_private`), a host, and every address it resolves to public. The sender
    checks again at each delivery (the answer can change). Messages name the host only."""
    host = urlsplit(webhook).hostname or "?"
    if urlsplit(webhook).scheme != "https" and not alerts.webhook_allow_private:
        raise EnrollmentRefused(
            f"webhook to {host} must use https (signed alerts name the person's case); plain "
            "http is only for test receivers with alerts.webhook_allow_private")
    try:
        check_url(webhook, allow_private=alerts.webhook_allow_private,
                  setting=WEBHOOK_SETTING, resolver=resolver)
    except FetchRefused as exc:
        raise EnrollmentRefused(
            f"webhook to {host} refused: {str(exc).replace(webhook, '<url>')}") from None


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
