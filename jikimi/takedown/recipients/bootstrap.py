"""Which RDAP server answers for an address or a domain: the bootstrap registries of RFC 9224.

IANA publishes dns.json, ipv4.json and ipv6.json, each a list of (prefixes or TLDs → server
URLs). They are read from `rdap_bootstrap_url` (IANA's by default, the fixture server's in
tests) through the guarded, cached client, only when a lookup needs that kind, and at most once
per lookup. The lookup here is the RFC's: the longest matching prefix, the longest matching
label suffix, https before http. (whoisit has a bootstrap too, but it fetches IANA's fixed URLs
with its own HTTP client and refuses special-use addresses outright.)
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from jikimi.takedown.recipients.client import RdapClient, RdapUnavailable

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass
class Bootstrap:
    """The registries under `base_url`, loaded on first use."""

    client: RdapClient
    base_url: str
    _services: dict[str, list[tuple[str, list[str]]] | RdapUnavailable] = field(
        default_factory=dict)

    def servers_for_address(self, address: IPAddress) -> list[str]:
        kind = "ipv4" if address.version == 4 else "ipv6"
        matches = [(network.prefixlen, urls) for entry, urls in self._entries(kind)
                   if (network := _network(entry)) is not None and address in network]
        return max(matches, key=lambda match: match[0])[1] if matches else []

    def servers_for_domain(self, domain: str) -> list[str]:
        labels = domain.lower().rstrip(".").split(".")
        entries = dict(self._entries("dns"))
        for start in range(1, len(labels)):  # longest suffix first, never the name itself
            if (urls := entries.get(".".join(labels[start:]))) is not None:
                return urls
        return []

    def _entries(self, kind: str) -> list[tuple[str, list[str]]]:
        if kind not in self._services:
            try:
                self._services[kind] = self._load(kind)
            except RdapUnavailable as exc:
                self._services[kind] = exc
        loaded = self._services[kind]
        if isinstance(loaded, RdapUnavailable):
            raise loaded
        return loaded

    def _load(self, kind: str) -> list[tuple[str, list[str]]]:
        url = self.base_url.rstrip("/") + f"/{kind}.json"
        answer = self.client.get(url)
        services = answer.document.get("services")
        if answer.status != 200 or not isinstance(services, list):
            raise RdapUnavailable(f"RDAP bootstrap registry {url} is unusable "
                                  f"(status {answer.status})")
        return [(str(key).lower(), ordered)
                for keys, urls in _pairs(services) if (ordered := _https_first(urls))
                for key in keys]


def _pairs(services: list[Any]) -> list[tuple[list[Any], list[Any]]]:
    return [(entry[0], entry[1]) for entry in services
            if isinstance(entry, list) and len(entry) >= 2
            and isinstance(entry[0], list) and isinstance(entry[1], list)]


def _https_first(urls: list[Any]) -> list[str]:
    usable = [str(url) for url in urls if str(url).startswith(("https://", "http://"))]
    return sorted(usable, key=lambda url: not url.startswith("https://"))


def _network(entry: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return None
