"""Escalation by e-mail: an operator's "suspected minor" notice goes to `review.escalation_email`.

It travels through the same SMTP settings as alerts (`alerts.smtp_*`). The notice is written by
`jikimi.review`; this adapter only sends it.
"""

from __future__ import annotations

from jikimi.alerts.smtp import SmtpNotifier
from kernel.errors import ConfigError
from kernel.ports import AlertMessage
from kernel.settings import AlertSettings


class EmailEscalation:
    def __init__(self, alerts: AlertSettings, contact: str | None) -> None:
        if not contact:
            raise ConfigError("escalation needs review.escalation_email (who receives notices "
                              "about suspected minors)")
        if not alerts.smtp_host:
            raise ConfigError("escalation needs alerts.smtp_host: its notice goes by e-mail")
        self.contact = contact
        self._smtp = SmtpNotifier(alerts)

    def escalate(self, message: AlertMessage) -> None:
        self._smtp.deliver(self._smtp.compose(self.contact, message), message.alert_id,
                           self.contact)
