"""Reading an RDAP answer (RFC 9083) down to what a notice needs: who holds the network or
sponsors the domain, and the entities with the `abuse` role with their e-mail addresses.

Parsing is whoisit's (`whoisit.parser.parse`): it walks nested entities (RIRs put the abuse
entity under the registrant's organisation, registries under the registrar) and reads jCard
e-mails, names and organisations, remembering each entity's parent. Only its parser is used;
its HTTP and bootstrap are not (see `client` and `bootstrap`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from whoisit.bootstrap import BaseBootstrap
from whoisit.errors import WhoisItError
from whoisit.parser import parse

from jikimi.takedown.recipients.cache import RdapAnswer
from jikimi.takedown.recipients.client import RdapUnavailable

ObjectKind = Literal["ip", "domain"]
_NO_BOOTSTRAP = BaseBootstrap()  # the parser only asks it to name RIRs by URL


@dataclass(frozen=True)
class AbuseEntity:
    """An entity with the abuse role: its addresses, its own name, and the name of the entity
    it was found under (the network's holder, the registrar), if any."""

    emails: tuple[str, ...]
    name: str
    parent_name: str
    parent_handle: str


@dataclass(frozen=True)
class RdapRecord:
    """One IP network or domain as RDAP described it."""

    url: str
    name: str  # the network's name (CLOUDFLARENET) or the domain's
    registry: str  # who answered, for problem lines: whois.arin.net, the server's host
    holders: tuple[str, ...]  # registrant names (IP), registrar names (domain)
    abuse: tuple[AbuseEntity, ...]


def read_answer(answer: RdapAnswer, kind: ObjectKind) -> RdapRecord:
    """The record in a 200 answer; RdapUnavailable when it is not an RDAP object of `kind`."""
    try:
        parsed: dict[str, Any] = parse(_NO_BOOTSTRAP, kind, answer.url, answer.document)
    except (WhoisItError, KeyError, TypeError, ValueError) as exc:
        raise RdapUnavailable(f"unreadable RDAP answer from {answer.url}: {exc}") from None
    entities: dict[str, list[dict[str, Any]]] = parsed.get("entities") or {}
    holder_role = "registrant" if kind == "ip" else "registrar"
    holders = tuple(str(e.get("name") or e.get("handle") or "")
                    for e in entities.get(holder_role, []))
    abuse = tuple(AbuseEntity(tuple(str(m) for m in e.get("emails", [])), str(e.get("name", "")),
                              str(e.get("parent_name", "")), str(e.get("parent_handle", "")))
                  for e in entities.get("abuse", []))
    port43 = str(answer.document.get("port43") or "")
    return RdapRecord(answer.url, str(parsed.get("name") or ""),
                      port43 or urlsplit(answer.url).netloc, holders, abuse)
