"""The registrar side of a host: the registrable domain it belongs to, and the abuse contact of
the registrar that sponsors it, from domain RDAP (the next step when a host does not answer).

The registrable domain is found with the Public Suffix List shipped in `publicsuffixlist`
(offline: nothing is downloaded at run time), ICANN section only: a private suffix such as
blogspot.com is a domain someone registered, and the registry knows only that domain.
Registries put the registrar's abuse contact under the registrar entity (ICANN's RDAP
profile); an abuse entity elsewhere is used only when the registrar has none.
"""

from __future__ import annotations

from functools import cache

from publicsuffixlist import PublicSuffixList

from jikimi.takedown.recipients.answers import read_answer
from jikimi.takedown.recipients.bootstrap import Bootstrap
from jikimi.takedown.recipients.client import RdapClient, RdapUnavailable
from jikimi.takedown.recipients.contacts import Findings, abuse_contacts


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True)


def registrable_domain(host: str) -> str | None:
    """The domain a registrar sold, in ASCII (IDNA): img.cdn.example.co.uk → example.co.uk;
    None for a bare public suffix or a name that is not a domain."""
    try:
        ascii_host = host.strip().rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    found = _suffixes().privatesuffix(ascii_host, accept_unknown=False)
    return found if isinstance(found, str) else None


def look_up_domain(domain: str, client: RdapClient, bootstrap: Bootstrap) -> Findings:
    """The abuse contact of `domain`'s registrar, or why there is none."""
    what = f"domain RDAP for {domain}"
    try:
        servers = bootstrap.servers_for_domain(domain)
        if not servers:
            tld = domain.rsplit(".", 1)[-1]
            return Findings(problems=[f"no RDAP server for .{tld} in the bootstrap registry "
                                      f"(its registry may offer only WHOIS)"])
        answer = client.get(servers[0].rstrip("/") + f"/domain/{domain}")
        if answer.status == 404:
            return Findings(problems=[f"{what}: not found (404 at {answer.url})"])
        record = read_answer(answer, "domain")
    except RdapUnavailable as exc:
        return Findings(problems=[f"{what}: {exc}"])
    registrars = set(record.holders)
    of_registrar = tuple(e for e in record.abuse if e.parent_name in registrars)
    return abuse_contacts(record, of_registrar or record.abuse, "registrar", what)
