"""Every IPv4 address an IPv6 address carries inside it, so the address guard can check those too.

An IPv6 address can stand for an IPv4 one: a dual-stack socket sends `::ffff:127.0.0.1` to
127.0.0.1, a NAT64 gateway sends `64:ff9b::a9fe:a9fe` to 169.254.169.254, and a 6to4, Teredo or
ISATAP relay tunnels to the IPv4 address written into the IPv6 one. Python's `ipaddress` calls
most of these "global", so a hostile DNS answer of `2002:7f00:1::` walked past a guard that only
looked at the outer address (issue 13, finding 8). This module finds each embedding:

- translation forms, where the IPv6 address *is* the IPv4 one (the packet goes there):
  IPv4-mapped `::ffff:0:0/96`, NAT64 well-known `64:ff9b::/96` and local-use `64:ff9b:1::/48`
  (RFC 8215: the operator chooses the prefix length, so every RFC 6052 placement is returned);
- tunnel forms, where the IPv4 address is a tunnel endpoint inside a routable IPv6 address:
  IPv4-compatible `::/96`, SIIT `::ffff:0:0:0/96`, 6to4 `2002::/16`, Teredo `2001::/32` (server
  and client; the client is stored bit-inverted) and ISATAP interface ids `…:0:5efe:a.b.c.d` /
  `…:200:5efe:a.b.c.d` (u/g bits ignored).

6rd and other operator-chosen prefixes cannot be recognised from the address alone.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_SIIT = ipaddress.ip_network("::ffff:0:0:0/96")
_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_SIXTOFOUR = ipaddress.ip_network("2002::/16")
_TEREDO = ipaddress.ip_network("2001::/32")
_ISATAP_ID = 0x5EFE
_U_G_BITS = 0x0300


@dataclass(frozen=True)
class Embedding:
    """The IPv4 addresses inside one IPv6 address; `translated` when the IPv6 address stands for
    them (the outer address does not matter), False for a tunnel (both must be public)."""

    form: str
    ipv4: tuple[ipaddress.IPv4Address, ...]
    translated: bool


def embedded_ipv4(ip: ipaddress.IPv6Address) -> Embedding | None:
    """The IPv4 embedding `ip` carries, or None for a plain IPv6 address."""
    value = int(ip)
    if ip in _MAPPED:
        return Embedding("IPv4-mapped", (_v4(value),), translated=True)
    if ip in _NAT64_WELL_KNOWN:
        return Embedding("NAT64", (_v4(value),), translated=True)
    if ip in _NAT64_LOCAL:
        return Embedding("NAT64 local-use", _rfc6052_placements(value), translated=True)
    if ip in _SIIT:
        return Embedding("IPv4-translated", (_v4(value),), translated=False)
    if ip in _COMPATIBLE:
        return Embedding("IPv4-compatible", (_v4(value),), translated=False)
    if ip in _SIXTOFOUR:
        assert ip.sixtofour is not None
        return Embedding("6to4", (ip.sixtofour,), translated=False)
    if ip in _TEREDO:
        assert ip.teredo is not None
        return Embedding("Teredo", ip.teredo, translated=False)
    if (value >> 48) & 0xFFFF & ~_U_G_BITS == 0 and (value >> 32) & 0xFFFF == _ISATAP_ID:
        return Embedding("ISATAP", (_v4(value),), translated=False)
    return None


def _v4(value: int) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(value & 0xFFFFFFFF)


def _rfc6052_placements(value: int) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 address as RFC 6052 places it after a /48, /56, /64 or /96 prefix (the local-use
    prefix is a /48, so only those fit; bits 64–71, the "u" octet, are skipped)."""
    octets = value.to_bytes(16, "big")
    found = []
    for prefix_bytes in (12, 6, 7, 8):  # /96 first: the usual one, named in messages
        payload = [b for i, b in enumerate(octets) if i != 8][prefix_bytes:prefix_bytes + 4]
        if prefix_bytes == 12:
            payload = list(octets[12:16])
        found.append(ipaddress.IPv4Address(bytes(payload)))
    return tuple(dict.fromkeys(found))
