"""Fixtures for script-built pages (`render: browser`): the gallery, the tripwire, the skip rule.

The gallery page is empty HTML whose script fetches a JSON list of picture URLs and inserts the
`<img>` tags: a static crawl sees no picture, a rendered one sees them all. The tripwire is a
second local server on 127.0.0.2, an address the address guard refuses: any request it logs is a
request the guard let through. Tests skip where Debian's chromium is missing, unless
`JIKIMI_REQUIRE_CHROMIUM=1` (CI) makes that a failure.
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kernel.settings import CrawlSettings
from tests.crawl_site import Route, page

CHROMIUM = Path(CrawlSettings().chromium_path)
TRIPWIRE_HOST = "127.0.0.2"

GALLERY_SCRIPT = """
<div id="gallery"></div>
<script>
fetch("/api/pictures.json").then(r => r.json()).then(urls => {
  for (const url of urls) {
    const img = document.createElement("img");
    img.src = url;
    document.getElementById("gallery").appendChild(img);
  }
});
</script>
"""


def need_chromium() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = "the playwright package (pip install -e .)"
    else:
        missing = "" if CHROMIUM.exists() else f"{CHROMIUM} (apt-get install chromium)"
    if not missing:
        return
    if os.environ.get("JIKIMI_REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"{missing} is required here (JIKIMI_REQUIRE_CHROMIUM=1)")
    pytest.skip(f"no {missing}: render: browser cannot be tested")


def gallery_routes(pictures: dict[str, bytes], page_path: str = "/gallery.html",
                   extra_script: str = "") -> dict[str, Route]:
    """A page whose `<img>` tags only a script inserts, the JSON it reads, and the pictures."""
    routes = {
        page_path: page(GALLERY_SCRIPT + extra_script),
        "/api/pictures.json": Route(json.dumps(list(pictures)).encode(), "application/json"),
    }
    routes.update({path: Route(data, "image/jpeg") for path, data in pictures.items()})
    return routes


class Tripwire:
    """An HTTP (and would-be websocket) server on 127.0.0.2 that logs every request path."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, lower-cased headers)
        self._lock = threading.Lock()
        wire = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with wire._lock:
                    wire.requests.append((self.path, headers))
                body = b"internal"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer((TRIPWIRE_HOST, 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Tripwire:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def seen(self) -> list[str]:
        with self._lock:
            return [path for path, _ in self.requests]


def prying_script(fetches: list[str], frame: str, socket: str) -> str:
    """A script that asks the browser for internal addresses every way a page can: fetch() each
    of `fetches` (and `/bounce`, which the fixture site redirects inward), an iframe, a
    websocket."""
    calls = "".join(f'fetch({json.dumps(url)}, {{mode: "no-cors"}}).catch(() => null);\n'
                    for url in [*fetches, "/bounce"])
    return f"""
<script>
{calls}
const frame = document.createElement("iframe");
frame.src = {json.dumps(frame)};
document.body.appendChild(frame);
try {{ new WebSocket({json.dumps(socket)}); }} catch (error) {{ }}
</script>
"""
