"""Real local receivers for alert tests: an SMTP server (aiosmtpd) and a webhook HTTP server.

Both listen on 127.0.0.1 only and keep what they receive, so tests assert on what actually went
over the wire rather than on calls to a mock.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from jikimi.alerts.webhook import verify_signature

WEBHOOK_SECRET = "receiver-shared-secret"


def free_port() -> int:
    """A port that nothing listens on right now (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpCollector:
    """aiosmtpd handler keeping every accepted message; refuses recipients starting with 'bad'."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, N802
        if address.startswith("bad"):
            return f"550 mailbox {address} unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        self.envelopes.append(envelope)
        return "250 Message accepted"


@contextmanager
def running(controller: Controller) -> Iterator[Controller]:
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@contextmanager
def smtp_server() -> Iterator[tuple[SmtpCollector, int]]:
    handler, port = SmtpCollector(), free_port()
    with running(Controller(handler, hostname="127.0.0.1", port=port)):
        yield handler, port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool


@dataclass
class WebhookReceiver:
    """Verifies each request's signature; answers 204, 401 (bad signature), 500 on /fail...,
    307 on /redirect..., and 503 while `fail_next` > 0."""

    base_url: str = ""
    fail_next: int = 0
    secret: str = WEBHOOK_SECRET  # the one this receiver was given
    requests: list[Received] = field(default_factory=list)


def _handler_for(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server API)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            verified = verify_signature(
                receiver.secret.encode(), self.headers.get("X-Jikimi-Timestamp", ""), body,
                self.headers.get("X-Jikimi-Signature", ""),
            )
            receiver.requests.append(Received(self.path, dict(self.headers), body, verified))
            if self.path.startswith("/redirect"):
                self.send_response(307)
                self.send_header("Location", "/hook")
            elif self.path.startswith("/fail"):
                self.send_response(500)
            elif receiver.fail_next > 0:
                receiver.fail_next -= 1
                self.send_response(503)
            else:
                self.send_response(204 if verified else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def webhook_server(secret: str = WEBHOOK_SECRET) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(secret=secret)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(receiver))
    receiver.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
