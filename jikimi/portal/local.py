"""The portal served from a thread of this process over HTTPS on 127.0.0.1: what the demo shows
and the browser tests drive. `jikimi serve` is the way to run it for real."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from jikimi.portal.app import create_app
from jikimi.portal.tls import self_signed
from kernel.settings import Settings


@dataclass
class LocalPortal:
    """A portal running in a thread: its URL, the certificate to trust, and a way to stop it
    before the block ends (a browser test cuts the connection this way: a real outage, the
    port refuses connections, rather than a browser pretending to be offline)."""

    url: str
    cert: Path
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        """Close the listening socket and every open connection, and wait for the thread."""
        self.server.should_exit = True
        self.thread.join(timeout=10)
        if self.thread.is_alive():
            raise RuntimeError("the portal did not stop")


@contextmanager
def portal_thread(settings: Settings, folder: Path) -> Iterator[LocalPortal]:
    """The portal on https://127.0.0.1:<free port> with a throwaway certificate, in a thread
    of this process, until the block ends or `stop()` is called."""
    cert, key = self_signed(folder)
    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                            log_level="warning", ssl_certfile=str(cert), ssl_keyfile=str(key))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the portal did not start")
        time.sleep(0.05)
    portal = LocalPortal(f"https://127.0.0.1:{port}", cert, server, thread)
    try:
        yield portal
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def served_locally(settings: Settings, folder: Path) -> Iterator[tuple[str, Path]]:
    """The portal on https://127.0.0.1:<free port> with a throwaway certificate, in a thread
    of this process, until the block ends: (its URL, the certificate to trust)."""
    with portal_thread(settings, folder) as portal:
        yield portal.url, portal.cert


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
