"""Takedown exports: URL batches grouped by host, with the evidence a host or platform needs.

One row per (media URL, page URL) where a matched face was seen. Rows carry the media's SHA-256
and PDQ so receivers can find copies, and a pseudonymous person reference — never a name, e-mail
or internal person id. Only hits an operator confirmed are in it: unreviewed, rejected,
not-sexual and escalated hits never are.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from kernel.errors import ConfigError
from kernel.ports import Store
from kernel.records import CONFIRMED_STATES, Evidence, Hit, Sighting, utcnow
from kernel.timeranges import format_ranges, media_time_ranges

FIELDS = [
    "host", "media_url", "page_url", "sha256", "pdq", "first_seen", "last_seen",
    "similarity", "model", "person_ref", "review_state", "kind", "time_ranges", "family_id",
    "fake_score", "score_basis", "evidence",
]


@dataclass
class ExportRow:
    host: str
    media_url: str
    page_url: str
    sha256: str
    pdq: str
    first_seen: str
    last_seen: str
    similarity: float
    model: str
    person_ref: str
    review_state: str
    kind: str = "image"
    time_ranges: str = ""  # video: where the person appears, e.g. "0:03–0:07, 0:12"
    family_id: str = ""  # near-duplicate family (re-encodes of one video share it)
    fake_score: float | None = None
    score_basis: str = "none"
    evidence: str = ""  # names of the synthetic-media signals that said something


HitFilter = Callable[[Hit], bool]
SightingFilter = Callable[[Sighting], bool]


def export_rows(store: Store, sample_fps: float = 1.0) -> list[ExportRow]:
    """Rows of confirmed hits only (an operator said it is her and sexual content), sorted by
    host, then media URL. Matching video frames one sampling
    interval apart (the media's own, else 1 / `sample_fps`) are one time range."""
    return [row for row, _ in sourced_rows(store, sample_fps)]


def sourced_rows(
    store: Store, sample_fps: float = 1.0, *, keep_hit: HitFilter | None = None,
    keep_sighting: SightingFilter | None = None,
) -> list[tuple[ExportRow, list[str]]]:
    """`export_rows`, each row with the ids of the hits it came from, narrowed by filters
    (takedown batches: `jikimi.takedown`). The filters only narrow: a hit outside
    `CONFIRMED_STATES` is never kept, whatever `keep_hit` says."""
    # (media, person) → best similarity, model, review state
    best: dict[tuple[str, str], tuple[float, str, str]] = {}
    times: dict[tuple[str, str], list[float]] = {}
    hit_ids: dict[tuple[str, str], list[str]] = {}
    for hit in store.hits():
        if hit.review_state not in CONFIRMED_STATES:  # unreviewed, rejected, not sexual, …
            continue
        if keep_hit is not None and not keep_hit(hit):
            continue
        key = (hit.media_id, hit.person_id)
        times.setdefault(key, []).extend(hit.frame_times)
        hit_ids.setdefault(key, []).append(hit.hit_id)
        if key not in best or hit.similarity > best[key][0]:
            best[key] = (hit.similarity, hit.model_id, hit.review_state)
    refs = {p.person_id: p.ref for p in store.list_persons()}
    rows = []
    for (media_id, person_id), (score, model, state) in best.items():
        media = store.get_media(media_id)
        ranges = format_ranges(media_time_ranges(times[(media_id, person_id)], media,
                                                 sample_fps))
        for sighting in store.sightings(media_id):
            if keep_sighting is not None and not keep_sighting(sighting):
                continue
            rows.append((ExportRow(
                host=urlsplit(sighting.media_url).hostname or "",
                media_url=sighting.media_url, page_url=sighting.page_url, sha256=media_id,
                pdq=(media.pdq or "") if media else "",
                first_seen=sighting.first_seen.isoformat(),
                last_seen=sighting.last_seen.isoformat(), similarity=round(score, 4),
                model=model, person_ref=refs.get(person_id, ""), review_state=state,
                kind=media.kind if media else "", time_ranges=ranges,
                family_id=(media.family_id or "") if media else "",
                fake_score=media.fake_score if media else None,
                score_basis=media.score_basis if media else "none",
                evidence="; ".join(_said(media.evidence)) if media else "",
            ), sorted(hit_ids[(media_id, person_id)])))
    rows.sort(key=lambda r: (r[0].host, r[0].media_url, r[0].page_url, r[0].person_ref))
    return rows


def _said(evidence: list[Evidence]) -> list[str]:
    return [e.name for e in evidence if e.kind != "note"]


def render_export(
    store: Store, fmt: Literal["csv", "json"] | str, sample_fps: float = 1.0
) -> tuple[int, bytes]:
    """The batch as UTF-8 bytes in `fmt`, and its number of rows: what every export writes,
    to a file (`jikimi export --out`), to S3 (`--to`) or as the nightly batch."""
    rows = export_rows(store, sample_fps)
    return len(rows), encode_rows([asdict(r) for r in rows], FIELDS, fmt)


def encode_rows(rows: list[dict[str, Any]], fields: list[str],
                fmt: Literal["csv", "json"] | str, about: dict[str, Any] | None = None) -> bytes:
    """Rows (dicts with at least `fields` and a `host`) as CSV with `fields` for columns, or
    as JSON grouped by host in row order, with `about` (e.g. a batch's id) at the top."""
    if fmt == "csv":
        text = io.StringIO(newline="")
        writer = csv.DictWriter(text, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return text.getvalue().encode("utf-8")
    if fmt == "json":
        hosts: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            hosts.setdefault(str(row["host"]), []).append({f: row.get(f) for f in fields})
        doc = {
            **(about or {}),
            "generated_at": utcnow().isoformat(),
            "count": len(rows),
            "hosts": [
                {"host": h, "count": len(items), "items": items} for h, items in hosts.items()
            ],
        }
        return json.dumps(doc, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    raise ConfigError(f"unknown export format {fmt!r}: use csv or json")


def write_export(
    store: Store, fmt: Literal["csv", "json"] | str, out: Path, sample_fps: float = 1.0
) -> int:
    """Write the batch to `out`; return the number of rows."""
    count, data = render_export(store, fmt, sample_fps)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return count
