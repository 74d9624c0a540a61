"""Plain records passed between stages and stored by every backend.

Ids are content-derived wherever the content allows (media: SHA-256 of the bytes; faces, hits and
alerts: hashes of what they are about), so every write is an idempotent upsert and a crashed run
can simply be run again. Only a person's id is random: it must not reveal who they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np

from kernel.errors import StoreError

MediaKind = Literal["image", "video", "unknown"]
MediaStatus = Literal["new", "enriched", "error"]
# "withdrawn": its hits were rejected (or found not sexual) before it went out; never sent.
AlertStatus = Literal["pending", "sent", "failed", "withdrawn"]
# A hit's review: "new" awaits an operator; "confirmed" (it is her, and sexual content) lets her
# alert go and puts the hit in takedown batches; "rejected" (not her), "not_sexual" and
# "escalated" (suspected minor: handed to the escalation contact) never reach her or a batch.
ReviewState = Literal["new", "confirmed", "rejected", "not_sexual", "escalated", "taken_down"]
ReviewDecision = Literal["confirm", "reject", "not_sexual", "escalate"]
DECISION_STATES: dict[str, ReviewState] = {
    "confirm": "confirmed", "reject": "rejected", "not_sexual": "not_sexual",
    "escalate": "escalated",
}
# States in which a hit counts as hers and belongs in takedown batches.
CONFIRMED_STATES: frozenset[str] = frozenset({"confirmed", "taken_down"})
# How sure a match is: "uncertain" hits go to operator review and never alert the person.
MatchBand = Literal["strong", "likely", "uncertain"]
EvidenceKind = Literal["provenance", "watermark", "detector", "forensic", "note"]


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


INCOMING_PREFIX = "incoming/"  # blob keys of raw crawled bytes awaiting enrichment


def incoming_key(media_id: str) -> str:
    """The blob key under which the crawler leaves a media item's raw bytes for enrichment."""
    return f"{INCOMING_PREFIX}{media_id}"


def derive_id(*parts: str) -> str:
    """A stable id from its parts (hex SHA-256, truncated to 32 chars)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@dataclass
class Evidence:
    """One named synthetic-media signal: its value and a one-line explanation a person can read.

    `synthetic` is True when the signal on its own declares the media AI-generated (a C2PA or
    IPTC digitalSourceType, a generator chunk, a decoded watermark), False when it declares it
    captured, and None when it only measures something (forensic cues, uncalibrated detectors).
    `score` is the signal's own 0–1 number where it has one; `z` a z-score against the same
    image's background for forensic cues. Values are JSON-able.
    """

    kind: EvidenceKind
    name: str
    value: Any
    explanation: str
    synthetic: bool | None = None
    score: float | None = None
    z: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None or k == "value"}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        return cls(
            kind=data["kind"], name=data["name"], value=data.get("value"),
            explanation=data["explanation"], synthetic=data.get("synthetic"),
            score=data.get("score"), z=data.get("z"),
        )


@dataclass
class Media:
    """One distinct piece of media, identified by the SHA-256 of its bytes."""

    media_id: str
    kind: MediaKind
    content_type: str
    size: int
    first_seen: datetime = field(default_factory=utcnow)
    last_seen: datetime = field(default_factory=utcnow)
    status: MediaStatus = "new"
    error: str | None = None
    width: int | None = None
    height: int | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    face_count: int = 0
    blob_key: str | None = None  # raw bytes waiting for enrichment (or kept as evidence)
    info: dict[str, Any] = field(default_factory=dict)
    # video (and animated images treated as short videos)
    duration: float | None = None  # seconds
    codec: str | None = None
    frame_count: int = 0  # frames sampled and analysed
    # synthetic-media assessment: orders the review queue, never triggers a takedown on its own
    fake_score: float | None = None  # 0–1, or None when no signal gives a number
    score_basis: str = "none"  # provenance | watermark | detector | detector (uncalibrated) | none
    evidence: list[Evidence] = field(default_factory=list)
    family_id: str | None = None  # media id of the first-seen member of a near-duplicate family


@dataclass
class Sighting:
    """Where a media item was seen: the media URL and the page that embedded or linked it."""

    media_id: str
    media_url: str
    page_url: str
    site: str
    first_seen: datetime = field(default_factory=utcnow)
    last_seen: datetime = field(default_factory=utcnow)


@dataclass
class FetchRecord:
    """What the crawler last got for a media URL, for incremental (conditional) re-crawls."""

    url: str
    media_id: str | None
    fetched_at: datetime = field(default_factory=utcnow)
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None


@dataclass
class Face:
    """A detected face with its embedding; `model_id` says which recognizer made it."""

    media_id: str
    model_id: str
    index: int
    bbox: tuple[float, float, float, float]  # x, y, w, h in source pixels
    landmarks: list[tuple[float, float]]  # 5 points: eyes, nose, mouth corners
    det_score: float
    embedding: np.ndarray  # float32, L2-normalised
    frame_ts: float | None = None  # seconds into a video; None for still images
    face_id: str = ""
    track: int | None = None  # video: faces of one person across frames share a track number

    def __post_init__(self) -> None:
        if not self.face_id:
            ts = "" if self.frame_ts is None else f"{self.frame_ts:.3f}"
            self.face_id = derive_id("face", self.media_id, self.model_id, ts, str(self.index))


@dataclass
class Person:
    """An enrolled, consenting person. Name and contacts are stored encrypted."""

    person_id: str
    name: str
    ref: str  # pseudonymous reference for exports; never the name
    email: str | None = None
    webhook: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    # HMAC key signing her webhook's alerts, her receiver's alone (issue 13: one shared key let
    # any receiver forge alerts to the others); None for people enrolled before, who fall back
    # to `alerts.webhook_secret`. Stored encrypted, never printed.
    webhook_secret: str | None = field(default=None, repr=False)


@dataclass
class Template:
    """One enrollment photo turned into an embedding; the photo itself is never kept."""

    template_id: str
    person_id: str
    model_id: str
    embedding: np.ndarray
    created_at: datetime = field(default_factory=utcnow)


def require_own_templates(person: Person, templates: Iterable[Template]) -> None:
    """Every store refuses templates filed under someone else: one person's face must never be
    matchable as another's."""
    for template in templates:
        if template.person_id != person.person_id:
            raise StoreError(
                f"template {template.template_id} belongs to {template.person_id}, "
                f"not {person.person_id}"
            )


@dataclass
class Hit:
    """A face that matched an enrolled person's template at or above the model's threshold."""

    person_id: str
    face_id: str
    media_id: str
    model_id: str
    similarity: float
    threshold: float
    template_id: str
    created_at: datetime = field(default_factory=utcnow)
    review_state: ReviewState = "new"
    hit_id: str = ""
    reviewer: str | None = None
    review_note: str | None = None
    reviewed_at: datetime | None = None
    # video: one hit per (person, face track); every matching frame's time, best frame's face
    track: int | None = None
    frame_times: list[float] = field(default_factory=list)
    # calibrated matching: a per-person decision; `similarity` stays the raw cosine
    score: float | None = None  # calibrated score (None: the global threshold decided)
    person_threshold: float | None = None  # the similarity this person needed on this face
    band: MatchBand | None = None

    def __post_init__(self) -> None:
        if not self.hit_id:
            if self.track is None:
                self.hit_id = derive_id("hit", self.person_id, self.face_id)
            else:
                self.hit_id = derive_id("hit", self.person_id, self.media_id, f"t{self.track}")


@dataclass
class Alert:
    """One alert per (person, media), ever; delivery state is tracked per channel."""

    person_id: str
    media_id: str
    similarity: float
    model_id: str
    media_url: str
    page_url: str
    created_at: datetime = field(default_factory=utcnow)
    status: AlertStatus = "pending"
    attempts: int = 0
    last_error: str | None = None
    delivered_channels: list[str] = field(default_factory=list)
    alert_id: str = ""
    score: float | None = None  # calibrated score of the best hit, when calibration decided
    person_threshold: float | None = None
    band: MatchBand | None = None

    def __post_init__(self) -> None:
        if not self.alert_id:
            self.alert_id = derive_id("alert", self.person_id, self.media_id)


@dataclass
class AuditEvent:
    """Who did what to which record, when: evidence reads and writes, reviews, erasures.

    `subject` is an id (evidence key, hit id, person id), never content; `detail` is small JSON.
    The id is derived from the content, so recording the same event twice stores it once; the
    time has microseconds, so two equal actions in one second are two events, not one.
    """

    action: str  # e.g. "evidence.preserve", "evidence.read", "hit.review", "person.forget"
    actor: str  # operator, service or rule name
    subject: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    detail: dict[str, Any] = field(default_factory=dict)
    event_id: str = ""

    def __post_init__(self) -> None:
        if not self.event_id:
            stamp = self.at.isoformat()
            body = json.dumps(self.detail, sort_keys=True, default=str)
            self.event_id = derive_id("audit", self.action, self.actor, self.subject, stamp, body)
