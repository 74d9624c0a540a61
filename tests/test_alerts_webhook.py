"""Webhook delivery to a real local HTTP server that checks signatures as a receiver would."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

import jikimi.alerts.webhook as webhook_module
from jikimi.alerts.message import render_message
from jikimi.alerts.webhook import WebhookNotifier, sign, verify_signature
from kernel.errors import DeliveryError
from kernel.ports import AlertMessage, Notifier
from kernel.records import Alert, Person
from kernel.settings import AlertSettings, CrawlSettings, Settings
from tests.alerts_servers import WEBHOOK_SECRET, free_port, webhook_server
from tests.alerts_servers import WebhookReceiver as Receiver

SECRET = WEBHOOK_SECRET
ALERT = Alert(
    person_id="p-1", media_id="34" * 32, similarity=0.58, model_id="yunet-2023mar+sface-2021dec",
    media_url="https://cdn.example.net/a.jpg", page_url="https://board.example.com/t/1",
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_server() as server:
        yield server


def settings(*, allow_private: bool = True, secret: str | None = SECRET,
             crawl_allow_private: bool = False) -> Settings:
    """`allow_private` is the webhook's own switch; the crawler's is a separate one."""
    return Settings(
        crawl=CrawlSettings(allow_private=crawl_allow_private),
        alerts=AlertSettings(webhook_secret=SecretStr(secret) if secret else None,
                             webhook_timeout=5, webhook_allow_private=allow_private),
    )


def person_with(url: str) -> Person:
    return Person(person_id="p-1", name="Test Person", ref="case-1", webhook=url)


def message_for(person: Person) -> AlertMessage:
    return render_message(ALERT, person, Settings())


def test_posts_signed_json_that_the_receiver_verifies(receiver: Receiver) -> None:
    person = person_with(f"{receiver.base_url}/hook")
    notifier = WebhookNotifier(settings())
    assert isinstance(notifier, Notifier) and notifier.channel == "webhook"
    assert notifier.wants(person)
    assert not notifier.wants(Person(person_id="p-2", name="x", ref="r"))
    message = message_for(person)
    notifier.send(person, message)

    [request] = receiver.requests
    assert request.verified
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == ALERT.alert_id
    assert abs(int(request.headers["X-Jikimi-Timestamp"]) - time.time()) < 60
    assert request.headers["X-Jikimi-Signature"].startswith("sha256=")
    body = json.loads(request.body.decode("utf-8"))
    assert {k: body[k] for k in message.payload} == message.payload
    assert body["text"] == message.text and "[한국어]" in body["text"]
    assert "Test Person" not in request.body.decode("utf-8")


def test_verify_signature_rejects_tampering_wrong_secret_and_stale_timestamps() -> None:
    body, now = b'{"alert_id": "a1"}', 1_700_000_000.0
    timestamp = str(int(now))
    header = sign(SECRET.encode(), timestamp, body)
    assert verify_signature(SECRET.encode(), timestamp, body, header, now=now)
    assert verify_signature(SECRET.encode(), timestamp, body, header, now=now + 299)
    assert not verify_signature(SECRET.encode(), timestamp, body + b" ", header, now=now)
    assert not verify_signature(b"wrong secret", timestamp, body, header, now=now)
    assert not verify_signature(SECRET.encode(), timestamp, body, header, now=now + 301)
    assert not verify_signature(SECRET.encode(), timestamp, body, header, now=now - 301)
    assert not verify_signature(SECRET.encode(), str(int(now) + 1), body, header, now=now)
    assert not verify_signature(SECRET.encode(), "yesterday", body, header, now=now)
    assert not verify_signature(SECRET.encode(), timestamp, body, header.upper(), now=now)
    assert not verify_signature(SECRET.encode(), timestamp, body, "sha256=é", now=now)
    assert verify_signature(SECRET.encode(), timestamp, body, header, now=now + 3600,
                            max_age_s=7200)


def test_an_old_request_fails_at_the_receiver(receiver: Receiver) -> None:
    person = person_with(f"{receiver.base_url}/hook")
    stale = WebhookNotifier(settings(), clock=lambda: time.time() - 3600)
    with pytest.raises(DeliveryError, match="HTTP 401"):
        stale.send(person, message_for(person))
    assert [r.verified for r in receiver.requests] == [False]


def test_receiver_with_another_secret_refuses(receiver: Receiver) -> None:
    person = person_with(f"{receiver.base_url}/hook")
    with pytest.raises(DeliveryError, match="HTTP 401"):
        WebhookNotifier(settings(secret="not-the-shared-one")).send(person, message_for(person))


def test_server_error_is_a_delivery_error_without_the_url(receiver: Receiver) -> None:
    person = person_with(f"{receiver.base_url}/fail/token-abc123")
    with pytest.raises(DeliveryError, match="webhook: alert .* to 127.0.0.1: HTTP 500") as info:
        WebhookNotifier(settings()).send(person, message_for(person))
    assert "token-abc123" not in str(info.value)


def test_redirects_are_not_followed(receiver: Receiver) -> None:
    person = person_with(f"{receiver.base_url}/redirect")
    with pytest.raises(DeliveryError, match="HTTP 307"):
        WebhookNotifier(settings()).send(person, message_for(person))
    assert [r.path for r in receiver.requests] == ["/redirect"]


def test_loopback_refused_unless_private_addresses_are_allowed(receiver: Receiver) -> None:
    person = person_with(f"{receiver.base_url}/hook")
    with pytest.raises(DeliveryError, match="non-public address 127.0.0.1"):
        WebhookNotifier(settings(allow_private=False)).send(person, message_for(person))
    for url in ("file:///etc/passwd", "ftp://example.org/x", "http://169.254.169.254/latest"):
        with pytest.raises(DeliveryError):
            WebhookNotifier(settings(allow_private=False)).send(person_with(url),
                                                                message_for(person))
    assert receiver.requests == []


def test_the_crawlers_allow_private_does_not_lift_the_webhook_guard(receiver: Receiver) -> None:
    """Finding 1: `crawl.allow_private` (what `jikimi run --allow-private` sets) is for crawl
    targets only; a webhook on 127.0.0.1 is still refused, at send and at the peer check."""
    person = person_with(f"{receiver.base_url}/hook")
    crawl_only = settings(allow_private=False, crawl_allow_private=True)
    with pytest.raises(DeliveryError, match="non-public address 127.0.0.1.*webhook_allow_private"):
        WebhookNotifier(crawl_only).send(person, message_for(person))
    assert receiver.requests == []


def test_connected_address_is_checked_again(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: the name looked public when checked, then connected to loopback."""
    monkeypatch.setattr(webhook_module, "check_url", lambda url, **_guard: None)
    person = person_with(f"{receiver.base_url}/hook")
    with pytest.raises(DeliveryError, match="connected to non-public address 127.0.0.1"):
        WebhookNotifier(settings(allow_private=False)).send(person, message_for(person))
    assert receiver.requests == []


def test_missing_secret_and_refused_connection_are_delivery_errors() -> None:
    person = person_with(f"http://127.0.0.1:{free_port()}/hook")
    with pytest.raises(DeliveryError, match="webhook_secret is not set"):
        WebhookNotifier(settings(secret=None)).send(person, message_for(person))
    with pytest.raises(DeliveryError, match="Connection refused"):
        WebhookNotifier(settings()).send(person, message_for(person))
