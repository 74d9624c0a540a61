"""Contract for retention of stranger media: `expired_media` and `delete_media`.

Mixed into `MediaStoreContract`, so every Store adapter runs it. Stranger media (no hit, no
alert) unseen since the cutoff goes with its sightings, faces and fetch records; media with a
hit or an alert is never listed and never deleted, even when the hit appears after listing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kernel.ports import Store
from kernel.records import FetchRecord, Media, utcnow
from tests.factories import (
    MODEL_ID,
    make_alert,
    make_face,
    make_hit,
    make_media,
    make_person,
    make_sighting,
    make_template,
)

NOW = utcnow()
OLD = NOW - timedelta(days=200)
CUTOFF = NOW - timedelta(days=180)
NOTHING = {"media": 0, "sightings": 0, "faces": 0, "fetches": 0, "refused": 0}


def analysed(store: Store, tag: bytes, last_seen: datetime = OLD, faces: int = 1) -> Media:
    """Enriched media last seen at `last_seen`, with one sighting, `faces` faces, one fetch."""
    media = make_media(tag, first_seen=last_seen, last_seen=last_seen)
    store.upsert_media(media)
    store.add_sighting(make_sighting(media.media_id, 0, first_seen=last_seen,
                                     last_seen=last_seen))
    store.save_enrichment(media, [make_face(media.media_id, i, seed=len(tag) * 10 + i)
                                  for i in range(faces)])
    store.record_fetch(FetchRecord(f"https://example.org/{tag.decode()}.jpg", media.media_id,
                                   fetched_at=last_seen))
    return media


class MediaRetentionContract:
    def test_expired_stranger_media_goes_with_sightings_faces_and_fetches(
        self, store: Store
    ) -> None:
        stale = analysed(store, b"stale", faces=2)
        broken = make_media(b"broken", first_seen=OLD - timedelta(days=1),
                            last_seen=OLD - timedelta(days=1))
        store.upsert_media(broken)
        store.set_media_error(broken.media_id, "corrupt")
        recent = analysed(store, b"recent", last_seen=NOW - timedelta(days=1))
        seen_again = analysed(store, b"seen again")  # a skipped re-crawl refreshes the sighting
        store.add_sighting(make_sighting(seen_again.media_id, 0, last_seen=NOW))
        waiting = make_media(b"waiting", first_seen=OLD, last_seen=OLD)  # never analysed
        store.upsert_media(waiting)
        failed_url = FetchRecord("https://example.org/404.jpg", None, error="HTTP 404")
        store.record_fetch(failed_url)

        assert store.expired_media(CUTOFF, 10) == [broken.media_id, stale.media_id]
        assert store.expired_media(CUTOFF, 1) == [broken.media_id]
        assert store.expired_media(OLD - timedelta(days=2), 10) == []

        counts = store.delete_media([broken.media_id, stale.media_id])

        assert counts == {"media": 2, "sightings": 1, "faces": 2, "fetches": 1, "refused": 0}
        assert store.get_media(stale.media_id) is None and store.get_media(broken.media_id) is None
        assert store.sightings(stale.media_id) == []
        assert store.get_fetch("https://example.org/stale.jpg") is None
        assert {f.media_id for f in store.faces(MODEL_ID)} == {recent.media_id,
                                                               seen_again.media_id}
        for kept in (recent, seen_again, waiting):
            assert store.get_media(kept.media_id) is not None
        assert store.get_fetch("https://example.org/recent.jpg") is not None
        assert store.get_fetch(failed_url.url) == failed_url
        assert store.expired_media(CUTOFF, 10) == []
        before = store.stats()
        assert store.delete_media([broken.media_id, stale.media_id, "0" * 64]) == NOTHING
        assert store.delete_media([]) == NOTHING
        assert store.stats() == before

    def test_media_with_a_hit_or_an_alert_is_never_listed_nor_deleted(
        self, store: Store
    ) -> None:
        person = make_person()
        store.add_person(person, [make_template(person.person_id)])
        rejected = analysed(store, b"rejected hit")
        hit = make_hit(person.person_id, make_face(rejected.media_id, 0, seed=120))
        store.upsert_hit(hit)
        store.set_review_state(hit.hit_id, "rejected", reviewer="op")  # any state protects
        alerted = analysed(store, b"alerted")
        store.add_alert(make_alert(person.person_id, alerted.media_id))
        stranger = analysed(store, b"stranger")

        assert store.expired_media(CUTOFF, 10) == [stranger.media_id]
        counts = store.delete_media([rejected.media_id, alerted.media_id, stranger.media_id])

        assert counts == {"media": 1, "sightings": 1, "faces": 1, "fetches": 1, "refused": 2}
        for kept in (rejected, alerted):
            assert store.get_media(kept.media_id) is not None
            assert len(store.sightings(kept.media_id)) == 1
        assert {f.media_id for f in store.faces(MODEL_ID)} == {rejected.media_id,
                                                               alerted.media_id}
        assert store.get_fetch("https://example.org/alerted.jpg") is not None

    def test_a_hit_recorded_after_listing_wins(self, store: Store) -> None:
        person = make_person()
        store.add_person(person, [make_template(person.person_id)])
        first, second = analysed(store, b"first"), analysed(store, b"second")
        listed = store.expired_media(CUTOFF, 10)
        assert sorted(listed) == sorted([first.media_id, second.media_id])
        face = next(f for f in store.faces(MODEL_ID) if f.media_id == second.media_id)
        store.upsert_hit(make_hit(person.person_id, face))  # e.g. someone enrolled just now

        counts = store.delete_media(listed)

        assert (counts["media"], counts["refused"]) == (1, 1)
        assert store.get_media(first.media_id) is None
        assert store.get_media(second.media_id) is not None
        assert store.sightings(second.media_id) != []
        assert store.hits(person.person_id)[0].media_id == second.media_id
