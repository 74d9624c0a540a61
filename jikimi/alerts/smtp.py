"""E-mail notifier: the alert text as a plain UTF-8 e-mail, through any SMTP server.

Plain text only (no HTML, no attachment, so no imagery can ever ride along). The `Message-ID` is
derived from the alert id, so a re-send after a crash (delivery is at-least-once) carries the same
id and mail clients and archives can recognise the duplicate. Error messages never include the
recipient address: they are stored with the alert and printed in logs.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from kernel.errors import DeliveryError
from kernel.ports import AlertMessage
from kernel.records import Person
from kernel.settings import AlertSettings


class SmtpNotifier:
    """Sends to `person.email` via `settings.smtp_host` (optional STARTTLS or TLS, login)."""

    channel = "email"

    def __init__(self, settings: AlertSettings) -> None:
        if not settings.smtp_host:
            raise DeliveryError("email: alerts.smtp_host is not set")
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
            with self._connect() as client:
                if self.settings.smtp_starttls and not self.settings.smtp_ssl:
                    client.starttls(context=self._tls_context())
                    client.ehlo()
                if self.settings.smtp_user:
                    password = self.settings.smtp_password
                    client.login(
                        self.settings.smtp_user,
                        password.get_secret_value() if password is not None else "",
                    )
                client.send_message(mail)
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            raise DeliveryError(
                f"email: alert {alert_id} via {self.settings.smtp_host}: "
                f"{_describe(exc, recipient)}"
            ) from None

    def _connect(self) -> smtplib.SMTP:
        host, port = self.settings.smtp_host or "", self.settings.smtp_port
        timeout = self.settings.smtp_timeout
        if self.settings.smtp_ssl:
            return smtplib.SMTP_SSL(host, port, timeout=timeout, context=self._tls_context())
        return smtplib.SMTP(host, port, timeout=timeout)

    def _tls_context(self) -> ssl.SSLContext:
        ca_file = self.settings.smtp_ca_file
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def message_id_for(alert_id: str, sender: str) -> str:
    """A stable RFC 5322 Message-ID for an alert: `<jikimi-alert.<id>@<sender's domain>>`."""
    domain = sender.rpartition("@")[2].strip(" <>") or "jikimi.invalid"
    return f"<jikimi-alert.{alert_id}@{domain}>"


def _describe(exc: BaseException, recipient: str) -> str:
    """One line, without the recipient's address."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        text = f"recipient refused ({', '.join(str(c) for c in codes)})"
    elif isinstance(exc, smtplib.SMTPResponseException):
        raw = exc.smtp_error
        reason = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        text = f"{type(exc).__name__} {exc.smtp_code} {reason}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    if recipient:
        text = text.replace(recipient, "<recipient>")
    return " ".join(text.split())[:300]
