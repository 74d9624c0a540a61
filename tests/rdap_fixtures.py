"""A fixture RDAP service on 127.0.0.1: IANA-shaped bootstrap files pointing at itself, and
recorded RFC 9083 answers (tests/data/rdap) for a handful of TEST-NET addresses and domains.

What each fixture host is for:
    media.hosted-fixture.com  RIPE-style network, abuse entity nested under the registrant
                              (IPv4 and IPv6); registrar with an abuse entity
    cdn.fronted-fixture.com   Cloudflare's 104.16.0.1; registrar abuse address redacted
    files.bare-fixture.net    ARIN-style network without an abuse entity; domain RDAP 404
    gone.fixture-site.org     IP RDAP 404; .org has no RDAP server in the fixture bootstrap
    www.broken-fixture.com    domain RDAP answers 500
Names the resolver does not know raise like an unknown DNS name.
"""

from __future__ import annotations

import socket
from pathlib import Path

from kernel.settings_takedown import TakedownSettings
from tests.crawl_site import FixtureSite, Route

DATA = Path(__file__).parent / "data" / "rdap"
RDAP_JSON = "application/rdap+json"

ADDRESSES = {
    "media.hosted-fixture.com": ["198.51.100.20", "2001:db8::10"],
    "cdn.fronted-fixture.com": ["104.16.0.1"],
    "files.bare-fixture.net": ["192.0.2.10"],
    "gone.fixture-site.org": ["203.0.113.7"],
    "www.broken-fixture.com": ["198.51.100.20"],
}
# path on the fixture server → recorded answer (file under DATA) and status
ANSWERS = {
    "/bootstrap/dns.json": ("dns.json", 200),
    "/bootstrap/ipv4.json": ("ipv4.json", 200),
    "/bootstrap/ipv6.json": ("ipv6.json", 200),
    "/arin/ip/192.0.2.10": ("ip-no-abuse.json", 200),
    "/arin/ip/104.16.0.1": ("ip-cloudflare.json", 200),
    "/ripe/ip/198.51.100.20": ("ip-nested-abuse.json", 200),
    "/ripe/ip/2001:db8::10": ("ip-nested-abuse.json", 200),
    "/ripe/ip/203.0.113.7": ("not-found.json", 404),
    "/registry/domain/hosted-fixture.com": ("domain-registrar-abuse.json", 200),
    "/registry/domain/fronted-fixture.com": ("domain-redacted.json", 200),
    "/registry/domain/bare-fixture.net": ("not-found.json", 404),
}
SERVER_ERROR_PATH = "/registry/domain/broken-fixture.com"


def resolve(host: str) -> list[str]:
    """The fixture DNS: TEST-NET (and Cloudflare) addresses for the fixture hosts."""
    if host not in ADDRESSES:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return list(ADDRESSES[host])


def rdap_site() -> FixtureSite:
    """The fixture RDAP service (use as a context manager); bootstrap files name its port."""
    site = FixtureSite()
    for path, (name, status) in ANSWERS.items():
        body = (DATA / name).read_text(encoding="utf-8").replace("RDAP_BASE", site.base)
        site.routes[path] = Route(body.encode(), RDAP_JSON, status)
    site.routes[SERVER_ERROR_PATH] = Route(b"upstream registry timeout", "text/plain", 500)
    return site


def rdap_settings(site: FixtureSite, **changes: object) -> TakedownSettings:
    """Takedown settings reading the fixture bootstrap, loopback allowed unless overridden."""
    values: dict[str, object] = {"rdap_bootstrap_url": f"{site.base}/bootstrap/",
                                 "rdap_allow_private": True,
                                 "regulator_email": "referral@regulator-fixture.kr"}
    return TakedownSettings.model_validate(values | changes)
