"""Records of takedown work: batches of URLs a takedown team sends, and what became of each URL.

A batch is made from hits an operator confirmed (`records.CONFIRMED_STATES`) and nothing else;
its items are the (media URL, page URL) pairs where that media was seen. Each item is followed on
its own — sent to the host, removed, or refused — with the date of every change, because a host
that answers weeks later, or a URL that comes back, is the norm. They sit apart from
`records.py` because the pipeline never reads them; only the application and the stores do.
Items hold URLs, hashes and hit ids: never a name or a person id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, Literal, get_args

from kernel.errors import StoreError
from kernel.records import derive_id, utcnow

# pending: in a batch, not sent yet; sent: a notice went out; acknowledged: the recipient
# answered that it is dealing with it; removed: the URL no longer serves it; refused: the
# recipient declined. Any mark may follow any other (hosts change their mind).
TakedownStatus = Literal["pending", "sent", "acknowledged", "removed", "refused"]
TAKEDOWN_STATUSES: tuple[TakedownStatus, ...] = get_args(TakedownStatus)
MARKS: tuple[TakedownStatus, ...] = ("sent", "acknowledged", "removed", "refused")
# Whom a notice goes to, in escalation order: a URL with no reply moves to the next step.
EscalationStep = Literal["hosting", "registrar", "regulator"]
ESCALATION: tuple[EscalationStep, ...] = get_args(EscalationStep)
ContactRole = Literal["hosting", "registrar", "cdn", "regulator"]
# What the last re-check of a URL found: gone (404/410, no DNS), the same bytes, other bytes,
# or no answer (timeouts, refused connections: try again later).
CheckResult = Literal["gone", "same", "changed", "unreachable"]
CHECK_RESULTS: tuple[CheckResult, ...] = get_args(CheckResult)
# review: from hits an operator confirmed; family: a re-upload of an item already confirmed
# (same SHA-256, PDQ within distance, or the same video family), confirmed by that family.
ItemOrigin = Literal["review", "family"]
# The reviewer recorded on a hit confirmed by its family rather than by a person: a re-upload
# of media an operator already confirmed (jikimi.takedown.reuploads).
FAMILY_REVIEWER = "jikimi:family"
# The filters a batch may be built with; a batch records those that were given.
FILTER_NAMES = ("host", "site", "case", "since", "until")


@dataclass(frozen=True)
class Contact:
    """One address a notice can go to, and where it came from.

    `email` is None when a source had no usable address (the recipient is then reported as
    missing, not guessed); `placeholder` marks an address RDAP gave that nobody reads
    (redacted, example, "please query the RDDS service…")."""

    role: ContactRole
    email: str | None
    organisation: str = ""
    source: str = ""  # the RDAP URL it came from, or "settings"
    placeholder: bool = False
    note: str = ""  # e.g. a CDN's abuse form, or why there is no address

    @property
    def usable(self) -> bool:
        return bool(self.email) and not self.placeholder


@dataclass
class HostRecipients:
    """Whom to write to about one host: its addresses, the contacts found for it (hosting
    network first, then registrar), the CDN or proxy in front of it if any, and what is
    missing. `front` names the CDN when the addresses are its (it is not the host, but
    forwards reports): then the hosting contact is the CDN's abuse desk."""

    host: str
    addresses: list[str] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    front: str | None = None
    problems: list[str] = field(default_factory=list)
    looked_up_at: datetime = field(default_factory=utcnow)

    def for_step(self, step: EscalationStep) -> list[Contact]:
        """The usable contacts for one escalation step (a CDN front counts as hosting)."""
        roles = {"hosting": ("cdn", "hosting"), "registrar": ("registrar",),
                 "regulator": ("regulator",)}[step]
        return [c for role in roles for c in self.contacts if c.role == role and c.usable]


@dataclass
class TakedownBatch:
    """One batch: who built it, when, with which filters, how many items it got, the legal
    basis its notices cite (a template key) and the recipients found per host."""

    batch_id: str
    created_by: str  # the actor, as the audit log names it (account:<id>, cli:<user>)
    created_at: datetime = field(default_factory=utcnow)
    filters: dict[str, str] = field(default_factory=dict)  # of FILTER_NAMES, those given
    item_count: int = 0
    legal_basis: str = ""
    recipients: dict[str, HostRecipients] = field(default_factory=dict)  # by host


@dataclass
class TakedownItem:
    """One URL pair of a batch and where its takedown stands.

    `status` is the latest mark; `sent_at`, `acknowledged_at`, `removed_at` and `refused_at`
    keep the date of the last mark of each kind, so the history a host report needs survives a
    later change. `sent_to` is the address the latest notice went to and `escalation` the step
    it was at; `checked_at`/`check_result` are the latest re-check of the URL."""

    batch_id: str
    media_url: str
    page_url: str
    host: str  # of the media URL: whom the notice goes to
    media_sha256: str
    hit_ids: list[str]  # the confirmed hits it came from (people may share media); sorted
    status: TakedownStatus = "pending"
    sent_at: datetime | None = None
    removed_at: datetime | None = None
    refused_at: datetime | None = None
    note: str | None = None
    item_id: str = ""
    acknowledged_at: datetime | None = None
    sent_to: str | None = None
    escalation: EscalationStep = "hosting"
    origin: ItemOrigin = "review"
    family_of: str | None = None  # origin "family": the media id of the item it re-uploads
    checked_at: datetime | None = None
    check_result: CheckResult | None = None

    def __post_init__(self) -> None:
        self.hit_ids = sorted(set(self.hit_ids))
        if not self.item_id:
            self.item_id = item_id_for(self.batch_id, self.media_url, self.page_url)


def item_id_for(batch_id: str, media_url: str, page_url: str) -> str:
    return derive_id("takedown-item", batch_id, media_url, page_url)


def with_status(item: TakedownItem, status: TakedownStatus, at: datetime,
                note: str | None = None) -> TakedownItem:
    """The item after one mark: its status, the date of that kind of mark, and the note when
    one is given (else the old note stays). Every store applies marks through this."""
    if status not in TAKEDOWN_STATUSES:
        raise StoreError(f"unknown takedown status {status!r} (one of {TAKEDOWN_STATUSES})")
    changed = replace(item, hit_ids=list(item.hit_ids))
    changed.status = status
    if status != "pending":
        setattr(changed, f"{status}_at", at)
    if note is not None:
        changed.note = note
    return changed


def recipients_to_json(recipients: dict[str, HostRecipients]) -> dict[str, Any]:
    """The recipients of a batch as plain JSON (every store keeps them as one document)."""
    return {host: {**asdict(found), "looked_up_at": found.looked_up_at.isoformat()}
            for host, found in recipients.items()}


def recipients_from_json(data: dict[str, Any]) -> dict[str, HostRecipients]:
    return {host: HostRecipients(
        host=found["host"], addresses=list(found.get("addresses") or []),
        contacts=[Contact(**c) for c in found.get("contacts") or []], front=found.get("front"),
        problems=list(found.get("problems") or []),
        looked_up_at=datetime.fromisoformat(found["looked_up_at"]))
        for host, found in data.items()}


def changed_item(item: TakedownItem, change: Callable[[TakedownItem], TakedownItem]
                 ) -> TakedownItem:
    """`change(item)`, refused when it touches what identifies the item (batch, URLs, hits):
    follow-up changes state, never which URL an item is about."""
    after = change(replace(item, hit_ids=list(item.hit_ids)))
    for name in ("item_id", "batch_id", "media_url", "page_url", "host", "media_sha256"):
        if getattr(after, name) != getattr(item, name):
            raise StoreError(f"a takedown follow-up may not change an item's {name}")
    if after.status not in TAKEDOWN_STATUSES:
        raise StoreError(f"unknown takedown status {after.status!r}")
    return replace(after, hit_ids=list(item.hit_ids))
