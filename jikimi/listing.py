"""Rows for `jikimi alerts` and `jikimi hits`: what operators and acceptance checks read.

Rows never contain imagery or a person's name; a person appears by id and pseudonymous ref.
"""

from __future__ import annotations

from typing import Any

from kernel.ports import Store
from kernel.settings import Settings
from kernel.timeranges import media_time_ranges


def alert_rows(store: Store) -> list[dict[str, object]]:
    return [
        {
            "alert_id": a.alert_id, "person_id": a.person_id, "media_id": a.media_id,
            "media_url": a.media_url, "page_url": a.page_url, "similarity": a.similarity,
            "model": a.model_id, "created_at": a.created_at.isoformat(), "status": a.status,
            "delivered_channels": sorted(a.delivered_channels), "attempts": a.attempts,
            "last_error": a.last_error,
        }
        for a in sorted(store.alerts(), key=lambda a: (a.created_at, a.alert_id))
    ]


def hit_rows(store: Store, settings: Settings, order: str = "time") -> list[dict[str, Any]]:
    """One row per hit with its media's synthetic-media assessment and, for video, where.

    `order="review"` is the review queue: unreviewed first, then by band (strong, likely,
    uncertain), similarity, fake score (a missing score last) and recency. The fake score only
    orders the queue.
    """
    rows = []
    for hit in sorted(store.hits(), key=lambda h: (h.created_at, h.hit_id)):
        sightings = sorted(store.sightings(hit.media_id), key=lambda s: s.first_seen)
        media = store.get_media(hit.media_id)
        rows.append({
            "hit_id": hit.hit_id, "person_id": hit.person_id, "media_id": hit.media_id,
            "face_id": hit.face_id, "similarity": hit.similarity, "threshold": hit.threshold,
            "band": hit.band, "score": hit.score, "person_threshold": hit.person_threshold,
            "model": hit.model_id, "created_at": hit.created_at.isoformat(),
            "review_state": hit.review_state,
            "media_url": sightings[0].media_url if sightings else None,
            "page_url": sightings[0].page_url if sightings else None,
            "seen_at": [{"media_url": s.media_url, "page_url": s.page_url} for s in sightings],
            "pdq": media.pdq if media else None,
            "kind": media.kind if media else None,
            "duration": media.duration if media else None,
            "track": hit.track,
            "frame_times": hit.frame_times,
            "time_ranges": [list(r) for r in media_time_ranges(hit.frame_times, media,
                                                               settings.video.sample_fps)],
            "family_id": media.family_id if media else None,
            "fake_score": media.fake_score if media else None,
            "score_basis": media.score_basis if media else "none",
            "evidence": [e.as_dict() for e in media.evidence] if media else [],
        })
    if order == "review":
        rows.sort(key=lambda row: str(row["created_at"]), reverse=True)  # ties: newest first
        rows.sort(key=_review_priority)
    return rows


BAND_ORDER = {"strong": 0, "likely": 1, "uncertain": 2}


def _review_priority(row: dict[str, Any]) -> tuple[bool, int, float, float]:
    score = row["fake_score"]
    return (row["review_state"] != "new", BAND_ORDER.get(row["band"] or "", 3),
            -float(row["similarity"]), -(score if score is not None else -1.0))
