"""A generated fixture website for crawler tests, served from a thread on 127.0.0.1.

Routes are plain data (path -> status, body, type, headers); the server logs every request
(path, headers, status) so tests assert what the crawler actually fetched. It answers
conditional requests (ETag / If-None-Match -> 304) like a real server. Images are generated solid
colours and patterns — no faces, nothing from the web.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

from kernel.settings import Settings, load_settings


def image_bytes(seed: int, fmt: str = "JPEG", size: tuple[int, int] = (48, 32)) -> bytes:
    """A distinct small image per seed: a solid colour with a seed-dependent stripe."""
    colour = ((seed * 67) % 256, (seed * 151) % 256, (seed * 29 + 80) % 256)
    image = Image.new("RGB", size, colour)
    for x in range(seed % size[0], size[0], 7):
        for y in range(size[1]):
            image.putpixel((x, y), (255 - colour[0], 255 - colour[1], 255 - colour[2]))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


MP4_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
WEBM_BYTES = b"\x1aE\xdf\xa3\x9fB\x86\x81\x01" + b"\x00" * 64


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (timeouts)


def page(body: str, head: str = "") -> Route:
    return Route(f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode())


def redirect(location: str, status: int = 302) -> Route:
    return Route(b"", "text/plain", status, {"Location": location})


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) overflows under a crawler's concurrency: the kernel drops
    # the SYN and the client retries a second later, which would make every test slow.
    request_queue_size = 128
    daemon_threads = True


@dataclass
class LoggedRequest:
    path: str
    headers: dict[str, str]
    status: int


class FixtureSite:
    """Serve `routes` (and optional dynamic routes) on 127.0.0.1 (or another loopback `host`,
    e.g. 127.0.0.2 for a second host name: a CDN) at a random port."""

    def __init__(
        self, routes: dict[str, Route] | None = None,
        dynamic: Callable[[str], Route | None] | None = None, host: str = "127.0.0.1",
        gate: Callable[[str, dict[str, str]], Route | None] | None = None,
    ) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.dynamic = dynamic
        self.gate = gate  # (path, lower-cased headers) -> an answer instead (a login wall)
        self.log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self.host = host
        self._server = _Server((host, 0), self._handler_class())
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> FixtureSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def paths(self) -> list[str]:
        with self._lock:
            return [entry.path for entry in self.log]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    def _respond(self, path: str, headers: dict[str, str]) -> Route:
        refused = self.gate(path, headers) if self.gate else None
        if refused is not None:
            return refused
        route = self.routes.get(path) or (self.dynamic(path) if self.dynamic else None)
        if route is None:
            return Route(b"not found", "text/plain", 404)
        if route.status == 200 and route.body:
            etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            if headers.get("if-none-match") == etag:
                return Route(b"", route.content_type, 304, {"ETag": etag})
            headers_out = {"ETag": etag} | route.headers
            return Route(route.body, route.content_type, 200, headers_out, route.delay)
        return route

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                headers = {k.lower(): v for k, v in self.headers.items()}
                route = site._respond(self.path, headers)
                with site._lock:
                    site.log.append(LoggedRequest(self.path, headers, route.status))
                if route.delay:
                    time.sleep(route.delay)
                try:
                    self.send_response(route.status)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Content-Length", str(len(route.body)))
                    for name, value in route.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler gave up (timeout, size cap): expected in these tests

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        return Handler


def crawl_settings(data_dir: str, *, allow_private: bool = True, **crawl: object) -> Settings:
    """Settings for a test crawl: own data dir, loopback allowed unless a test says otherwise."""
    settings = load_settings(data_dir=data_dir)
    settings.crawl = settings.crawl.model_copy(update={"allow_private": allow_private} | crawl)
    return settings
