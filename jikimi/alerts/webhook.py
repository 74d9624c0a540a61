"""Webhook notifier: POST the alert as signed JSON to a URL the person (or their NGO) gave us.

Receivers must be able to trust that a request came from this jikimi instance and is not a replay,
so every request is signed Stripe-style: `X-Jikimi-Signature: sha256=<hex>` is the HMAC-SHA256 of
`"<X-Jikimi-Timestamp>.<raw body>"` under `alerts.webhook_secret`; receivers check it with
:func:`verify_signature`. `Idempotency-Key` is the alert id: delivery is at-least-once (a crash
between sending and recording means one re-send), so receivers should ignore a key they have seen.

The URL is user-supplied, so it gets the address guard: checked when given (`jikimi.contacts`)
and here again before connecting, under its own switch `alerts.webhook_allow_private` (the
crawler's `--allow-private` never lifts it): `check_url` before connecting,
and the connected socket's peer address checked again (a DNS answer that changes between the two,
"DNS rebinding", is caught). Redirects are not followed and proxies from the environment are not
used, so the request goes exactly where it was checked. Error messages name only the host: webhook
URLs often embed access tokens.

Body (UTF-8 JSON): the message payload (alert_id, person_ref, media_id, media_url, page_url, site,
similarity, model, created_at) plus `subject` and `text`, the same bilingual text as the e-mail.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from crawlers.guarded_http import guarded_opener
from crawlers.netguard import check_url
from jikimi.contacts import WEBHOOK_SETTING
from kernel.errors import DeliveryError, FetchRefused
from kernel.ports import AlertMessage
from kernel.records import Person
from kernel.settings import Settings

SIGNATURE_HEADER = "X-Jikimi-Signature"
TIMESTAMP_HEADER = "X-Jikimi-Timestamp"
_MAX_RESPONSE_BYTES = 64 * 1024


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The signature header value: `sha256=` + hex HMAC-SHA256 of `"<timestamp>.<body>"`."""
    digest = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(
    secret: bytes, timestamp: str, body: bytes, header: str, *, max_age_s: float = 300,
    now: float | None = None,
) -> bool:
    """Receiver side: True when `header` signs (`timestamp`, `body`) and the timestamp is fresh.

    Pass the raw request body (before any JSON parsing), the `X-Jikimi-Timestamp` header and the
    `X-Jikimi-Signature` header. A timestamp more than `max_age_s` seconds from `now` (default: the
    current time) in either direction is refused, which bounds replays; the comparison is constant
    time. Example (any web framework)::

        ok = verify_signature(SECRET, request.headers["X-Jikimi-Timestamp"], request.body,
                              request.headers["X-Jikimi-Signature"])
    """
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - sent_at) > max_age_s:
        return False
    expected = sign(secret, str(sent_at), body)
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("ascii", "replace"))


class WebhookNotifier:
    """POSTs signed JSON to `person.webhook`."""

    channel = "webhook"

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self._opener = guarded_opener(settings.alerts.webhook_allow_private)

    def wants(self, person: Person) -> bool:
        return bool(person.webhook)

    def request_for(self, url: str, message: AlertMessage) -> urllib.request.Request:
        """The signed request for one alert (exposed for tests and receiver documentation)."""
        secret = self.settings.alerts.webhook_secret
        if secret is None or not secret.get_secret_value():
            raise DeliveryError("webhook: alerts.webhook_secret is not set; refusing unsigned")
        body_doc: dict[str, Any] = {
            **message.payload, "subject": message.subject, "text": message.text,
        }
        body = json.dumps(body_doc, ensure_ascii=False, sort_keys=True).encode("utf-8")
        timestamp = str(int(self.clock()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "jikimi-webhook/0.1",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(secret.get_secret_value().encode(), timestamp, body),
            "Idempotency-Key": message.alert_id,
        }
        return urllib.request.Request(url, data=body, headers=headers, method="POST")

    def send(self, person: Person, message: AlertMessage) -> None:
        url = person.webhook or ""
        host = urlsplit(url).hostname or "?"
        where = f"webhook: alert {message.alert_id} to {host}"
        try:
            check_url(url, allow_private=self.settings.alerts.webhook_allow_private,
                      setting=WEBHOOK_SETTING)
            request = self.request_for(url, message)
            timeout = self.settings.alerts.webhook_timeout
            with self._opener.open(request, timeout=timeout) as response:
                response.read(_MAX_RESPONSE_BYTES)
                status = response.status
        except FetchRefused as exc:
            raise DeliveryError(f"{where}: {str(exc).replace(url, '<url>')}") from None
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"{where}: HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise DeliveryError(f"{where}: {exc.reason}") from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise DeliveryError(f"{where}: {type(exc).__name__}: {exc}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"{where}: HTTP {status}")
