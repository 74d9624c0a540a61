"""Sending one composed e-mail through the configured SMTP server, for every part that mails.

Alerts (`jikimi.alerts.smtp`) and takedown notices (`jikimi.takedown.notices`) both go through
the server named in the `alerts` settings section, with the same TLS choices and login. They
share this one function so that a TLS fix or a new option reaches both. Failures come back as
one line without the recipient's address, because the line is stored (with an alert, in an
audit event) and printed in logs.

TLS is required (`alerts.smtp_security`): an audit found the old default logging in over
plaintext, so a listener on the path captured `AUTH PLAIN` with the password. "starttls" (the
default) fails when the server does not offer STARTTLS instead of carrying on in the clear;
"tls" is implicit TLS; "insecure" (plaintext) is refused unless the server is on loopback (a
test server), checked again on the connected socket, and never carries a login.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from email.message import EmailMessage

from kernel.errors import ConfigError
from kernel.settings import AlertSettings
from kernel.settings_pipeline import smtp_security_problem

SMTP_ERRORS = (smtplib.SMTPException, OSError, ValueError)


class SmtpSecurityRefused(smtplib.SMTPException):
    """The connection could not be secured as `alerts.smtp_security` demands; nothing was sent."""


def check_smtp_security(settings: AlertSettings) -> None:
    """ConfigError when the settings would send plaintext off this machine or a login in clear
    (settings loaded from the environment are checked on load; copies made in code are not)."""
    problem = smtp_security_problem(settings)
    if problem:
        raise ConfigError(problem)


def send_mail(settings: AlertSettings, mail: EmailMessage) -> None:
    """Connect (TLS as configured), log in when a user is set, send `mail`, disconnect.

    Raises ConfigError for unsafe settings, otherwise one of `SMTP_ERRORS`;
    `describe_smtp_error` turns it into a loggable line."""
    check_smtp_security(settings)
    with connect(settings) as client:
        secure(client, settings)
        if settings.smtp_user:
            password = settings.smtp_password
            client.login(settings.smtp_user,
                         password.get_secret_value() if password is not None else "")
        client.send_message(mail)


def secure(client: smtplib.SMTP, settings: AlertSettings) -> None:
    """Negotiate STARTTLS (refusing a server that does not offer it), or, for "insecure",
    check that the connected peer really is a loopback address."""
    if settings.smtp_security == "starttls":
        client.ehlo()
        if not client.has_extn("starttls"):
            raise SmtpSecurityRefused(
                "the server does not offer STARTTLS; nothing was sent (alerts.smtp_security="
                "starttls; use tls for port 465)")
        client.starttls(context=tls_context(settings))
        client.ehlo()
    elif settings.smtp_security == "insecure":
        sock = client.sock
        peer = sock.getpeername()[0] if sock is not None else ""
        if not ipaddress.ip_address(peer.split("%")[0] or "0.0.0.0").is_loopback:
            raise SmtpSecurityRefused(
                f"alerts.smtp_security=insecure but the server is at {peer}, not loopback; "
                "nothing was sent")


def connect(settings: AlertSettings) -> smtplib.SMTP:
    host, port, timeout = settings.smtp_host or "", settings.smtp_port, settings.smtp_timeout
    if settings.smtp_security == "tls":
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
