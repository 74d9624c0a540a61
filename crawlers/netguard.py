"""Address safety: refuse private, loopback, link-local, reserved and cloud-metadata addresses.

Used by the crawler for every request (redirect targets included) and by the webhook notifier.
The check is made on the *resolved* IP addresses, so a public hostname that resolves to 127.0.0.1
or 169.254.169.254 is refused too. `allow_private=True` (tests, the demo, an operator's explicit
setting) lifts the restriction.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

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


def is_public_address(ip: IPAddress) -> bool:
    """True when `ip` is a globally routable unicast address and not a metadata endpoint."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in _METADATA:
        return False
    if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast:
        return False
    if ip.is_reserved or ip.is_unspecified:
        return False
    return ip.is_global


def resolve(host: str) -> list[IPAddress]:
    """All addresses `host` resolves to (an IP literal resolves to itself)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused(f"cannot resolve host {host!r}: {exc}") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def check_url(url: str, *, allow_private: bool) -> None:
    """Raise FetchRefused unless `url` is http(s) and (allow_private or) resolves to public IPs."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise FetchRefused(f"refused {url}: scheme {parts.scheme!r} is not http(s)")
    host = parts.hostname
    if not host:
        raise FetchRefused(f"refused {url}: no host")
    if allow_private:
        return
    for ip in resolve(host):
        if not is_public_address(ip):
            raise FetchRefused(
                f"refused {url}: {host} resolves to non-public address {ip} "
                "(set crawl.allow_private / --allow-private to allow)"
            )
