"""Sending one composed e-mail through the configured SMTP server, for every part that mails.

Alerts (`jikimi.alerts.smtp`) and takedown notices (`jikimi.takedown.notices`) both go through
the server named in the `alerts` settings section, with the same TLS choices (implicit TLS,
STARTTLS, a private CA bundle) and login. They share this one function so that a TLS fix or a
new option reaches both. Failures come back as one line without the recipient's address,
because the line is stored (with an alert, in an audit event) and printed in logs.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from kernel.settings import AlertSettings

SMTP_ERRORS = (smtplib.SMTPException, OSError, ValueError)


def send_mail(settings: AlertSettings, mail: EmailMessage) -> None:
    """Connect (TLS as configured), log in when a user is set, send `mail`, disconnect.

    Raises one of `SMTP_ERRORS`; `describe_smtp_error` turns it into a loggable line."""
    with connect(settings) as client:
        if settings.smtp_starttls and not settings.smtp_ssl:
            client.starttls(context=tls_context(settings))
            client.ehlo()
        if settings.smtp_user:
            password = settings.smtp_password
            client.login(settings.smtp_user,
                         password.get_secret_value() if password is not None else "")
        client.send_message(mail)


def connect(settings: AlertSettings) -> smtplib.SMTP:
    host, port, timeout = settings.smtp_host or "", settings.smtp_port, settings.smtp_timeout
    if settings.smtp_ssl:
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context(settings))
    return smtplib.SMTP(host, port, timeout=timeout)


def tls_context(settings: AlertSettings) -> ssl.SSLContext:
    ca_file = settings.smtp_ca_file
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def describe_smtp_error(exc: BaseException, recipient: str) -> str:
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
