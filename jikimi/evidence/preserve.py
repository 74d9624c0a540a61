"""Preserve a hit: fetch its media and pages again, verify, and lock them away with a record.

One capture per sighting (media URL, page URL) of the hit's media. The media must still hash to
the hit's media id; when it does not (the host re-encoded or replaced it), the bytes are preserved
anyway, since they are what is being served now, and the record says `media_matches_hit: false`.
A media URL that cannot be fetched fails that capture with a clear error and the others go on;
a page that cannot be fetched leaves its error in the record and the media is still kept.
Parts are written before the record, so a record never points at something missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from crawlers.refetch import Fetched, fetch
from jikimi.evidence import capture
from jikimi.review import find_hit
from kernel.errors import FetchRefused, JikimiError
from kernel.ports import Store
from kernel.records import Hit, utcnow
from kernel.settings import Settings
from search.evidence.audited import AuditedEvidence

Fetcher = Callable[..., Fetched]


@dataclass
class CaptureResult:
    media_url: str
    page_url: str
    key: str | None = None  # the capture record's key; None when the capture failed
    media_sha256: str | None = None
    media_matches_hit: bool | None = None
    page_error: str | None = None
    error: str | None = None


@dataclass
class PreserveReport:
    hit_id: str
    media_id: str
    locker: str
    immutable: bool
    captures: list[CaptureResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every sighting captured and every media still the hit's media."""
        return bool(self.captures) and all(
            c.key is not None and c.media_matches_hit for c in self.captures)


def preserve_hit(
    store: Store, evidence: AuditedEvidence, settings: Settings, hit_id: str,
    *, fetcher: Fetcher = fetch,
) -> PreserveReport:
    hit = find_hit(store, hit_id)
    media = store.get_media(hit.media_id)
    max_media = settings.video.max_bytes if media and media.kind == "video" else \
        settings.crawl.max_media_bytes
    report = PreserveReport(hit.hit_id, hit.media_id, evidence.locker.uri,
                            evidence.locker.immutable)

    def get(url: str, max_bytes: int) -> Fetched:
        return fetcher(url, allow_private=settings.evidence.allow_private, max_bytes=max_bytes,
                       timeout=settings.evidence.fetch_timeout,
                       user_agent=settings.crawl.user_agent)

    sightings = sorted({(s.media_url, s.page_url) for s in store.sightings(hit.media_id)})
    if not sightings:
        report.captures.append(CaptureResult("", "", error="the hit's media has no sightings"))
    for media_url, page_url in sightings:
        result = CaptureResult(media_url, page_url)
        report.captures.append(result)
        try:
            _capture(evidence, hit, result, get(media_url, max_media),
                     partial(get, page_url, settings.crawl.max_page_bytes))
        except JikimiError as exc:
            result.error = str(exc)
    evidence.audit("evidence.preserve", hit.hit_id, media_id=hit.media_id, ok=report.ok,
                   captures=[{"key": c.key, "matches": c.media_matches_hit, "error": c.error}
                             for c in report.captures])
    return report


def _capture(
    evidence: AuditedEvidence, hit: Hit, result: CaptureResult, media: Fetched,
    fetch_page: Callable[[], Fetched],
) -> None:
    if not 200 <= media.status < 300:
        raise FetchRefused(f"media {media.url} answered HTTP {media.status}")
    media_part = capture.part(media, capture.media_key(capture.sha256_hex(media.body)))
    result.media_sha256 = media_part["sha256"]
    result.media_matches_hit = media_part["sha256"] == hit.media_id
    evidence.write(media_part["key"], media.body, media.content_type, hit_id=hit.hit_id,
                   part="media", matches_hit=result.media_matches_hit)
    try:
        page = fetch_page()
        page_part = capture.part(page, capture.page_key(capture.sha256_hex(page.body)))
        evidence.write(page_part["key"], page.body, page.content_type, hit_id=hit.hit_id,
                       part="page", status=page.status)
    except FetchRefused as exc:
        result.page_error = str(exc)
        page_part = {"url": result.page_url, "error": str(exc)}
    record = capture.capture_record(
        hit_id=hit.hit_id, expected_sha256=hit.media_id, operator=evidence.actor,
        captured_at=utcnow(), media=media_part, page=page_part,
        locker_uri=evidence.locker.uri, immutable=evidence.locker.immutable)
    body = capture.canonical_json(record)
    key = capture.capture_key(body)
    evidence.write(key, body, "application/json", hit_id=hit.hit_id, part="record")
    result.key = key
