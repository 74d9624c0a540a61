"""E-mail notifier: the alert text as a plain UTF-8 e-mail, through any SMTP server.

Plain text only (no HTML, no attachment, so no imagery can ever ride along). The `Message-ID` is
derived from the alert id, so a re-send after a crash (delivery is at-least-once) carries the same
id and mail clients and archives can recognise the duplicate. Error messages never include the
recipient address: they are stored with the alert and printed in logs.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

from jikimi.mail import SMTP_ERRORS, check_smtp_security, describe_smtp_error, send_mail
from kernel.errors import DeliveryError
from kernel.ports import AlertMessage
from kernel.records import Person
from kernel.settings import AlertSettings


class SmtpNotifier:
    """Sends to `person.email` via `settings.smtp_host` over TLS (`smtp_security`), with login."""

    channel = "email"

    def __init__(self, settings: AlertSettings) -> None:
        if not settings.smtp_host:
            raise DeliveryError("email: alerts.smtp_host is not set")
        check_smtp_security(settings)
        self.settings = settings

    def wants(self, person: Person) -> bool:
        return bool(person.email)

    def build(self, person: Person, message: AlertMessage) -> EmailMessage:
        """The e-mail for one alert (exposed so that tests and previews can inspect it)."""
        if not person.email:
            raise DeliveryError(f"email: alert {message.alert_id} has no recipient address")
        return self.compose(person.email, message)

    def compose(self, recipient: str, message: AlertMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.settings.smtp_from
        mail["To"] = recipient
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = message_id_for(message.alert_id, self.settings.smtp_from)
        mail["X-Jikimi-Alert-Id"] = message.alert_id
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content(message.text, subtype="plain", charset="utf-8")
        return mail

    def send(self, person: Person, message: AlertMessage) -> None:
        self.deliver(self.build(person, message), message.alert_id, person.email or "")

    def deliver(self, mail: EmailMessage, alert_id: str, recipient: str) -> None:
        """Send one composed e-mail; DeliveryError (without the address) when it fails."""
        try:
            send_mail(self.settings, mail)
        except SMTP_ERRORS as exc:
            raise DeliveryError(
                f"email: alert {alert_id} via {self.settings.smtp_host}: "
                f"{describe_smtp_error(exc, recipient)}"
            ) from None


def message_id_for(alert_id: str, sender: str) -> str:
    """A stable RFC 5322 Message-ID for an alert: `<jikimi-alert.<id>@<sender's domain>>`."""
    domain = sender.rpartition("@")[2].strip(" <>") or "jikimi.invalid"
    return f"<jikimi-alert.{alert_id}@{domain}>"
