"""Takedown notices: one letter per recipient of one escalation step, in every configured language.

A notice lists every URL of one host in a batch with what a host's abuse desk needs to find and
judge it — media and page URL, when it was first seen (UTC), SHA-256, PDQ, for a video its time
ranges, and an evidence reference — and nothing about the person depicted: the items are built
from a whitelist of the batch rows' fields, so her name, case ref and contacts (`person_ref` is
in the rows) can never reach a template. The media itself is never attached.

Letters are Jinja2 templates in `templates/`: `letter.<lang>.txt.j2` and `subject.<lang>.txt.j2`
per language, and the legal basis per key and language in `basis/<key>.<lang>.txt.j2` — adding a
language or a basis is adding files. Recipients come from `TakedownBatch.recipients` (RDAP work
done elsewhere) through `HostRecipients.for_step`; a host with no usable address for the step gets
no notice and is reported, with the lookup's problems, rather than guessed at. A CDN's abuse desk
is written to as the front and asked to forward. The Message-ID is derived from batch, host, step
and address, so a re-send carries the same id and the recipient can see it is one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from kernel.errors import ConfigError
from kernel.records import derive_id
from kernel.settings_takedown import TakedownSettings
from kernel.takedown import ESCALATION, Contact, EscalationStep, TakedownBatch

TEMPLATES = Path(__file__).parent / "templates"
KOREAN = "ko"
# Statuses whose URL needs no (further) notice.
DONE = ("removed",)


@dataclass(frozen=True)
class Sender:
    """Who signs and sends the notices: the organisation's takedown team, never the victim."""

    name: str
    email: str
    organisation: str = ""

    @classmethod
    def from_settings(cls, takedown: TakedownSettings) -> Sender:
        return cls(takedown.sender_name, takedown.sender_email, takedown.sender_organisation)

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2].strip(" <>") or "jikimi.invalid"


@dataclass(frozen=True)
class NoticeItem:
    """What a notice says about one URL: only these fields ever reach a template."""

    item_id: str
    number: int
    media_url: str
    page_url: str
    first_seen: str  # UTC, ISO 8601 with Z; "" when unknown
    kind: str  # image | video
    time_ranges: str
    sha256: str
    pdq: str
    evidence_ref: str  # "" → the letter says the evidence is held by the sender


@dataclass
class Notice:
    """One letter to one address about one host's URLs at one escalation step."""

    batch_id: str
    host: str
    step: EscalationStep
    contact: Contact
    languages: tuple[str, ...]  # in the order the e-mail body gives them
    subject: str
    texts: dict[str, str]  # language → letter
    item_ids: tuple[str, ...]
    message_id: str
    sender: Sender
    number: int = 1  # the n-th recipient of this host and step (file names)
    front: str | None = None  # the CDN written to as the host's front
    legal_basis: str = ""
    items: tuple[NoticeItem, ...] = ()


@dataclass(frozen=True)
class NoRecipient:
    """A host that gets no notice at this step, and why (the recipients lookup's problems)."""

    batch_id: str
    host: str
    step: EscalationStep
    item_ids: tuple[str, ...]
    problems: tuple[str, ...]


@dataclass
class NoticePlan:
    notices: list[Notice] = field(default_factory=list)
    no_recipient: list[NoRecipient] = field(default_factory=list)


@cache
def environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=True)


def known_languages() -> list[str]:
    return sorted(p.name.split(".")[1] for p in TEMPLATES.glob("letter.*.txt.j2"))


def known_legal_bases() -> list[str]:
    return sorted({p.name.split(".")[0] for p in (TEMPLATES / "basis").glob("*.txt.j2")})


def check_choices(legal_basis: str, languages: Sequence[str]) -> None:
    """ConfigError naming the known choices for an unknown basis or language (or a missing
    template of a known one)."""
    if not languages:
        raise ConfigError(f"no notice language chosen: use some of {', '.join(known_languages())}")
    for lang in languages:
        if lang not in known_languages():
            raise ConfigError(f"unknown notice language {lang!r}: use one of "
                              f"{', '.join(known_languages())}")
        if not (TEMPLATES / f"subject.{lang}.txt.j2").exists():
            raise ConfigError(f"notice language {lang!r} has a letter but no subject template")
    if legal_basis not in known_legal_bases():
        raise ConfigError(f"unknown legal basis {legal_basis!r}: use one of "
                          f"{', '.join(known_legal_bases())}")
    for lang in languages:
        if not (TEMPLATES / "basis" / f"{legal_basis}.{lang}.txt.j2").exists():
            raise ConfigError(f"legal basis {legal_basis!r} has no {lang!r} text")


def build_notices(batch: TakedownBatch, rows: Sequence[Mapping[str, Any]],
                  takedown: TakedownSettings, *, step: EscalationStep = "hosting",
                  legal_basis: str | None = None, languages: Sequence[str] | None = None,
                  evidence_refs: Mapping[str, str] | None = None) -> NoticePlan:
    """The notices for one step of a batch: per host, one per usable contact of that step.

    `rows` are `jikimi.takedown.batch_view`'s; withdrawn items (no longer confirmed) and removed
    ones are left out. The legal basis is `legal_basis`, else the batch's, else the settings';
    the languages are `languages`, else the settings'. The regulator step falls back to the
    settings' regulator address when the recipients name none."""
    if step not in ESCALATION:
        raise ConfigError(f"unknown escalation step {step!r}: use one of {', '.join(ESCALATION)}")
    basis_key = legal_basis or batch.legal_basis or takedown.legal_basis
    langs = list(languages if languages is not None else takedown.languages)
    check_choices(basis_key, langs)
    sender = Sender.from_settings(takedown)
    refs = evidence_refs or {}
    by_host: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        if not row.get("withdrawn") and row.get("status") not in DONE:
            by_host.setdefault(str(row["host"]), []).append(row)
    plan = NoticePlan()
    for host, host_rows in sorted(by_host.items()):
        items = tuple(_item(n, row, refs) for n, row in enumerate(host_rows, 1))
        item_ids = tuple(i.item_id for i in items)
        recipients = batch.recipients.get(host)
        contacts = _contacts(recipients.for_step(step) if recipients else [], step, takedown)
        if not contacts:
            problems = tuple(recipients.problems) if recipients else (
                "no recipients were looked up for this host",)
            plan.no_recipient.append(NoRecipient(batch.batch_id, host, step, item_ids,
                                                 problems or (f"no usable {step} contact",)))
            continue
        for number, contact in enumerate(contacts, 1):
            front = _front(contact, recipients.front if recipients else None)
            plan.notices.append(_notice(batch.batch_id, host, step, contact, number, front,
                                        basis_key, langs, items, sender))
    return plan


def _contacts(found: list[Contact], step: EscalationStep,
              takedown: TakedownSettings) -> list[Contact]:
    if not found and step == "regulator" and takedown.regulator_email:
        found = [Contact("regulator", takedown.regulator_email, takedown.regulator_name,
                         source="settings")]
    seen: set[str] = set()
    unique = []
    for contact in found:
        address = (contact.email or "").strip().lower()
        if address and address not in seen:
            seen.add(address)
            unique.append(contact)
    return unique


def _front(contact: Contact, front: str | None) -> str | None:
    """The CDN's name when this contact is a CDN's abuse desk (the host's front)."""
    if contact.role == "cdn":
        return front or contact.organisation or "the CDN"
    if contact.role == "hosting" and front:
        return front
    return None


def _item(number: int, row: Mapping[str, Any], refs: Mapping[str, str]) -> NoticeItem:
    item_id = str(row.get("item_id") or "")
    return NoticeItem(
        item_id=item_id, number=number, media_url=str(row["media_url"]),
        page_url=str(row.get("page_url") or ""), first_seen=utc_text(row.get("first_seen")),
        kind="video" if row.get("kind") == "video" else "image",
        time_ranges=str(row.get("time_ranges") or ""), sha256=str(row.get("sha256") or ""),
        pdq=str(row.get("pdq") or ""), evidence_ref=refs.get(item_id, ""))


def utc_text(value: object) -> str:
    """A moment as `YYYY-MM-DDTHH:MM:SSZ` (naive ones are UTC); "" when there is none."""
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def language_order(langs: Sequence[str], host: str, address: str) -> tuple[str, ...]:
    """Korean first for a .kr host or a .kr address, else English first; others keep their
    configured order after those."""
    korean_first = host.lower().endswith(".kr") or address.lower().rstrip(">").endswith(".kr")
    lead = KOREAN if korean_first else "en"
    return tuple(sorted(langs, key=lambda lang: (lang != lead, langs.index(lang))))


def notice_message_id(batch_id: str, host: str, step: str, address: str, sender: Sender) -> str:
    """The same for every (re-)send of one notice: `<jikimi-notice.<id>@<sender's domain>>`."""
    key = derive_id("takedown-notice", batch_id, host, step, address.strip().lower())
    return f"<jikimi-notice.{key}@{sender.domain}>"


def _notice(batch_id: str, host: str, step: EscalationStep, contact: Contact, number: int,
            front: str | None, basis_key: str, langs: list[str], items: tuple[NoticeItem, ...],
            sender: Sender) -> Notice:
    address = contact.email or ""
    order = language_order(langs, host, address)
    context: dict[str, Any] = {
        "step": step, "host": host, "front": front, "recipient_org": contact.organisation,
        "items": items, "count": len(items), "has_video": any(i.kind == "video" for i in items),
        "batch_id": batch_id, "sender": sender,
        "sender_org": sender.organisation or sender.name,
    }
    env = environment()
    texts, subjects = {}, []
    for lang in order:
        basis = env.get_template(f"basis/{basis_key}.{lang}.txt.j2").render(context).strip()
        texts[lang] = env.get_template(f"letter.{lang}.txt.j2").render(
            context | {"basis": basis}).strip() + "\n"
        subjects.append(" ".join(env.get_template(f"subject.{lang}.txt.j2").render(
            context).split()))
    return Notice(batch_id=batch_id, host=host, step=step, contact=contact, languages=order,
                  subject=" / ".join(subjects), texts=texts,
                  item_ids=tuple(i.item_id for i in items),
                  message_id=notice_message_id(batch_id, host, step, address, sender),
                  sender=sender, number=number, front=front, legal_basis=basis_key,
                  items=items)
