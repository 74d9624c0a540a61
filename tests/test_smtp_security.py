"""SMTP requires TLS (issue 13, finding 4): an audit's local server captured `AUTH PLAIN` with
the password because the default was plaintext. These tests run real aiosmtpd servers on
127.0.0.1 and assert on what the server itself received."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr, ValidationError

from jikimi.alerts.message import render_message
from jikimi.alerts.smtp import SmtpNotifier
from kernel.errors import ConfigError, DeliveryError
from kernel.settings import AlertSettings, Settings, load_settings
from tests.alerts_servers import SmtpCollector, free_port, running
from tests.test_alerts_smtp import ALERT, PERSON, received, self_signed


class AuthRecorder:
    """aiosmtpd authenticator that keeps every login it is offered, and accepts one password."""

    def __init__(self) -> None:
        self.logins: list[tuple[bytes, bytes]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):  # noqa: ANN001
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret-pw", handled=False)


def login_settings(port: int, **changes: object) -> AlertSettings:
    return AlertSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_timeout=5,
                         smtp_user="ngo", smtp_password=SecretStr("s3cret-pw"), **changes)


def test_default_settings_never_log_in_over_plaintext() -> None:
    """A server that offers AUTH but no STARTTLS: the default refuses before any AUTH."""
    handler, auth, port = SmtpCollector(), AuthRecorder(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=auth,
                            auth_require_tls=False)
    message = render_message(ALERT, PERSON, Settings())
    with running(controller), pytest.raises(DeliveryError, match="not offer STARTTLS") as info:
        SmtpNotifier(login_settings(port)).send(PERSON, message)
    assert "s3cret-pw" not in str(info.value)
    assert auth.logins == [] and handler.envelopes == []


def test_starttls_is_negotiated_before_the_login(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    handler, auth, port = SmtpCollector(), AuthRecorder(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=server_tls,
                            require_starttls=True, authenticator=auth, auth_require_tls=True)
    with running(controller):
        SmtpNotifier(login_settings(port, smtp_ca_file=cert)).send(
            PERSON, render_message(ALERT, PERSON, Settings()))
    assert auth.logins == [(b"ngo", b"s3cret-pw")]
    assert received(handler)["X-Jikimi-Alert-Id"] == ALERT.alert_id


@pytest.mark.parametrize("host", ["mail.example.org", "10.0.0.5", "localhost.example.org"])
def test_insecure_off_loopback_is_a_config_error(host: str) -> None:
    with pytest.raises(ConfigError, match="only allowed for a loopback SMTP server"):
        load_settings(alerts={"smtp_host": host, "smtp_security": "insecure"})
    unchecked = AlertSettings().model_copy(update={"smtp_host": host,
                                                  "smtp_security": "insecure"})
    with pytest.raises(ConfigError, match="loopback"):
        SmtpNotifier(unchecked)


def test_insecure_never_carries_a_login() -> None:
    with pytest.raises(ValidationError, match="credentials are only ever sent over TLS"):
        login_settings(25, smtp_security="insecure")


def test_insecure_is_accepted_for_a_loopback_test_server() -> None:
    for host in ("127.0.0.1", "::1", "[::1]", "localhost"):
        assert AlertSettings(smtp_host=host, smtp_security="insecure").smtp_host == host


def test_deprecated_booleans_migrate_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert AlertSettings(smtp_ssl=True).smtp_security == "tls"
        assert AlertSettings(smtp_starttls=True).smtp_security == "starttls"
        # the old plaintext default, spelled out, no longer means plaintext
        assert AlertSettings(smtp_starttls=False, smtp_ssl=False).smtp_security == "starttls"
    assert caplog.text.count("deprecated") == 3
