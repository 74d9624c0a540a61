"""CDNs and reverse proxies in front of a host: their addresses are not the host's.

A site behind Cloudflare resolves to Cloudflare's edge, so IP RDAP names Cloudflare, which
stores nothing and will not remove a file; it forwards NCII reports to the real host (and
discloses that host to the reporter). A notice must say so instead of treating the CDN as the
host. Cloudflare is recognised by its published ranges (package data, dated), and Cloudflare,
Fastly, Akamai and Amazon CloudFront by the network or holder names in IP RDAP. Plain Amazon
(EC2) or Google Cloud addresses are hosts, not fronts, so they are not matched.
"""

from __future__ import annotations

import ipaddress
from functools import cache
from importlib.resources import files

from jikimi.takedown.recipients.bootstrap import IPAddress, IPNetwork

CLOUDFLARE = "Cloudflare"
CLOUDFLARE_RANGES = "cloudflare-ranges.txt"  # package data, with the date it was copied
# lower-case fragments of RDAP network / holder names → the front's name
_NAME_FRAGMENTS = (
    ("cloudflare", CLOUDFLARE),
    ("fastly", "Fastly"),
    ("akamai", "Akamai"),
    ("cloudfront", "Amazon CloudFront"),
    ("amazon-cf", "Amazon CloudFront"),
    ("amazo-cf", "Amazon CloudFront"),
)
NOTES = {
    CLOUDFLARE: "Cloudflare is not the host; it forwards NCII reports to the host: "
                "https://abuse.cloudflare.com",
    "Fastly": "Fastly is not the host; it is a CDN that passes abuse reports on to its "
              "customer, the site's operator",
    "Akamai": "Akamai is not the host; it is a CDN that passes abuse reports on to its "
              "customer, the site's operator",
    "Amazon CloudFront": "Amazon CloudFront is not the host; it is a CDN: AWS abuse passes "
                         "reports on to the customer whose distribution serves the file",
}


@cache
def cloudflare_networks() -> tuple[IPNetwork, ...]:
    ranges = files("jikimi.takedown.recipients").joinpath(CLOUDFLARE_RANGES)
    text = ranges.read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(ipaddress.ip_network(line) for line in lines if line)


def front_by_address(address: IPAddress) -> str | None:
    """The CDN whose published ranges hold `address`, if any."""
    return CLOUDFLARE if any(address in net for net in cloudflare_networks()) else None


def front_by_names(*names: str) -> str | None:
    """The CDN an RDAP network or holder name belongs to, if any."""
    for name in names:
        lowered = name.lower()
        for fragment, front in _NAME_FRAGMENTS:
            if fragment in lowered:
                return front
    return None
