"""Whom to write to about each host of a batch: hosting network (or the CDN in front of it),
registrar, regulator, and what is missing.

One lookup per host and call, however many URLs a batch has on it; one host's failure (no DNS,
an RDAP server down, an unreadable answer) is a problem line on that host, never an exception
for the batch. All RDAP traffic goes through one guarded, cached client.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from jikimi.takedown.recipients.addresses import (
    Resolve,
    addresses_of,
    ip_literal,
    look_up_address,
    system_resolve,
)
from jikimi.takedown.recipients.bootstrap import Bootstrap
from jikimi.takedown.recipients.cache import RdapCache
from jikimi.takedown.recipients.client import Fetch, RdapClient, guarded_fetch
from jikimi.takedown.recipients.contacts import regulator_contact
from jikimi.takedown.recipients.domains import look_up_domain, registrable_domain
from jikimi.takedown.recipients.fronts import NOTES
from kernel.errors import one_line
from kernel.records import utcnow
from kernel.settings_takedown import TakedownSettings
from kernel.takedown import Contact, HostRecipients

CACHE_FOLDER = "rdap-cache"


def default_cache_dir(settings: TakedownSettings, store_path: Path) -> Path:
    """`rdap_cache_dir`, or an `rdap-cache` folder next to the SQLite store."""
    return settings.rdap_cache_dir or store_path.parent / CACHE_FOLDER


def normalised_host(host: str) -> str:
    return host.strip().lower().rstrip(".")


def find_recipients(hosts: Iterable[str], settings: TakedownSettings, *, cache_dir: Path,
                    resolve: Resolve = system_resolve,
                    fetch: Fetch | None = None) -> dict[str, HostRecipients]:
    """The recipients of each distinct host (lower-cased, without a trailing dot), looked up
    once. `fetch` defaults to the guarded fetcher (`rdap_allow_private` lifts the guard)."""
    client = RdapClient(RdapCache(cache_dir, settings.rdap_cache_hours),
                        fetch or guarded_fetch(settings))
    bootstrap = Bootstrap(client, settings.rdap_bootstrap_url)
    regulator = regulator_contact(settings)
    found: dict[str, HostRecipients] = {}
    for host in dict.fromkeys(normalised_host(h) for h in hosts if h.strip()):
        recipients = HostRecipients(host, looked_up_at=utcnow())
        try:
            _look_up(recipients, client, bootstrap, resolve, settings.rdap_allow_private)
        except Exception as exc:  # noqa: BLE001 (one host's surprise must not stop the batch)
            recipients.problems.append(f"lookup of {host} failed: {one_line(exc)}")
        if regulator:
            recipients.contacts.append(regulator)
        found[host] = recipients
    return found


def _look_up(recipients: HostRecipients, client: RdapClient, bootstrap: Bootstrap,
             resolve: Resolve, allow_private: bool) -> None:
    addresses, problems = addresses_of(recipients.host, resolve)
    recipients.addresses = [str(a) for a in addresses]
    recipients.problems += problems
    for address in addresses:
        if not address.is_global and not allow_private:
            # No registry describes a private, loopback or reserved address: nothing to ask.
            recipients.problems.append(f"{address} is not a public address (private, loopback "
                                       "or reserved): no RDAP registry describes it")
            continue
        findings = look_up_address(address, client, bootstrap)
        _add(recipients, findings.contacts, findings.problems)
        recipients.front = recipients.front or findings.front
    if recipients.front:
        recipients.problems.append(
            f"{recipients.host} is behind {recipients.front}: the real host is hidden behind "
            f"it ({NOTES[recipients.front]})")
    if ip_literal(recipients.host) is not None:
        return  # an address has no registrar
    domain = registrable_domain(recipients.host)
    if domain is None:
        recipients.problems.append(f"{recipients.host} has no registrable domain: no registrar")
        return
    findings = look_up_domain(domain, client, bootstrap)
    _add(recipients, findings.contacts, findings.problems)


def _add(recipients: HostRecipients, contacts: list[Contact], problems: list[str]) -> None:
    """Add what is new: the same desk found for two addresses (IPv4 and IPv6) is one contact."""
    known = {(c.role, c.email, c.organisation) for c in recipients.contacts}
    for contact in contacts:
        if (contact.role, contact.email, contact.organisation) not in known:
            known.add((contact.role, contact.email, contact.organisation))
            recipients.contacts.append(contact)
    recipients.problems += [p for p in problems if p not in recipients.problems]
