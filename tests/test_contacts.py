"""Contacts are checked when given: an address no channel could ever reach is an error then."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from jikimi.contacts import check_contacts
from kernel.errors import ConfigError, EnrollmentRefused
from kernel.settings import AlertSettings

NO_CHANNELS = AlertSettings()
SMTP = AlertSettings(smtp_host="mail.example.org")
SIGNED = AlertSettings(webhook_secret=SecretStr("s3cret"))


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


def test_a_webhook_needs_no_shared_secret() -> None:
    """Enrollment issues each webhook its own signing secret (issue 13, finding 5)."""
    check_contacts(None, "https://hooks.example.org/x", NO_CHANNELS)
    check_contacts(None, "https://hooks.example.org/x", SIGNED)


def test_malformed_contacts_are_refused_before_the_channels_are_asked() -> None:
    with pytest.raises(EnrollmentRefused, match="not-an-address"):
        check_contacts("not-an-address", None, NO_CHANNELS)
    with pytest.raises(EnrollmentRefused, match="ftp://x.example/"):
        check_contacts(None, "ftp://x.example/", NO_CHANNELS)
