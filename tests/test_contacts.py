"""Contacts are checked when given: an address no channel could ever reach is an error then."""

from __future__ import annotations

import ipaddress

import pytest
from pydantic import SecretStr

from jikimi.contacts import check_contacts
from kernel.errors import ConfigError, EnrollmentRefused, FetchRefused
from kernel.settings import AlertSettings

NO_CHANNELS = AlertSettings()
SMTP = AlertSettings(smtp_host="mail.example.org")
SIGNED = AlertSettings(webhook_secret=SecretStr("s3cret"))
SIGNED_LOCAL = AlertSettings(webhook_secret=SecretStr("s3cret"), webhook_allow_private=True)
# A fixture resolver (no test reaches real DNS): every name is the public documentation host,
# except the names a hostile receiver would register.
ANSWERS = {"internal.example.org": "10.0.0.7", "rebind.example.org": "2002:a9fe:a9fe::1"}


def public_dns(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    return [ipaddress.ip_address(ANSWERS.get(host, "93.184.215.14"))]


def test_no_contact_needs_no_channel() -> None:
    check_contacts(None, None, NO_CHANNELS)


def test_an_address_without_an_smtp_server_is_an_error() -> None:
    with pytest.raises(ConfigError, match="no SMTP server") as refused:
        check_contacts("ana@example.org", None, NO_CHANNELS)
    assert "--email-outbox-only" in str(refused.value)
    check_contacts("ana@example.org", None, SMTP)


def test_outbox_only_email_is_an_explicit_choice_and_needs_the_outbox() -> None:
    check_contacts("ana@example.org", None, NO_CHANNELS, email_outbox_only=True)
    with pytest.raises(ConfigError, match="outbox"):
        check_contacts("ana@example.org", None, AlertSettings(outbox=False),
                       email_outbox_only=True)


def test_a_webhook_without_a_signing_secret_is_an_error() -> None:
    with pytest.raises(ConfigError, match="webhook_secret"):
        check_contacts(None, "https://hooks.example.org/x", NO_CHANNELS)
    with pytest.raises(ConfigError, match="webhook_secret"):
        check_contacts(None, "https://hooks.example.org/x",
                       AlertSettings(webhook_secret=SecretStr("")))
    check_contacts(None, "https://hooks.example.org/x", SIGNED, resolver=public_dns)


def test_malformed_contacts_are_refused_before_the_channels_are_asked() -> None:
    with pytest.raises(EnrollmentRefused, match="not-an-address"):
        check_contacts("not-an-address", None, NO_CHANNELS)
    with pytest.raises(EnrollmentRefused, match="ftp://x.example/"):
        check_contacts(None, "ftp://x.example/", NO_CHANNELS)


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://[::1]/hook", "https://169.254.169.254/latest",
    "https://internal.example.org/hook", "https://rebind.example.org/hook",
])
def test_a_webhook_on_a_non_public_address_is_refused_when_given(url: str) -> None:
    with pytest.raises(EnrollmentRefused, match="non-public address") as refused:
        check_contacts(None, url, SIGNED, resolver=public_dns)
    assert "/hook" not in str(refused.value) and "/latest" not in str(refused.value)  # host only
    assert "alerts.webhook_allow_private" in str(refused.value)


def test_a_webhook_must_use_https_unless_test_receivers_are_allowed() -> None:
    with pytest.raises(EnrollmentRefused, match="must use https"):
        check_contacts(None, "http://hooks.example.org/x", SIGNED, resolver=public_dns)
    check_contacts(None, "http://127.0.0.1:9/x", SIGNED_LOCAL, resolver=public_dns)


def test_a_webhook_host_that_does_not_resolve_is_refused() -> None:
    def no_answer(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        raise FetchRefused(f"cannot resolve host {host!r}: no such name")

    with pytest.raises(EnrollmentRefused, match="cannot resolve host 'gone.example.org'"):
        check_contacts(None, "https://gone.example.org/x", SIGNED, resolver=no_answer)
