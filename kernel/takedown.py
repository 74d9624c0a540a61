"""Records of takedown work: batches of URLs a takedown team sends, and what became of each URL.

A batch is made from hits an operator confirmed (`records.CONFIRMED_STATES`) and nothing else;
its items are the (media URL, page URL) pairs where that media was seen. Each item is followed on
its own — sent to the host, removed, or refused — with the date of every change, because a host
that answers weeks later, or a URL that comes back, is the norm. They sit apart from
`records.py` because the pipeline never reads them; only the application and the stores do.
Items hold URLs, hashes and hit ids: never a name or a person id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from kernel.errors import StoreError
from kernel.records import derive_id, utcnow

# pending: in a batch, not sent yet; sent: a notice went to the host; removed: the URL no longer
# serves it; refused: the host declined. Any mark may follow any other (hosts change their mind).
TakedownStatus = Literal["pending", "sent", "removed", "refused"]
TAKEDOWN_STATUSES: tuple[TakedownStatus, ...] = get_args(TakedownStatus)
MARKS: tuple[TakedownStatus, ...] = ("sent", "removed", "refused")
# The filters a batch may be built with; a batch records those that were given.
FILTER_NAMES = ("host", "site", "case", "since", "until")


@dataclass
class TakedownBatch:
    """One batch: who built it, when, with which filters, and how many items it got."""

    batch_id: str
    created_by: str  # the actor, as the audit log names it (account:<id>, cli:<user>)
    created_at: datetime = field(default_factory=utcnow)
    filters: dict[str, str] = field(default_factory=dict)  # of FILTER_NAMES, those given
    item_count: int = 0


@dataclass
class TakedownItem:
    """One URL pair of a batch and where its takedown stands.

    `status` is the latest mark; `sent_at`, `removed_at` and `refused_at` keep the date of the
    last mark of each kind, so the history a host report needs survives a later change."""

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
    changed = TakedownItem(**{**item.__dict__, "hit_ids": list(item.hit_ids)})
    changed.status = status
    if status != "pending":
        setattr(changed, f"{status}_at", at)
    if note is not None:
        changed.note = note
    return changed
