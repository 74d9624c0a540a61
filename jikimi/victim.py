"""The victim's own view of her case: what was found, in plain words, and what she may do.

She reads it signed in as herself (a victim account names exactly one case), often on a phone
and in distress, so it shows only what helps her: where each finding is (site and page, as text)
and when it was found, and how far its handling has come, never the imagery, a similarity, a
model or an operator's note. A finding is one media item showing her (a video's several tracks
are one finding); hits an operator rejected or found not sexual are not hers to see.

What she may do goes through the same paths as operators, with her account as the actor: "this
is not me" is a `reject` decision (`jikimi.review.decide`), withdrawal is `end_case`. Every read
and change is in the audit log on her case.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from jikimi.accounts.access import require_case
from jikimi.cases import audit, end_case
from jikimi.review import decide
from kernel.accounts import Account
from kernel.cases import Case
from kernel.errors import CaseError, NotFound
from kernel.ports import Store
from kernel.records import Hit
from kernel.settings import Settings
from kernel.takedown import TakedownItem

VictimStatus = Literal["under_review", "confirmed", "takedown_sent", "refused", "removed"]
# When a media item has several hits (a video's tracks), the furthest along is what she reads.
PROGRESS: tuple[VictimStatus, ...] = ("under_review", "confirmed", "takedown_sent", "refused",
                                      "removed")
NOT_ME_NOTE = "she said this is not her (portal, 'this is not me')"


def victim_status(hit: Hit, takedown: Sequence[TakedownItem] = ()) -> VictimStatus | None:
    """How one hit reads to her, or None when she is not shown it (rejected, not sexual).

    A confirmed hit reads "takedown sent" once a takedown team marked one of its URLs sent (or
    removed, while others are still up), "refused" when a host refused, else "confirmed"; a hit
    whose every URL was removed is "taken_down" and reads "removed". `takedown` is the batch
    items of the hit's media. "escalated" (a suspected minor) is never named to her: it reads
    "under review".
    """
    match hit.review_state:
        case "new" | "escalated":
            return "under_review"
        case "confirmed":
            marks = {item.status for item in takedown if hit.hit_id in item.hit_ids}
            if "refused" in marks:
                return "refused"
            if marks & {"sent", "acknowledged", "removed"}:
                return "takedown_sent"
            return "confirmed"
        case "taken_down":
            return "removed"
        case _:
            return None


@dataclass(frozen=True)
class Finding:
    """One media item found showing her, as she reads it."""

    finding_id: str  # the hit she acts on: the earliest shown hit of the media
    hit_ids: tuple[str, ...]  # every shown hit of the media ("this is not me" rejects them all)
    status: VictimStatus
    host: str  # "" when no sighting names a page
    pages: tuple[str, ...]  # page URLs, first seen first
    found_at: datetime


def her_case(store: Store, account: Account) -> Case | None:
    """The case on her account (AccessDenied for an account that may not see it)."""
    if account.case_id is None:
        return None
    require_case(account, account.case_id)
    return store.get_case(account.case_id)


def findings(store: Store, case: Case) -> list[Finding]:
    """Her findings, newest first."""
    if case.person_id is None:
        return []
    by_media: dict[str, list[tuple[Hit, VictimStatus]]] = {}
    items: dict[str, list[TakedownItem]] = {}
    for hit in sorted(store.hits(case.person_id), key=lambda h: (h.created_at, h.hit_id)):
        if hit.media_id not in items:
            items[hit.media_id] = _takedown_items(store, hit.media_id)
        status = victim_status(hit, items[hit.media_id])
        if status is not None:
            by_media.setdefault(hit.media_id, []).append((hit, status))
    found = [_finding(store, media_id, shown) for media_id, shown in by_media.items()]
    return sorted(found, key=lambda f: (f.found_at, f.finding_id), reverse=True)


def _takedown_items(store: Store, media_id: str) -> list[TakedownItem]:
    """Every batch item of the media's URLs (each once)."""
    found: dict[str, TakedownItem] = {}
    for sighting in store.sightings(media_id):
        for item in store.takedown_items_by_url(sighting.media_url):
            found.setdefault(item.item_id, item)
    return list(found.values())


def find_finding(store: Store, case: Case, hit_id: str) -> Finding:
    """Her finding that holds this hit; NotFound for any hit she is not shown (someone else's
    included: another case's hits do not exist, as far as she can tell)."""
    for finding in findings(store, case):
        if hit_id in finding.hit_ids:
            return finding
    raise NotFound("no such finding in this case")


def read_findings(store: Store, case: Case, actor: str) -> list[Finding]:
    shown = findings(store, case)
    audit(store, "victim.findings", actor, case.case_id, shown=len(shown))
    return shown


def not_me(store: Store, case: Case, hit_id: str, actor: str) -> Finding:
    """She says a finding is not her: every shown hit of it is rejected, as an operator's
    decision would be, with her account as the deciding actor."""
    require_open(case)
    finding = find_finding(store, case, hit_id)
    for each in finding.hit_ids:
        decide(store, each, "reject", actor, note=NOT_ME_NOTE)
    audit(store, "victim.not_me", actor, case.case_id, hits=list(finding.hit_ids))
    return finding


def withdraw(store: Store, settings: Settings, case: Case, actor: str) -> dict[str, Any]:
    """She withdraws her consent: the case ends through the operators' own path, which erases
    her person with everything derived from her (audited with her account)."""
    require_open(case)
    return end_case(store, settings, case.case_id, "withdrawn", actor)


def require_open(case: Case) -> None:
    if case.status != "open":
        raise CaseError(f"case {case.case_id} is {case.status}")


def _finding(store: Store, media_id: str, shown: list[tuple[Hit, VictimStatus]]) -> Finding:
    sightings = sorted(store.sightings(media_id), key=lambda s: (s.first_seen, s.page_url))
    pages = tuple(_unique(s.page_url for s in sightings if s.page_url))
    return Finding(
        finding_id=shown[0][0].hit_id, hit_ids=tuple(hit.hit_id for hit, _ in shown),
        status=max((status for _, status in shown), key=PROGRESS.index),
        host=(urlsplit(pages[0]).hostname or "") if pages else "", pages=pages,
        found_at=shown[0][0].created_at)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
