"""The address guard for everything a rendered page makes the browser fetch: a SOCKS5 proxy.

A page rendered in Chromium runs its own scripts, and they fetch, open iframes and websockets and
follow redirects without asking Scrapy. Intercepting requests in Playwright (`page.route`) is not
enough to guard them: a route never sees the target of a redirect, nor a websocket, and it is
asked before Chromium resolves the name itself, so a name that answers a public address first and
169.254.169.254 next (DNS rebinding) would get through. So the browser is launched with this
proxy as its only way out (Playwright, for a `socks5://` proxy, also gives Chromium
`--host-resolver-rules="MAP * ~NOTFOUND"` and `--proxy-bypass-list=<-loopback>`: Chromium
resolves no name itself and sends even loopback through the proxy). Every connection Chromium
opens arrives here as "connect to host:port"; the host is looked up off the event loop with the
crawl's timeout (`crawlers.guard_lookup`), every address it resolves to is checked by
`crawlers.netguard` exactly as the crawler's own requests are, and the connection goes to an
address that was checked, never to a second lookup. Anything refused is answered "not allowed"
(the browser sees a failed request), counted and described through `on_refused`. Connections to
the browser's own service hosts (`browser_services`: Chromium's update and account checks, made
whatever its flags say) are refused without a report line: they are not the page's.

Only what Chromium speaks is implemented: SOCKS5 (RFC 1928) without authentication, CONNECT only
(no BIND, no UDP: QUIC and WebRTC's UDP are turned off in the browser instead). No well-kept
asyncio SOCKS5 *server* library offers a hook at the connect step (python-socks and socksio are
clients; pproxy and mitmproxy are whole proxy applications), and this subset is a few dozen lines.
The listener is on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import struct
from collections.abc import Awaitable, Callable

from crawlers import netguard
from kernel.errors import FetchRefused

Lookup = Callable[[str], Awaitable[list[netguard.IPAddress]]]
HANDSHAKE_SECONDS = 10.0
CHUNK = 64 * 1024
_NO_AUTH, _NO_METHOD, _CONNECT = 0x00, 0xFF, 0x01
_IPV4, _DOMAIN, _IPV6 = 0x01, 0x03, 0x04
OK, FAILED, NOT_ALLOWED, HOST_UNREACHABLE, NO_COMMAND, NO_ADDRESS_TYPE = 0, 1, 2, 4, 7, 8
logger = logging.getLogger(__name__)


class SocksGuard:
    """Listens on `url` (`socks5://127.0.0.1:PORT`) from construction and serves from `await
    start()`; `await close()` ends it and every connection through it. With `allow_private`
    (the crawl's own setting) nothing is refused."""

    def __init__(self, *, allow_private: bool, lookup: Lookup, on_refused: Callable[[str], None],
                 connect_timeout: float = 30.0, browser_services: frozenset[str] = frozenset(),
                 ) -> None:
        self.allow_private = allow_private
        self.browser_services = browser_services  # the browser's own hosts: refused, quietly
        self.lookup = lookup
        self.on_refused = on_refused
        self.connect_timeout = connect_timeout
        # Bound now, so the browser's launch options can name it before the event loop runs;
        # connections that arrive before `start()` wait in the listen backlog.
        self._socket = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.url = f"socks5://127.0.0.1:{self._socket.getsockname()[1]}"
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accepted, sock=self._socket)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        else:
            self._socket.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.ensure_future(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: asyncio.StreamWriter | None = None
        try:
            target = await asyncio.wait_for(_handshake(reader, writer), HANDSHAKE_SECONDS)
            if target is None:
                return
            host, port = target
            if host.lower().rstrip(".") in self.browser_services:
                await _reply(writer, NOT_ALLOWED)  # the browser phoning home, not the page
                return
            try:
                addresses = await self._vetted(host, port)
            except FetchRefused as exc:
                self.on_refused(str(exc))
                await _reply(writer, NOT_ALLOWED)
                return
            connected = await self._connect(addresses, host, port)
            if connected is None:
                await _reply(writer, HOST_UNREACHABLE)
                return
            upstream_reader, upstream = connected
            await _reply(writer, OK)
            await _relay(reader, writer, upstream_reader, upstream)
        except (TimeoutError, ConnectionError, OSError, asyncio.IncompleteReadError):
            pass  # the browser went away, or sent nothing sensible in time
        except Exception:  # never let one connection's bug end the proxy
            logger.exception("SOCKS5 guard: connection failed")
        finally:
            for stream in (writer, upstream):
                if stream is not None:
                    stream.close()

    async def _vetted(self, host: str, port: int) -> list[str]:
        """The addresses to connect to, each one checked (FetchRefused when any is not public)."""
        if self.allow_private:
            return [host]  # no guard: the operating system resolves as usual
        label = f"browser connection to {host}:{port}"
        literal = netguard.literal_address(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                addresses = await self.lookup(host)
            except FetchRefused as exc:
                raise FetchRefused(f"refused {label}: {exc}") from None
        netguard.check_addresses(label, host, addresses)
        return [str(address) for address in addresses]

    async def _connect(self, addresses: list[str], host: str, port: int,
                       ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        for address in addresses:
            try:
                return await asyncio.wait_for(asyncio.open_connection(address, port),
                                              self.connect_timeout)
            except (TimeoutError, OSError) as exc:
                logger.debug("browser connection to %s:%s via %s failed: %s", host, port,
                             address, exc)
        return None


async def _handshake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     ) -> tuple[str, int] | None:
    """Read the greeting and the request; (host, port) of a CONNECT, else None (answered)."""
    version, count = await reader.readexactly(2)
    methods = await reader.readexactly(count)
    if version != 5 or _NO_AUTH not in methods:
        writer.write(bytes([5, _NO_METHOD]))
        await writer.drain()
        return None
    writer.write(bytes([5, _NO_AUTH]))
    await writer.drain()
    version, command, _reserved, kind = await reader.readexactly(4)
    if kind == _IPV4:
        host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
    elif kind == _IPV6:
        host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
    elif kind == _DOMAIN:
        length = (await reader.readexactly(1))[0]
        name = await reader.readexactly(length)
        if not name.isascii():  # Chromium sends names as ASCII (punycode); anything else is junk
            await _reply(writer, NO_ADDRESS_TYPE)
            return None
        host = name.decode("ascii")
    else:
        await _reply(writer, NO_ADDRESS_TYPE)
        return None
    (port,) = struct.unpack("!H", await reader.readexactly(2))
    if version != 5 or command != _CONNECT:
        await _reply(writer, NO_COMMAND)
        return None
    return host, port


async def _reply(writer: asyncio.StreamWriter, code: int) -> None:
    writer.write(bytes([5, code, 0, _IPV4, 0, 0, 0, 0, 0, 0]))
    await writer.drain()


async def _relay(client_reader: asyncio.StreamReader, client: asyncio.StreamWriter,
                 upstream_reader: asyncio.StreamReader, upstream: asyncio.StreamWriter) -> None:
    """Copy both ways until either side ends; then both are closed (by the caller)."""
    pipes = [asyncio.ensure_future(_pipe(client_reader, upstream)),
             asyncio.ensure_future(_pipe(upstream_reader, client))]
    try:
        await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pipe in pipes:
            pipe.cancel()
        await asyncio.gather(*pipes, return_exceptions=True)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
