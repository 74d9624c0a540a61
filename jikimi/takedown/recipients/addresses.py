"""The hosting side of a host: its addresses, and for each the abuse desk of the network that
holds it, from IP RDAP. An address of a CDN (by published range or RDAP name) yields the
CDN's abuse desk as a `cdn` contact with a note that it is not the host.

Resolution is injectable (tests map fixture hosts to TEST-NET addresses); the default asks the
system resolver, like the crawler.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

from jikimi.takedown.recipients.answers import RdapRecord, read_answer
from jikimi.takedown.recipients.bootstrap import Bootstrap, IPAddress
from jikimi.takedown.recipients.client import RdapClient, RdapUnavailable
from jikimi.takedown.recipients.contacts import Findings, abuse_contacts
from jikimi.takedown.recipients.fronts import NOTES, front_by_address, front_by_names
from kernel.takedown import Contact

Resolve = Callable[[str], list[str]]
MAX_ADDRESSES = 8  # a host behind round-robin DNS: its first few addresses tell enough


def system_resolve(host: str) -> list[str]:
    """The addresses `host` resolves to (OSError when it does not)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]).split("%", 1)[0] for info in infos]


def ip_literal(host: str) -> IPAddress | None:
    """The address when `host` is written as one (a URL may name a server by IP)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def addresses_of(host: str, resolve: Resolve) -> tuple[list[IPAddress], list[str]]:
    """The host's distinct addresses (an IP literal is its own), and problem lines."""
    if (literal := ip_literal(host)) is not None:
        return [literal], []
    try:
        found = resolve(host)
    except (OSError, UnicodeError) as exc:
        return [], [f"cannot resolve {host}: {exc}"]
    addresses = list(dict.fromkeys(ipaddress.ip_address(a) for a in found))
    if not addresses:
        return [], [f"{host} resolves to no address"]
    return addresses[:MAX_ADDRESSES], []


def look_up_address(address: IPAddress, client: RdapClient, bootstrap: Bootstrap) -> Findings:
    """The abuse contacts of the network holding `address`, or why there are none."""
    what = f"IP RDAP for {address}"
    record: RdapRecord | None = None
    problems: list[str] = []
    try:
        servers = bootstrap.servers_for_address(address)
        if not servers:
            problems.append(f"no RDAP server for {address} in the bootstrap registry")
        else:
            answer = client.get(servers[0].rstrip("/") + f"/ip/{address}")
            if answer.status == 404:
                problems.append(f"{what}: not found (404 at {answer.url})")
            else:
                record = read_answer(answer, "ip")
    except RdapUnavailable as exc:
        problems.append(f"{what}: {exc}")
    front = front_by_address(address) or (
        front_by_names(record.name, *record.holders) if record else None)
    note = NOTES.get(front, "") if front else ""
    if record is None:
        contacts = [Contact("cdn", None, front, note=note)] if front else []
        return Findings(contacts, problems, front)
    found = abuse_contacts(record, record.abuse, "cdn" if front else "hosting", what, note)
    return Findings(found.contacts, problems + found.problems, front)
