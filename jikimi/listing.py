"""Rows for `jikimi alerts` and `jikimi hits`: what operators and acceptance checks read.

Rows never contain imagery or a person's name; a person appears by id and pseudonymous ref.
"""

from __future__ import annotations

from jikimi.ports import Store


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


def hit_rows(store: Store) -> list[dict[str, object]]:
    rows = []
    for hit in sorted(store.hits(), key=lambda h: (h.created_at, h.hit_id)):
        sightings = sorted(store.sightings(hit.media_id), key=lambda s: s.first_seen)
        media = store.get_media(hit.media_id)
        rows.append({
            "hit_id": hit.hit_id, "person_id": hit.person_id, "media_id": hit.media_id,
            "face_id": hit.face_id, "similarity": hit.similarity, "threshold": hit.threshold,
            "model": hit.model_id, "created_at": hit.created_at.isoformat(),
            "review_state": hit.review_state,
            "media_url": sightings[0].media_url if sightings else None,
            "page_url": sightings[0].page_url if sightings else None,
            "seen_at": [{"media_url": s.media_url, "page_url": s.page_url} for s in sightings],
            "pdq": media.pdq if media else None,
        })
    return rows
