"""Hashes of a batch's confirmed media, in the record shape hash-sharing programmes exchange.

StopNCII and ThreatExchange share hashes, never media: a signal type, the hash value, and the
sharer's reference and tags. The signal type names are python-threatexchange's
(`SignalType.get_name()`): `pdq` for images (64 hex digits), `video_md5` for a video's file MD5
(32 hex digits), `vpdq` for videos. A vPDQ value is serialised as
`threatexchange.extensions.vpdq.vpdq_util.vpdq_to_json` does: a JSON list of
`"<pdq hex>,<quality>,<timestamp seconds>"` strings, one per hashed frame (its
`VpdqCompactFeature`; we write timestamps with three decimals, which its parser reads). Images'
MD5 has no threatexchange signal type; it is exported as `md5`, as StopNCII-style lists carry it.

vPDQ comes from the `vpdq` package where enrichment ran it (`info["vpdq"]`); otherwise from the
PDQ of the frames enrichment sampled (`info["frame_pdq"]`), the same per-frame PDQ at our
sampling times — `source` says which. MD5 is only known for media enriched since it was recorded
(`info["md5"]`); the export counts those without it. The reference is the batch id, never a
person's case ref; no byte of the media leaves.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from kernel.ports import Store
from kernel.records import Media, utcnow
from kernel.takedown import TakedownBatch

HASH_FIELDS = ["signal_type", "signal_value", "content_type", "quality", "source",
               "batch_id", "media_sha256", "tags"]
TAGS = ("ncii", "confirmed")


@dataclass(frozen=True)
class HashRecord:
    signal_type: str  # pdq | md5 | video_md5 | vpdq
    signal_value: str
    content_type: str  # photo | video (threatexchange's content type names)
    quality: int | None  # PDQ quality 0–100 (pdq only)
    source: str  # pdq | md5 | vpdq | frame_pdq
    batch_id: str
    media_sha256: str
    tags: tuple[str, ...] = TAGS


@dataclass
class HashExport:
    batch_id: str
    records: list[HashRecord] = field(default_factory=list)
    media: int = 0
    md5_missing: int = 0  # media enriched before MD5 was recorded
    vpdq_missing: int = 0  # videos with neither vPDQ nor frame PDQ


def hash_records(store: Store, batch: TakedownBatch,
                 rows: Sequence[Mapping[str, Any]]) -> HashExport:
    """The records for every confirmed media item of the batch (rows: `batch_view`'s; withdrawn
    ones are left out), one per signal, in media order."""
    export = HashExport(batch.batch_id)
    seen: set[str] = set()
    for row in rows:
        sha = str(row.get("sha256") or "")
        if row.get("withdrawn") or not sha or sha in seen:
            continue
        seen.add(sha)
        media = store.get_media(sha)
        if media is None:
            continue
        export.media += 1
        export.records.extend(_records(media, batch.batch_id, export))
    return export


def _records(media: Media, batch_id: str, export: HashExport) -> list[HashRecord]:
    video = media.kind == "video"
    content = "video" if video else "photo"
    out = []
    if video:
        features, source = _video_features(media)
        if features:
            out.append(HashRecord("vpdq", vpdq_value(features), content, None, source,
                                  batch_id, media.media_id))
        else:
            export.vpdq_missing += 1
    elif media.pdq:
        out.append(HashRecord("pdq", media.pdq, content, media.pdq_quality, "pdq", batch_id,
                              media.media_id))
    md5 = media.info.get("md5")
    if md5:
        out.append(HashRecord("video_md5" if video else "md5", str(md5), content, None, "md5",
                              batch_id, media.media_id))
    else:
        export.md5_missing += 1
    return out


def _video_features(media: Media) -> tuple[list[Sequence[Any]], str]:
    if media.info.get("vpdq"):
        return list(media.info["vpdq"]), "vpdq"
    return list(media.info.get("frame_pdq") or []), "frame_pdq"


def vpdq_value(features: Sequence[Sequence[Any]]) -> str:
    """`[ts, pdq_hex, quality]` triples as threatexchange's vPDQ signal string."""
    return json.dumps([f"{pdq},{int(quality)},{float(ts):.3f}" for ts, pdq, quality in features])


def hashes_json(export: HashExport) -> bytes:
    doc = {"batch_id": export.batch_id, "generated_at": utcnow().isoformat(),
           "media": export.media, "count": len(export.records),
           "md5_missing": export.md5_missing, "vpdq_missing": export.vpdq_missing,
           "note": "md5_missing: media enriched before MD5 was recorded have no MD5 record",
           "records": [asdict(r) | {"tags": list(r.tags)} for r in export.records]}
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


def hashes_csv(export: HashExport) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=HASH_FIELDS)
    writer.writeheader()
    for record in export.records:
        writer.writerow(asdict(record) | {"tags": " ".join(record.tags),
                                          "quality": "" if record.quality is None
                                          else record.quality})
    return text.getvalue().encode("utf-8")
