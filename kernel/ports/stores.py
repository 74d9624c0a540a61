"""Storage ports: the store (combined from small media, person, case, hit, account and takedown
stores, HMA-style), the optional face-search capability, and blob stores.

Every port has a contract test suite in `tests/contracts/` that each adapter (SQLite, in-memory,
Elasticsearch, local folder, S3, …) must pass unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from kernel.accounts import Account, ApiToken, WebSession
from kernel.cases import Case
from kernel.preferences import NotificationPreferences
from kernel.records import (
    Alert,
    AuditEvent,
    Face,
    FetchRecord,
    Hit,
    Media,
    Person,
    Sighting,
    Template,
)
from kernel.takedown import HostRecipients, TakedownBatch, TakedownItem, TakedownStatus


# --------------------------------------------------------------------------------- storage ---
@runtime_checkable
class PdqLookup(Protocol):
    """A store that finds enriched media by exact PDQ hash, by index (enrichment reuses the
    faces of an image with identical pixels; stores without it just never reuse)."""

    def media_with_pdq(self, pdq: str, limit: int = 20) -> list[Media]:
        """Enriched media whose PDQ is exactly `pdq`, oldest first, at most `limit`."""


@runtime_checkable
class MediaStore(Protocol):
    """Media, where it was seen, what the crawler fetched, and the faces found in it."""

    def upsert_media(self, media: Media) -> bool:
        """Insert new media (returns True) or refresh `last_seen` of known media (False)."""

    def get_media(self, media_id: str) -> Media | None: ...

    def add_sighting(self, sighting: Sighting) -> None:
        """Upsert on (media_id, media_url, page_url); a repeat only moves `last_seen`."""

    def sightings(self, media_id: str) -> list[Sighting]: ...

    def record_fetch(self, record: FetchRecord) -> None: ...

    def get_fetch(self, url: str) -> FetchRecord | None: ...

    def sequences(self) -> Iterator[Media]:
        """Enriched media analysed as a sequence of frames (videos, animated images), oldest
        first, with their frame hashes in `info`: the candidates for media-family matching."""

    def media_to_enrich(self, limit: int | None = None) -> list[Media]:
        """Media with status "new", oldest first."""

    def save_enrichment(self, media: Media, faces: Sequence[Face]) -> None:
        """Atomically store enrichment results: media fields (status "enriched") and its faces."""

    def set_media_error(self, media_id: str, error: str) -> None:
        """Record a per-item failure (status "error"); the batch goes on."""

    def faces(self, model_id: str, *, unmatched_only: bool = False) -> Iterator[Face]: ...

    def get_face(self, face_id: str) -> Face | None: ...

    def mark_faces_matched(self, face_ids: Iterable[str]) -> None: ...

    def list_media(self) -> list[Media]: ...

    def expired_media(self, before: datetime, limit: int) -> list[str]:
        """Ids of stranger media past retention, oldest `last_seen` first, at most `limit`:
        analysed (status not "new"), last seen before `before` (the media and every sighting of
        it), with no hit (in any review state) and no alert."""

    def delete_media(self, media_ids: Sequence[str]) -> dict[str, int]:
        """Delete these media records with their sightings, faces and fetch records (a later
        crawl then downloads and analyses the media afresh). Media that has a hit or an alert
        is never deleted: it is skipped and counted as "refused". Unknown ids are no-ops.
        Returns counts: media, sightings, faces, fetches, refused."""


@runtime_checkable
class PersonStore(Protocol):
    """Enrolled people and their encrypted templates."""

    def add_person(self, person: Person, templates: Sequence[Template]) -> None: ...

    def get_person(self, person_id: str) -> Person | None: ...

    def list_persons(self) -> list[Person]: ...

    def templates(self, model_id: str) -> list[Template]: ...

    def template_models(self) -> list[str]:
        """Model ids that at least one enrolled template was made with, sorted."""

    def save_calibration(self, person_id: str, model_id: str, data: bytes) -> None:
        """Upsert the person's calibration record for one model (opaque bytes: a background
        score sketch, search/calibration.py). NotFound when the person is not enrolled."""

    def load_calibration(self, person_id: str, model_id: str) -> bytes | None:
        """The record last saved for (person, model), or None."""

    def delete_person(self, person_id: str) -> dict[str, int]:
        """Erase the person, templates, calibration records, hits and alerts; return counts of
        persons, templates, hits and alerts removed. Her case (if any) stays for the audit but
        loses what could identify her: its note is erased, and an open case becomes "withdrawn"
        (with `closed_at`)."""


@runtime_checkable
class CaseStore(Protocol):
    """Cases: verified identity and recorded consent behind an enrollment (kernel/cases.py)."""

    def add_case(self, case: Case) -> bool:
        """Insert; False (and nothing changed) when a case with this id exists."""

    def get_case(self, case_id: str) -> Case | None: ...

    def list_cases(self, status: str | None = None) -> list[Case]:
        """Cases oldest first (by `created_at`, then id), optionally only those in `status`."""

    def update_case(self, case: Case) -> None:
        """Replace the stored case (its `created_at` is kept); NotFound when unknown."""

    def case_of_person(self, person_id: str) -> Case | None:
        """The case the person was enrolled in, or None (people enrolled before cases)."""


@runtime_checkable
class HitStore(Protocol):
    """Hits (face matched a person) and alerts (one per person and media)."""

    def upsert_hit(self, hit: Hit) -> bool:
        """Insert (True) or keep the existing hit, raising its similarity if higher (False)."""

    def hits(self, person_id: str | None = None) -> list[Hit]: ...

    def add_alert(self, alert: Alert) -> bool:
        """Insert if no alert exists for (person, media); False when one already does."""

    def alerts(self, person_id: str | None = None, status: str | None = None) -> list[Alert]: ...

    def record_delivery(
        self, alert_id: str, channel: str, *, ok: bool, error: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Record one delivery attempt on one channel (outbox, smtp, webhook)."""

    def set_alert_status(self, alert_id: str, status: str) -> None: ...

    def set_review_state(
        self, hit_id: str, state: str, reviewer: str | None = None, note: str | None = None
    ) -> None:
        """Record a human review of a hit (new, confirmed, rejected, taken_down) and when."""

    def record_audit(self, event: AuditEvent) -> None:
        """Append to the audit log (idempotent on `event.event_id`)."""

    def audit_events(self, subject: str | None = None) -> list[AuditEvent]:
        """Audit events, oldest first, optionally only those about one subject id."""

    def redact_audit(self, ids: Collection[str]) -> int:
        """Replace every mention of `ids` (subject or detail) by a placeholder, keeping the
        events themselves (erasure); returns the number of events changed."""


@runtime_checkable
class Reencryptable(Protocol):
    """A store that can re-encrypt every value it holds encrypted under its cipher's current
    key (`jikimi keys rotate`), idempotently, committing in batches so a crash loses nothing."""

    def reencrypt(self) -> dict[str, int]: ...


@runtime_checkable
class AccountStore(Protocol):
    """Portal accounts, their API tokens and their server-side web sessions.

    The store keeps what the records hold and decides nothing: policy (lockout, expiry, idle
    time) is the application's (`jikimi.accounts`). Usernames are unique by `username_key`
    (case-insensitive); adapters may keep usernames and password hashes encrypted at rest.
    """

    def add_account(self, account: Account) -> None:
        """Insert; AlreadyExists when the username (case-insensitively) or the id is taken."""

    def get_account(self, account_id: str) -> Account | None: ...

    def get_account_by_username(self, username: str) -> Account | None:
        """The account whose `username_key` equals this one's, or None."""

    def list_accounts(self) -> list[Account]:
        """Every account, oldest first (then by id)."""

    def update_account(self, account: Account) -> None:
        """Store every field of the account but its username and created_at, which stay as
        they are. NotFound when there is no account with this id."""

    def record_login_failure(
        self, account_id: str, *, max_failures: int, lock_until: datetime
    ) -> Account:
        """Atomically count one failed sign-in: `failed_logins` + 1, and once it reaches
        `max_failures`, set `locked_until = lock_until` and the count back to 0. Concurrent
        failures are all counted. Returns the account as stored; NotFound when unknown."""

    def add_token(self, token: ApiToken) -> None:
        """Insert; AlreadyExists when its id or hash is taken."""

    def find_token(self, token_hash: str) -> ApiToken | None:
        """The token with this hash, revoked or expired ones included, or None."""

    def touch_token(self, token_hash: str, at: datetime) -> None:
        """Set `last_used`; unknown hashes are ignored."""

    def revoke_token(self, token_id: str, at: datetime) -> bool:
        """Set `revoked_at` (a second revocation keeps the first time); False when unknown."""

    def list_tokens(self, account_id: str | None = None) -> list[ApiToken]:
        """Tokens, revoked ones included, oldest first (then by id), of one account or all."""

    def create_session(self, session: WebSession) -> None:
        """Insert; AlreadyExists when a session with this hash exists."""

    def get_session(self, session_hash: str) -> WebSession | None: ...

    def touch_session(self, session_hash: str, at: datetime) -> None:
        """Set `last_seen`; unknown hashes are ignored."""

    def delete_session(self, session_hash: str) -> bool:
        """False when there was no such session."""

    def delete_account_sessions(self, account_id: str) -> int:
        """End every session of the account (sign-out everywhere); returns how many."""

    def delete_stale_sessions(self, *, expired_at: datetime, idle_since: datetime) -> int:
        """Delete sessions with `expires_at <= expired_at` or `last_seen < idle_since`."""


@runtime_checkable
class TakedownStore(Protocol):
    """Takedown batches and the status of each of their URLs (`kernel.takedown`).

    The store keeps what it is given: which hits may go into a batch (confirmed ones only) is
    the application's rule (`jikimi.takedown`). Item ids are derived from (batch, media URL,
    page URL), so a batch holds each URL pair once.
    """

    def add_takedown_batch(self, batch: TakedownBatch, items: Sequence[TakedownItem]) -> None:
        """Store a batch with its items (all of one batch id). AlreadyExists when the batch id
        is taken. A batch is listed only once all its items are stored (in one transaction
        where the backend has them)."""

    def takedown_batches(self) -> list[TakedownBatch]:
        """Every batch, newest first (then by id)."""

    def get_takedown_batch(self, batch_id: str) -> TakedownBatch | None: ...

    def takedown_items(self, batch_id: str) -> list[TakedownItem]:
        """The batch's items by host, media URL, page URL ([] for an unknown batch)."""

    def set_takedown_status(
        self, item_id: str, status: TakedownStatus, at: datetime, note: str | None = None
    ) -> TakedownItem:
        """Apply one mark (`kernel.takedown.with_status`) and return the item as stored.
        NotFound when there is no such item; StoreError for an unknown status."""

    def takedown_items_by_url(self, url: str) -> list[TakedownItem]:
        """Items of every batch whose media URL or page URL is `url`, oldest batch first."""

    def takedown_items_in(self, statuses: Iterable[TakedownStatus]) -> list[TakedownItem]:
        """Items of every batch whose status is one of `statuses`, oldest batch first (then
        by host, media URL, page URL): what follow-up and reports walk."""

    def update_takedown_batch(self, batch_id: str, *, legal_basis: str | None = None,
                              recipients: Mapping[str, HostRecipients] | None = None
                              ) -> TakedownBatch:
        """Set the batch's legal basis and/or its recipients by host (what is None stays);
        return the batch as stored. NotFound for an unknown batch."""

    def change_takedown_item(self, item_id: str,
                             change: Callable[[TakedownItem], TakedownItem]) -> TakedownItem:
        """Apply `change` to the stored item atomically (`kernel.takedown.changed_item`:
        follow-up fields only) and return it as stored. NotFound when there is no such item."""

    def forget_takedown_hits(self, hit_ids: Iterable[str]) -> int:
        """Erasure: take these hit ids out of every item and delete the items left with none;
        returns how many items were deleted. Batches keep their recorded item count."""


class PreferenceStore(Protocol):
    """Each case's notification preferences (kernel/preferences.py), one record per case."""

    def get_preferences(self, case_id: str) -> NotificationPreferences | None:
        """The stored record, or None (delivery then uses the defaults)."""

    def save_preferences(self, prefs: NotificationPreferences) -> None:
        """Insert or replace the case's record."""

    def delete_preferences(self, case_id: str) -> bool:
        """Erase the case's record (her erasure); False when there was none."""


class CrawlMarkStore(Protocol):
    """Small notes a crawl of a site leaves for the next one, for incremental crawling: the
    newest Telegram post seen per channel, the `lastmod`/`updated` last seen per sitemap or feed
    entry. Keys and values are short strings the crawler chooses; nothing about a person."""

    def crawl_marks(self, site: str, prefix: str = "") -> dict[str, str]:
        """Every mark of `site` whose key starts with `prefix`."""

    def set_crawl_marks(self, site: str, marks: Mapping[str, str]) -> None:
        """Insert or replace these marks of `site` (others stay)."""

    def delete_crawl_marks(self, site: str) -> int:
        """Forget every mark of `site` (the next crawl starts over); returns how many."""


@runtime_checkable
class Store(MediaStore, PersonStore, CaseStore, HitStore, AccountStore, TakedownStore,
            PreferenceStore, CrawlMarkStore, Protocol):
    """A complete backend: the embedded SQLite store, later Elasticsearch."""

    def stats(self) -> dict[str, int]:
        """Counts: media, media_error, sightings, faces, persons, templates, hits, alerts,
        alerts_pending."""

    def close(self) -> None: ...


@runtime_checkable
class FaceSearch(Protocol):
    """Optional Store capability: find stored faces close to an enrolled person's templates.

    Retroactive matching (`search.matching.match_person`) uses it when the store has it, e.g.
    Elasticsearch kNN instead of streaming every face. It takes `Template`s, not vectors, and an
    adapter refuses templates it does not hold for that person: it is not a search by arbitrary
    face. It yields at least every face of the templates' model whose cosine similarity with
    some template is >= `min_similarity`, as (face, index into `templates`, similarity); it may
    yield a few more, so callers recompute similarities exactly as they would have anyway.
    """

    def search_faces(
        self, templates: Sequence[Template], min_similarity: float
    ) -> Iterator[tuple[Face, int, float]]: ...


@runtime_checkable
class BlobStore(Protocol):
    """Bytes under keys: raw media awaiting enrichment, kept evidence. Chosen by URI scheme."""

    uri: str

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes:
        """Raise `kernel.errors.NotFound` when the key is absent."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Idempotent: deleting a missing key is not an error."""

    def keys(self, prefix: str = "") -> Iterator[str]: ...
