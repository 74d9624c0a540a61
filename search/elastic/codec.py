"""Records ⇄ Elasticsearch documents for the MediaStore half, and the shared value encodings.

Datetimes are UTC ISO-8601 strings with microseconds in `date_nanos` fields, so sort order is
exact and they come back as the same aware instant. Embeddings are little-endian float32 bytes,
base64 in a `binary` field: the bit-exact truth that the exact scan and every read use; a kNN
copy goes into `vector_<dims>` only when the index has such a field. A crawled face's `embedding`
is sealed (AES-GCM, `TemplateCipher.encrypt_face`) since the server never needs it: only the
kNN copy, which the cluster must read to search, stays plaintext (see README, "Biometric data
at rest"). Free-form JSON (`info`, an
evidence value) is checked exactly as the SQLite store checks it, so both refuse the same input.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit

import numpy as np

from kernel.errors import StoreError
from kernel.records import Evidence, Face, FetchRecord, Media, MediaKind, MediaStatus, Sighting
from search.crypto import TemplateCipher

# What enrichment (re)writes on a media document; crawl-time fields are left alone.
ENRICHED_FIELDS = (
    "kind", "content_type", "width", "height", "pdq", "pdq_quality", "face_count", "info",
    "blob_key", "duration", "codec", "frame_count", "fake_score", "score_basis", "evidence",
    "family_id",
)
# Written on every enrichment of a face; `matched` is not, so re-enrichment keeps it.
FACE_UPDATE_FIELDS = (
    "face_id", "media_id", "model_id", "index", "geometry", "det_score", "embedding", "frame_ts",
    "track",
)


def doc_id(*parts: str) -> str:
    """A document id from content (full SHA-256: ids of URLs must not collide)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def dt_to_doc(value: datetime) -> str:
    """Aware datetimes are converted to UTC; naive ones are taken to be UTC already."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def dt_from_doc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def opt_dt_from_doc(text: str | None) -> datetime | None:
    return None if text is None else dt_from_doc(text)


def checked_json(value: Any, what: str) -> Any:
    """`value` as JSON would give it back, or StoreError when it is not JSON at all."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise StoreError(f"cannot store {what} as JSON: {exc}") from None


def vector_to_doc(vector: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


def vector_from_doc(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").astype(np.float32)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


# ---------------------------------------------------------------------------------- media ---
def media_to_doc(media: Media) -> dict[str, Any]:
    what = f"media {media.media_id}"
    return {
        "media_id": media.media_id, "kind": media.kind, "content_type": media.content_type,
        "size": media.size, "first_seen": dt_to_doc(media.first_seen),
        "last_seen": dt_to_doc(media.last_seen), "status": media.status, "error": media.error,
        "width": media.width, "height": media.height, "pdq": media.pdq,
        "pdq_quality": media.pdq_quality, "face_count": media.face_count,
        "blob_key": media.blob_key, "info": checked_json(media.info, f"info of {what}"),
        "duration": media.duration, "codec": media.codec, "frame_count": media.frame_count,
        "fake_score": media.fake_score, "score_basis": media.score_basis,
        "evidence": [_evidence_to_doc(e, what) for e in media.evidence],
        "family_id": media.family_id,
    }


def media_from_doc(doc: dict[str, Any]) -> Media:
    return Media(
        media_id=doc["media_id"], kind=cast(MediaKind, doc["kind"]),
        content_type=doc["content_type"], size=doc["size"],
        first_seen=dt_from_doc(doc["first_seen"]), last_seen=dt_from_doc(doc["last_seen"]),
        status=cast(MediaStatus, doc["status"]), error=doc.get("error"),
        width=doc.get("width"), height=doc.get("height"), pdq=doc.get("pdq"),
        pdq_quality=doc.get("pdq_quality"), face_count=doc.get("face_count", 0),
        blob_key=doc.get("blob_key"), info=doc.get("info") or {},
        duration=doc.get("duration"), codec=doc.get("codec"),
        frame_count=doc.get("frame_count", 0), fake_score=doc.get("fake_score"),
        score_basis=doc.get("score_basis", "none"),
        evidence=[_evidence_from_doc(e) for e in doc.get("evidence") or []],
        family_id=doc.get("family_id"),
    )


def _evidence_to_doc(evidence: Evidence, what: str) -> dict[str, Any]:
    doc = evidence.as_dict()
    value = checked_json(doc.pop("value"), f"evidence {evidence.name} of {what}")
    return doc | {"value_json": json.dumps(value, sort_keys=True)}


def _evidence_from_doc(doc: dict[str, Any]) -> Evidence:
    return Evidence.from_dict(doc | {"value": json.loads(doc["value_json"])})


# -------------------------------------------------------------------- sightings, fetches ---
def sighting_id(sighting: Sighting) -> str:
    return doc_id("sighting", sighting.media_id, sighting.media_url, sighting.page_url)


def sighting_to_doc(sighting: Sighting) -> dict[str, Any]:
    return {
        "media_id": sighting.media_id, "media_url": sighting.media_url,
        "page_url": sighting.page_url, "page_host": host_of(sighting.page_url),
        "site": sighting.site, "first_seen": dt_to_doc(sighting.first_seen),
        "last_seen": dt_to_doc(sighting.last_seen),
    }


def sighting_from_doc(doc: dict[str, Any]) -> Sighting:
    return Sighting(
        media_id=doc["media_id"], media_url=doc["media_url"], page_url=doc["page_url"],
        site=doc["site"], first_seen=dt_from_doc(doc["first_seen"]),
        last_seen=dt_from_doc(doc["last_seen"]),
    )


def fetch_to_doc(record: FetchRecord) -> dict[str, Any]:
    return {
        "url": record.url, "media_id": record.media_id,
        "fetched_at": dt_to_doc(record.fetched_at), "etag": record.etag,
        "last_modified": record.last_modified, "error": record.error,
    }


def fetch_from_doc(doc: dict[str, Any]) -> FetchRecord:
    return FetchRecord(
        url=doc["url"], media_id=doc.get("media_id"), fetched_at=dt_from_doc(doc["fetched_at"]),
        etag=doc.get("etag"), last_modified=doc.get("last_modified"), error=doc.get("error"),
    )


# ---------------------------------------------------------------------------------- faces ---
def face_to_doc(face: Face, vector_fields: dict[str, int],
                cipher: TemplateCipher) -> dict[str, Any]:
    """The face's document; `vector_fields` ({field: dims}) says where a kNN copy goes."""
    doc: dict[str, Any] = {
        "face_id": face.face_id, "media_id": face.media_id, "model_id": face.model_id,
        "index": int(face.index),
        "geometry": {"bbox": [float(v) for v in face.bbox],
                     "landmarks": [[float(x), float(y)] for x, y in face.landmarks]},
        "det_score": float(face.det_score),
        "embedding": base64.b64encode(cipher.encrypt_face(face.embedding)).decode("ascii"),
        "frame_ts": None if face.frame_ts is None else float(face.frame_ts),
        "matched": False, "track": None if face.track is None else int(face.track),
    }
    vector = np.asarray(face.embedding, dtype=np.float32)
    for field, dims in vector_fields.items():
        if vector.shape == (dims,):
            doc[field] = [float(v) for v in vector]
    return doc


def face_from_doc(doc: dict[str, Any], cipher: TemplateCipher) -> Face:
    x, y, w, h = doc["geometry"]["bbox"]
    return Face(
        media_id=doc["media_id"], model_id=doc["model_id"], index=doc["index"], bbox=(x, y, w, h),
        landmarks=[(px, py) for px, py in doc["geometry"]["landmarks"]],
        det_score=doc["det_score"],
        embedding=cipher.open_vector(base64.b64decode(doc["embedding"])),
        frame_ts=doc.get("frame_ts"), face_id=doc["face_id"], track=doc.get("track"),
    )
