"""Per-batch evidence bundles: every URL of a takedown batch fetched again and sealed at once.

A notice must point at proof of what the URL served when it was sent, in a form a host, a
regulator or a court can check without jikimi: a WARC (ISO 28500) of every page and media
fetch, a capture log (one JSON line per fetch, failures included) and a SHA-256 manifest over
both. They are stored under `bundles/<batch_id>/<bundle_id>/` in the evidence locker — the WARC
and the log first, the manifest last, so a manifest never points at something missing. A fetch
that fails (refused address, unreachable host, a 404) is logged with its error and the rest goes
on: one bad URL never loses the bundle. Each item gets an evidence reference its notice cites
(`bundle:<batch>/<bundle>#<WARC-Record-ID>` plus the payload's SHA-256). Nothing here carries a
person's name or id: items hold URLs and hashes. `bundle_verify` checks a bundle again.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crawlers.refetch import Fetched, fetch
from jikimi import __version__
from jikimi.evidence.capture import canonical_json, sha256_hex
from jikimi.evidence.warc import open_writer, write_exchange, write_warcinfo
from kernel.errors import ConfigError, JikimiError, NotFound
from kernel.ports import Store
from kernel.records import utcnow
from kernel.settings import Settings
from kernel.takedown import TakedownItem
from search.evidence.audited import AuditedEvidence

Fetcher = Callable[..., Fetched]
SCHEMA = "jikimi-evidence-bundle/1"
BUNDLE_PREFIX = "bundles/"
WARC_NAME, LOG_NAME, MANIFEST_NAME = "bundle.warc.gz", "capture-log.jsonl", "manifest.json"
CONTENT_TYPES = {WARC_NAME: "application/warc", LOG_NAME: "application/x-ndjson",
                 MANIFEST_NAME: "application/json"}


@dataclass
class ItemEvidence:
    """What the bundle holds for one item, and the reference its notice cites: the media's
    response record when the media URL answered 2xx, else the page's, else None."""

    item_id: str
    media_url: str
    page_url: str
    expected_media_sha256: str  # the media the item was confirmed on
    media_sha256: str | None = None  # what the media URL serves now
    media_matches_item: bool | None = None  # still the bytes the item was confirmed on
    media_record: str | None = None  # WARC-Record-ID of the media's response
    page_record: str | None = None
    reference: str | None = None  # bundle:<batch_id>/<bundle_id>#urn:uuid:…
    reference_sha256: str | None = None  # the cited record's payload SHA-256
    errors: list[str] = field(default_factory=list)

    @property
    def citation(self) -> str | None:
        """One line for a notice: the reference and the payload hash."""
        return f"{self.reference} sha256:{self.reference_sha256}" if self.reference else None


@dataclass
class BundleReport:
    bundle_id: str
    batch_id: str
    prefix: str  # bundles/<batch_id>/<bundle_id>/
    keys: dict[str, str]  # file name -> locker key
    manifest_sha256: str
    sizes: dict[str, int]  # file name -> bytes
    urls: int = 0
    captured: int = 0  # answered 2xx and archived
    failed: int = 0  # refused, unreachable, or answered otherwise (still archived if answered)
    errors: list[str] = field(default_factory=list)
    items: dict[str, ItemEvidence] = field(default_factory=dict)  # by item_id
    out_dir: str | None = None

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def citation(self, item_id: str) -> str | None:
        """The evidence reference a notice about `item_id` cites (None: nothing captured)."""
        item = self.items.get(item_id)
        return item.citation if item else None


def bundle_prefix(batch_id: str, bundle_id: str) -> str:
    return f"{BUNDLE_PREFIX}{batch_id}/{bundle_id}/"


def build_bundle(
    store: Store, evidence: AuditedEvidence, settings: Settings, batch_id: str,
    *, fetcher: Fetcher = fetch, allow_private: bool | None = None,
    out_dir: Path | None = None,
) -> BundleReport:
    """Fetch every page and media URL of the batch, store the WARC, log and manifest, audit it.
    `allow_private` defaults to `evidence.allow_private`; `out_dir` also gets the three files."""
    if store.get_takedown_batch(batch_id) is None:
        raise NotFound(f"no takedown batch {batch_id!r}")
    items = store.takedown_items(batch_id)
    if out_dir is not None and any((out_dir / name).exists() for name in CONTENT_TYPES):
        raise ConfigError(f"{out_dir} already holds a bundle; give an empty folder")
    private = settings.evidence.allow_private if allow_private is None else allow_private
    created = utcnow()
    bundle_id = f"{created:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    prefix = bundle_prefix(batch_id, bundle_id)

    def get(url: str, max_bytes: int) -> Fetched:
        return fetcher(url, allow_private=private, max_bytes=max_bytes,
                       timeout=settings.evidence.fetch_timeout,
                       user_agent=settings.crawl.user_agent)

    warc = io.BytesIO()
    write_warcinfo(open_writer(warc), WARC_NAME, {
        "software": f"jikimi {__version__}", "format": "WARC File Format 1.1",
        "jikimi-batch": batch_id, "jikimi-bundle": bundle_id, "operator": evidence.actor,
        "created": _utc_text(created)})
    log = [_fetch_one(warc, kind, url, ids, get, _limit(store, settings, kind, items, ids),
                      settings.crawl.user_agent) for (kind, url), ids in _wanted(items).items()]
    files = {WARC_NAME: warc.getvalue(),
             LOG_NAME: b"".join(canonical_json(entry) + b"\n" for entry in log)}
    evidence_items = {item.item_id: _item_evidence(item, log, batch_id, bundle_id)
                      for item in items}
    manifest = _manifest(bundle_id, batch_id, created, evidence, files, log, evidence_items)
    files[MANIFEST_NAME] = manifest
    keys = {name: prefix + name for name in files}
    for name in (WARC_NAME, LOG_NAME, MANIFEST_NAME):  # the manifest last
        evidence.write(keys[name], files[name], CONTENT_TYPES[name], batch=batch_id,
                       bundle=bundle_id, part=name)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (out_dir / name).write_bytes(data)
    failed = [e for e in log if e["error"]]
    report = BundleReport(
        bundle_id, batch_id, prefix, keys, sha256_hex(manifest),
        {name: len(data) for name, data in files.items()}, urls=len(log),
        captured=len(log) - len(failed), failed=len(failed),
        errors=[f"{e['kind']} {e['url']}: {e['error']}" for e in failed],
        items=evidence_items, out_dir=str(out_dir) if out_dir else None)
    evidence.audit("evidence.bundle", prefix, batch=batch_id, bundle=bundle_id,
                   items=len(items), urls=report.urls, captured=report.captured,
                   failed=report.failed, manifest_sha256=report.manifest_sha256,
                   out=report.out_dir)
    return report


def _wanted(items: list[TakedownItem]) -> dict[tuple[str, str], list[str]]:
    """Each URL once, media first, with the items it serves (items often share a page)."""
    wanted: dict[tuple[str, str], list[str]] = {}
    for kind in ("media", "page"):
        for item in items:
            url = item.media_url if kind == "media" else item.page_url
            wanted.setdefault((kind, url), []).append(item.item_id)
    return wanted


def _limit(store: Store, settings: Settings, kind: str, items: list[TakedownItem],
           item_ids: list[str]) -> int:
    if kind == "page":
        return settings.crawl.max_page_bytes
    ids = set(item_ids)
    kinds = {getattr(store.get_media(i.media_sha256), "kind", None)
             for i in items if i.item_id in ids}
    return settings.video.max_bytes if "video" in kinds else settings.crawl.max_media_bytes


def _fetch_one(warc: io.BytesIO, kind: str, url: str, item_ids: list[str],
               get: Callable[[str, int], Fetched], max_bytes: int, user_agent: str
               ) -> dict[str, Any]:
    """One capture log entry; the exchange is appended to `warc` only when fully written."""
    entry: dict[str, Any] = {
        "url": url, "kind": kind, "item_ids": item_ids, "fetched_at": _utc_text(utcnow()),
        "status": None, "final_url": None, "redirects": [], "sha256": None, "bytes": None,
        "warc_record_id": None, "request_record_id": None, "error": None}
    try:
        fetched = get(url, max_bytes)
    except JikimiError as exc:
        entry["error"] = str(exc)
        return entry
    entry.update(fetched_at=_utc_text(fetched.fetched_at), status=fetched.status,
                 final_url=fetched.final_url, redirects=list(fetched.redirects),
                 sha256=sha256_hex(fetched.body), bytes=len(fetched.body))
    part = io.BytesIO()
    try:
        response_id, request_id = write_exchange(open_writer(part), fetched, user_agent)
    except Exception as exc:  # a header warcio cannot write must not lose the bundle
        entry["error"] = f"could not archive the answer: {type(exc).__name__}: {exc}"
        return entry
    warc.write(part.getvalue())
    entry.update(warc_record_id=response_id, request_record_id=request_id)
    if not 200 <= fetched.status < 300:
        entry["error"] = f"answered HTTP {fetched.status}"
    return entry


def _item_evidence(item: TakedownItem, log: list[dict[str, Any]], batch_id: str,
                   bundle_id: str) -> ItemEvidence:
    found = ItemEvidence(item.item_id, item.media_url, item.page_url, item.media_sha256)
    by_url = {(e["kind"], e["url"]): e for e in log}
    media, page = by_url[("media", item.media_url)], by_url[("page", item.page_url)]
    found.errors = [f"{e['kind']}: {e['error']}" for e in (media, page) if e["error"]]
    if media["warc_record_id"] and not media["error"]:
        found.media_sha256 = media["sha256"]
        found.media_matches_item = media["sha256"] == item.media_sha256
        found.media_record = media["warc_record_id"]
    if page["warc_record_id"] and not page["error"]:
        found.page_record = page["warc_record_id"]
    cited = media if found.media_record else page if found.page_record else None
    if cited is not None:
        found.reference = reference(batch_id, bundle_id, cited["warc_record_id"])
        found.reference_sha256 = cited["sha256"]
    return found


def reference(batch_id: str, bundle_id: str, record_id: str) -> str:
    """`bundle:<batch_id>/<bundle_id>#urn:uuid:…`: where the proof is, and which record."""
    return f"bundle:{batch_id}/{bundle_id}#{record_id.strip('<>')}"


def _manifest(bundle_id: str, batch_id: str, created: Any, evidence: AuditedEvidence,
              files: dict[str, bytes], log: list[dict[str, Any]],
              items: dict[str, ItemEvidence]) -> bytes:
    doc: dict[str, Any] = {
        "schema": SCHEMA, "bundle_id": bundle_id, "batch_id": batch_id,
        "created": _utc_text(created), "tool": f"jikimi {__version__}",
        "operator": evidence.actor,
        "locker": {"uri": evidence.locker.uri, "immutable": evidence.locker.immutable},
        "files": {name: {"sha256": sha256_hex(data), "bytes": len(data)}
                  for name, data in files.items()},
        "captures": [{k: e[k] for k in ("url", "kind", "final_url", "status", "item_ids",
                                        "warc_record_id", "request_record_id")}
                     | {"payload_sha256": e["sha256"], "bytes": e["bytes"]}
                     for e in log if e["warc_record_id"]],
        "failed": [{k: e[k] for k in ("url", "kind", "item_ids", "error")}
                   for e in log if not e["warc_record_id"]],
        "items": [{k: v for k, v in asdict(i).items() if k != "errors"}
                  | {"citation": i.citation} for i in items.values()],
    }
    return seal(doc)


def seal(doc: dict[str, Any]) -> bytes:
    """The manifest as canonical JSON with `manifest_sha256`: the hash of everything else."""
    body = {k: v for k, v in doc.items() if k != "manifest_sha256"}
    return canonical_json(body | {"manifest_sha256": sha256_hex(canonical_json(body))})


def _utc_text(moment: Any) -> str:
    return str(moment.isoformat()).replace("+00:00", "Z")
