"""Small HTTP proxies in front of a cluster, for what osmem-server cannot do itself.

`ForwardingProxy` forwards every request unchanged and records it (method and path; `bodies`
keeps the JSON bodies); a subclass answers some requests itself by overriding `answer`.
`ThrottlingProxy` throttles bulk writes like a loaded cluster does: bulk items it chooses to
reject get the per-item `429 es_rejected_execution_exception` answer a busy Elasticsearch gives,
and the rest of the bulk request is forwarded. By default each document is rejected the first
time it is seen; ids in `always_reject` are rejected every time.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_HOP_BY_HOP = {"connection", "transfer-encoding", "content-length", "keep-alive"}
Reply = tuple[int, dict[str, str], bytes]
ES_HEADERS = {"Content-Type": "application/json", "X-Elastic-Product": "Elasticsearch"}


class ForwardingProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.requests: list[str] = []
        self.bodies: list[tuple[str, Any]] = []  # (path, body) of application/json ones
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ForwardingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, method: str, path: str, body: bytes | None,
               headers: dict[str, str]) -> Reply:
        """The reply to one request: forwarded by default."""
        return self.forward(method, path, body, headers)

    def forward(self, method: str, path: str, body: bytes | None,
                headers: dict[str, str]) -> Reply:
        request = urllib.request.Request(self.upstream + path, data=body, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy._lock:
                    proxy.requests.append(f"{self.command} {self.path}")
                    if body and self.headers.get("Content-Type", "").endswith("/json"):
                        proxy.bodies.append((self.path, json.loads(body)))
                sent = {k: v for k, v in self.headers.items()
                        if k.lower() not in _HOP_BY_HOP | {"host"}}
                status, headers, data = proxy.answer(self.command, self.path, body, sent)
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in _HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        return Handler


class ThrottlingProxy(ForwardingProxy):
    def __init__(self, upstream: str, *, always_reject: set[str] | None = None,
                 reject_first: bool = True) -> None:
        super().__init__(upstream)
        self.always_reject = always_reject or set()
        self.reject_first = reject_first
        self.seen: set[tuple[str, str]] = set()
        self.rejected: list[str] = []

    def __enter__(self) -> ThrottlingProxy:
        super().__enter__()
        return self

    def _reject(self, index: str, doc_id: str) -> bool:
        with self._lock:
            if doc_id in self.always_reject:
                self.rejected.append(doc_id)
                return True
            if self.reject_first and (index, doc_id) not in self.seen:
                self.seen.add((index, doc_id))
                self.rejected.append(doc_id)
                return True
        return False

    def _bulk(self, body: bytes) -> tuple[bytes | None, list[dict[str, Any] | None]]:
        """The bulk body to forward, and per item: None (forwarded) or its 429 answer."""
        lines = [line for line in body.decode().split("\n") if line.strip()]
        forward: list[str] = []
        answers: list[dict[str, Any] | None] = []
        i = 0
        while i < len(lines):
            action = json.loads(lines[i])
            op, meta = next(iter(action.items()))
            width = 1 if op == "delete" else 2
            if self._reject(meta.get("_index", ""), str(meta.get("_id", ""))):
                answers.append({op: {"_index": meta.get("_index"), "_id": meta.get("_id"),
                                     "status": 429, "error": {
                                         "type": "es_rejected_execution_exception",
                                         "reason": "rejected execution (test throttle)"}}})
            else:
                forward.extend(lines[i:i + width])
                answers.append(None)
            i += width
        return ("\n".join(forward) + "\n").encode() if forward else None, answers

    def answer(self, method: str, path: str, body: bytes | None,
               headers: dict[str, str]) -> Reply:
        if body is None or not path.split("?")[0].endswith("/_bulk"):
            return self.forward(method, path, body, headers)
        forward, answers = self._bulk(body)
        if forward is None:  # every item rejected
            return 200, ES_HEADERS, json.dumps({"took": 0, "errors": True,
                                                "items": answers}).encode()
        status, replied, data = self.forward(method, path, forward, headers)
        if status == 200:
            upstream = json.loads(data)
            items = iter(upstream["items"])
            merged = [answer or next(items) for answer in answers]
            errors = upstream["errors"] or any(a is not None for a in answers)
            data = json.dumps({"took": 0, "errors": errors, "items": merged}).encode()
        return status, replied, data
