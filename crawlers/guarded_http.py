"""A urllib opener that cannot be steered to private addresses: for every outbound request jikimi
makes outside Scrapy (webhook deliveries, evidence captures).

`crawlers.netguard.check_url` vets a URL's resolved addresses before a request; this module closes
the remaining gap, DNS rebinding, by checking the address the socket actually connected to. It
never follows redirects itself (a caller that wants them must check each target first), and it
ignores proxy environment variables (the connection must go where it was checked).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any

from crawlers.netguard import is_public_address
from kernel.errors import FetchRefused


def guarded_opener(allow_private: bool) -> urllib.request.OpenerDirector:
    """An opener without proxies or redirects; with `allow_private` False it refuses any
    connection whose peer is loopback, private, link-local or a metadata address."""
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({}), _NoRedirect()]
    if not allow_private:
        handlers += [_GuardedHTTPHandler(), _GuardedHTTPSHandler()]
    return urllib.request.build_opener(*handlers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx comes back to the caller as an HTTPError: following it here would go unchecked."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _check_peer(sock: socket.socket | None) -> None:
    if sock is None:
        return
    address = ipaddress.ip_address(str(sock.getpeername()[0]).split("%", 1)[0])
    if not is_public_address(address):
        sock.close()
        raise FetchRefused(f"refused: connected to non-public address {address}")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _check_peer(self.sock)


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _check_peer(self.sock)


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPSConnection, req, context=getattr(self, "_context", None))
