"""E-mail delivery through a real SMTP server (aiosmtpd on 127.0.0.1): plain, TLS, login."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from jikimi.alerts.message import render_message
from jikimi.alerts.smtp import SmtpNotifier, message_id_for
from kernel.errors import DeliveryError
from kernel.ports import Notifier
from kernel.records import Alert, Person
from kernel.settings import AlertSettings, Settings
from tests.alerts_servers import SmtpCollector, free_port, running, smtp_server

PERSON = Person(person_id="p-1", name="Test Person", ref="case-1", email="victim@example.org")
ALERT = Alert(
    person_id="p-1", media_id="12" * 32, similarity=0.61, model_id="yunet-2023mar+sface-2021dec",
    media_url="https://cdn.example.net/a.jpg", page_url="https://board.example.com/t/1",
)


@pytest.fixture
def plain_server() -> Iterator[tuple[SmtpCollector, int]]:
    with smtp_server() as server:
        yield server


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return cert_path, key_path


def received(handler: SmtpCollector) -> email.message.EmailMessage:
    [envelope] = handler.envelopes
    parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def test_sends_utf8_plain_text_with_stable_message_id(
    plain_server: tuple[SmtpCollector, int],
) -> None:
    handler, port = plain_server
    notifier = SmtpNotifier(AlertSettings(
        smtp_host="127.0.0.1", smtp_port=port, smtp_security="insecure",
        smtp_from="alerts@ngo.example", smtp_timeout=5))
    assert isinstance(notifier, Notifier) and notifier.channel == "email"
    assert notifier.wants(PERSON)
    assert not notifier.wants(Person(person_id="p-2", name="x", ref="r"))
    message = render_message(ALERT, PERSON, Settings())
    notifier.send(PERSON, message)

    envelope = handler.envelopes[0]
    assert envelope.rcpt_tos == ["victim@example.org"]
    assert envelope.mail_from == "alerts@ngo.example"
    mail = received(handler)
    assert mail["To"] == "victim@example.org"
    assert mail["Subject"] == message.subject
    assert mail["Message-ID"] == f"<jikimi-alert.{ALERT.alert_id}@ngo.example>"
    assert mail["Message-ID"] == message_id_for(ALERT.alert_id, "alerts@ngo.example")
    assert mail.get_content_type() == "text/plain" and not mail.is_multipart()
    assert mail.get_content_charset() == "utf-8"
    body = mail.get_content()
    assert "[한국어]" in body and "디지털성범죄피해자지원센터" in body and "[English]" in body
    assert body.strip() == message.text.strip()


def test_resend_carries_the_same_message_id(plain_server: tuple[SmtpCollector, int]) -> None:
    handler, port = plain_server
    notifier = SmtpNotifier(AlertSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_timeout=5,
                                          smtp_security="insecure"))
    message = render_message(ALERT, PERSON, Settings())
    notifier.send(PERSON, message)
    notifier.send(PERSON, message)
    ids = {email.message_from_bytes(e.content)["Message-ID"] for e in handler.envelopes}
    assert len(handler.envelopes) == 2 and len(ids) == 1


def test_refused_recipient_error_does_not_leak_the_address(
    plain_server: tuple[SmtpCollector, int],
) -> None:
    _, port = plain_server
    notifier = SmtpNotifier(AlertSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_timeout=5,
                                          smtp_security="insecure"))
    person = Person(person_id="p-3", name="x", ref="r", email="bad-address@example.org")
    with pytest.raises(DeliveryError, match="recipient refused \\(550\\)") as info:
        notifier.send(person, render_message(ALERT, person, Settings()))
    assert "bad-address" not in str(info.value) and "\n" not in str(info.value)


def test_refused_connection_raises_delivery_error() -> None:
    notifier = SmtpNotifier(AlertSettings(smtp_host="127.0.0.1", smtp_port=free_port(),
                                          smtp_timeout=2, smtp_security="insecure"))
    with pytest.raises(DeliveryError, match="email: alert .* via 127.0.0.1: ConnectionRefused"):
        notifier.send(PERSON, render_message(ALERT, PERSON, Settings()))


def test_no_smtp_host_is_a_delivery_error() -> None:
    with pytest.raises(DeliveryError, match="smtp_host"):
        SmtpNotifier(AlertSettings())


def test_starttls_and_login(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ANN001
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret-pw", handled=False)

    handler, port = SmtpCollector(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=server_tls,
                            require_starttls=True, authenticator=authenticator,
                            auth_require_tls=True)
    with running(controller):
        base = AlertSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_timeout=5,
                             smtp_ca_file=cert, smtp_user="ngo")

        def notifier(password: str, **changes: object) -> SmtpNotifier:
            update = {"smtp_password": SecretStr(password), **changes}
            return SmtpNotifier(base.model_copy(update=update))

        message = render_message(ALERT, PERSON, Settings())
        notifier("s3cret-pw").send(PERSON, message)
        assert received(handler)["Message-ID"].startswith(f"<jikimi-alert.{ALERT.alert_id}@")

        with pytest.raises(DeliveryError, match="SMTPAuthenticationError 535"):
            notifier("wrong").send(PERSON, message)

        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED|certificate verify"):
            notifier("s3cret-pw", smtp_ca_file=None).send(PERSON, message)
    assert logins[0] == (b"ngo", b"s3cret-pw")
    assert len(handler.envelopes) == 1


def test_implicit_tls(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    handler, port = SmtpCollector(), free_port()
    with running(Controller(handler, hostname="127.0.0.1", port=port, ssl_context=server_tls)):
        settings = AlertSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_timeout=5,
                                 smtp_security="tls", smtp_ca_file=cert)
        SmtpNotifier(settings).send(PERSON, render_message(ALERT, PERSON, Settings()))
    assert "[English]" in received(handler).get_content()
