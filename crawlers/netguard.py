"""Address safety: refuse private, loopback, link-local, reserved and cloud-metadata addresses.

Used by the crawler for every request (redirect targets included) and by the webhook notifier.
The check is made on the *resolved* IP addresses, so a public hostname that resolves to 127.0.0.1
or 169.254.169.254 is refused too, and so is any IPv6 address embedding a non-public IPv4 one
(`crawlers.ipv4_embeddings`). `allow_private=True` lifts the restriction; each caller passes its
own purpose's setting (crawl, webhook, evidence, portal preview, RDAP), never another's.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from crawlers.ipv4_embeddings import embedded_ipv4
from kernel.errors import FetchRefused

ALLOWED_SCHEMES = frozenset({"http", "https"})
# Cloud metadata endpoints that are not covered by the generic ranges on every platform.
_METADATA = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("169.254.170.2"),
    ipaddress.ip_address("100.100.100.200"),
    ipaddress.ip_address("fd00:ec2::254"),
}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str], list[IPAddress]]
CRAWL_SETTING = "crawl.allow_private / --allow-private"


def is_public_address(ip: IPAddress) -> bool:
    """True when `ip` is a globally routable unicast address and not a metadata endpoint, and so
    is every IPv4 address it embeds (6to4, Teredo, NAT64, ISATAP, mapped: see ipv4_embeddings)."""
    return non_public_reason(ip) is None


def non_public_reason(ip: IPAddress) -> str | None:
    """Why `ip` may not be connected to ("169.254.169.254", "2002:7f00:1:: (6to4 of 127.0.0.1)"),
    or None when it is public."""
    embedding = embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
    if embedding is None:
        return None if _plain_public(ip) else str(ip)
    inside = [str(inner) for inner in embedding.ipv4 if not _plain_public(inner)]
    if inside:
        return f"{ip} ({embedding.form} of {' or '.join(inside)})"
    if not embedding.translated and not _plain_public(ip):
        return str(ip)
    return None


def _plain_public(ip: IPAddress) -> bool:
    if ip in _METADATA:
        return False
    if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast:
        return False
    if ip.is_reserved or ip.is_unspecified:
        return False
    return ip.is_global


def literal_address(host: str) -> IPAddress | None:
    """`host` as an IP address when it is a literal ("127.0.0.1", "[::1]"), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def resolve(host: str) -> list[IPAddress]:
    """All addresses `host` resolves to (an IP literal resolves to itself). Blocking: inside the
    crawl it runs on a worker thread (`crawlers.safety`), never on the reactor."""
    address = literal_address(host)
    if address is not None:
        return [address]
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused(f"cannot resolve host {host!r}: {exc}") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def target_host(url: str) -> str:
    """The host of an http(s) `url`; FetchRefused for any other scheme or no host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise FetchRefused(f"refused {url}: scheme {parts.scheme!r} is not http(s)")
    try:
        host = parts.hostname
    except ValueError:
        host = None
    if not host:
        raise FetchRefused(f"refused {url}: no host")
    return host


def check_addresses(url: str, host: str, addresses: list[IPAddress], *,
                    setting: str = CRAWL_SETTING) -> None:
    """Raise FetchRefused when any address `host` resolved to is not public."""
    for ip in addresses:
        if not is_public_address(ip):
            reason = non_public_reason(ip) or str(ip)
            raise FetchRefused(
                f"refused {url}: {host} resolves to non-public address {reason} "
                f"(set {setting} to allow)"
            )


def check_url(url: str, *, allow_private: bool, setting: str = CRAWL_SETTING,
              resolver: Resolve = resolve) -> None:
    """Raise FetchRefused unless `url` is http(s) and (allow_private or) resolves to public IPs.
    `setting` names the switch that would allow it, for the message."""
    host = target_host(url)
    if allow_private:
        return
    literal = literal_address(host)
    addresses = [literal] if literal is not None else resolver(host)
    check_addresses(url, host, addresses, setting=setting)
