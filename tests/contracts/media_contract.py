"""Contract for the MediaStore half of a Store: media, sightings, fetches, faces.

Mixed into `StoreContract`; a subclass supplies a `store` fixture (an empty store).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from kernel.errors import JikimiError, NotFound
from kernel.ports import Store
from kernel.records import Evidence, FetchRecord, utcnow
from tests.contracts.media_retention_contract import MediaRetentionContract
from tests.factories import MODEL_ID, make_face, make_media, make_sighting


class MediaStoreContract(MediaRetentionContract):
    def test_upsert_media_inserts_then_only_moves_last_seen(self, store: Store) -> None:
        media = make_media(b"a", info={"source": "crawl", "n": 1})
        assert store.upsert_media(media) is True
        store.save_enrichment(media, [make_face(media.media_id)])
        later = make_media(b"a", first_seen=media.first_seen + timedelta(days=2),
                           last_seen=media.last_seen + timedelta(days=2))
        assert store.upsert_media(later) is False
        got = store.get_media(media.media_id)
        assert got is not None
        assert (got.status, got.first_seen, got.last_seen) == (
            "enriched", media.first_seen, later.last_seen)
        assert store.get_face(make_face(media.media_id).face_id) is not None
        store.upsert_media(media)  # an older sighting never moves last_seen back
        assert store.get_media(media.media_id).last_seen == later.last_seen  # type: ignore[union-attr]

    def test_media_round_trip(self, store: Store) -> None:
        media = make_media(b"b", width=640, height=480, pdq="f" * 64, pdq_quality=90,
                           blob_key="raw/b", info={"frames": [1, 2], "note": "ünïcode"})
        store.upsert_media(media)
        assert store.get_media(media.media_id) == media
        assert store.get_media("0" * 64) is None
        assert store.list_media() == [media]

    def test_datetimes_come_back_aware_and_the_same_instant(self, store: Store) -> None:
        seoul = timezone(timedelta(hours=9))
        when = datetime(2024, 3, 1, 9, 30, 15, 250000, tzinfo=seoul)
        media = make_media(b"tz", first_seen=when, last_seen=when)
        store.upsert_media(media)
        got = store.get_media(media.media_id)
        assert got is not None and got.first_seen.tzinfo is not None
        assert got.first_seen == when
        assert got.first_seen.utcoffset() == timedelta(0)

    def test_media_info_that_is_not_json_is_refused(self, store: Store) -> None:
        media = make_media(b"bad info", info={"handle": object()})
        with pytest.raises(JikimiError):
            store.upsert_media(media)
        assert store.get_media(media.media_id) is None

    def test_media_to_enrich_is_new_only_oldest_first(self, store: Store) -> None:
        now = utcnow()
        old, new, failed, done = (
            make_media(tag, first_seen=now - timedelta(hours=h), last_seen=now)
            for tag, h in ((b"old", 3), (b"new", 1), (b"failed", 4), (b"done", 5))
        )
        for media in (new, old, failed, done):
            store.upsert_media(media)
        store.set_media_error(failed.media_id, "corrupt JPEG")
        store.save_enrichment(done, [])
        assert [m.media_id for m in store.media_to_enrich()] == [old.media_id, new.media_id]
        assert [m.media_id for m in store.media_to_enrich(limit=1)] == [old.media_id]

    def test_set_media_error(self, store: Store) -> None:
        media = make_media(b"c")
        store.upsert_media(media)
        store.set_media_error(media.media_id, "truncated")
        store.set_media_error(media.media_id, "truncated")
        got = store.get_media(media.media_id)
        assert got is not None and (got.status, got.error) == ("error", "truncated")
        with pytest.raises(NotFound):
            store.set_media_error("0" * 64, "nope")

    def test_save_enrichment_stores_fields_and_faces(self, store: Store) -> None:
        media = make_media(b"d")
        store.upsert_media(media)
        store.set_media_error(media.media_id, "transient")
        media.width, media.height, media.pdq, media.pdq_quality = 100, 50, "a" * 64, 70
        media.face_count, media.info = 2, {"faces": 2}
        faces = [make_face(media.media_id, i, frame_ts=1.5 if i else None) for i in range(2)]
        store.save_enrichment(media, faces)
        got = store.get_media(media.media_id)
        assert got is not None
        assert (got.status, got.error, got.width, got.height, got.pdq, got.pdq_quality,
                got.face_count, got.info) == ("enriched", None, 100, 50, "a" * 64, 70, 2,
                                              {"faces": 2})
        for face in faces:
            stored = store.get_face(face.face_id)
            assert stored is not None
            assert (stored.media_id, stored.model_id, stored.index, stored.bbox,
                    stored.landmarks, stored.frame_ts) == (face.media_id, face.model_id,
                                                           face.index, face.bbox,
                                                           face.landmarks, face.frame_ts)
            assert stored.det_score == pytest.approx(face.det_score)
            assert stored.embedding.dtype == np.float32
            np.testing.assert_array_equal(stored.embedding, face.embedding)

    def test_video_fields_evidence_and_tracks_round_trip(self, store: Store) -> None:
        media = make_media(b"video", kind="video", content_type="video/mp4")
        store.upsert_media(media)
        evidence = [
            Evidence("provenance", "c2pa", {"state": "valid"}, "C2PA says AI.", synthetic=True,
                     score=1.0),
            Evidence("forensic", "noise_mismatch", {"face": 2.5}, "A cue.", z=-3.25),
            Evidence("note", "no_watermark", None, "Nothing found; proves nothing."),
        ]
        media.duration, media.codec, media.frame_count, media.family_id = 6.0, "h264", 7, "f1"
        media.fake_score, media.score_basis, media.evidence = 1.0, "provenance", evidence
        faces = [make_face(media.media_id, 0, frame_ts=float(t), track=1) for t in range(3)]
        store.save_enrichment(media, faces)
        got = store.get_media(media.media_id)
        assert got is not None
        assert (got.duration, got.codec, got.frame_count, got.family_id, got.fake_score,
                got.score_basis, got.evidence) == (6.0, "h264", 7, "f1", 1.0, "provenance",
                                                   evidence)
        assert {(f.frame_ts, f.track) for f in store.faces(MODEL_ID)} == {
            (0.0, 1), (1.0, 1), (2.0, 1)}
        assert [m.media_id for m in store.sequences()] == [media.media_id]

    def test_sequences_are_enriched_media_with_a_duration(self, store: Store) -> None:
        still, clip, pending = make_media(b"s"), make_media(b"c"), make_media(b"p", duration=2.0)
        for media in (still, clip, pending):
            store.upsert_media(media)
        store.save_enrichment(still, [])
        clip.duration = 3.5
        store.save_enrichment(clip, [])
        assert [m.media_id for m in store.sequences()] == [clip.media_id]

    def test_save_enrichment_is_idempotent_and_keeps_matched(self, store: Store) -> None:
        media = make_media(b"e", face_count=2)
        store.upsert_media(media)
        faces = [make_face(media.media_id, i) for i in range(2)]
        store.save_enrichment(media, faces)
        store.mark_faces_matched([faces[0].face_id])
        before = (store.get_media(media.media_id), store.stats())
        store.save_enrichment(media, faces)
        assert (store.get_media(media.media_id), store.stats()) == before
        unmatched = list(store.faces(MODEL_ID, unmatched_only=True))
        assert [f.face_id for f in unmatched] == [faces[1].face_id]

    def test_sightings_dedup_on_media_url_and_page(self, store: Store) -> None:
        media = make_media(b"f")
        store.upsert_media(media)
        first = make_sighting(media.media_id, 1)
        store.add_sighting(first)
        repeat = make_sighting(media.media_id, 1, first_seen=first.first_seen + timedelta(days=1),
                               last_seen=first.last_seen + timedelta(days=1))
        store.add_sighting(repeat)
        store.add_sighting(repeat)
        store.add_sighting(first)  # a late, older report never moves last_seen back
        store.add_sighting(make_sighting(media.media_id, 1, page_url="https://example.org/b"))
        seen = store.sightings(media.media_id)
        assert len(seen) == 2
        same = next(s for s in seen if s.page_url == first.page_url)
        assert (same.first_seen, same.last_seen) == (first.first_seen, repeat.last_seen)
        assert store.sightings("0" * 64) == []

    def test_fetch_records(self, store: Store) -> None:
        url = "https://example.org/media/1.jpg"
        assert store.get_fetch(url) is None
        record = FetchRecord(url=url, media_id="m1", etag='"abc"', last_modified="Tue, 1 Oct")
        store.record_fetch(record)
        store.record_fetch(record)
        assert store.get_fetch(url) == record
        failed = FetchRecord(url=url, media_id=None, error="HTTP 404")
        store.record_fetch(failed)
        assert store.get_fetch(url) == failed

    def test_faces_filtered_by_model_and_missing(self, store: Store) -> None:
        media = make_media(b"g")
        store.upsert_media(media)
        mine, other = make_face(media.media_id, 0), make_face(media.media_id, 0, model_id="other")
        store.save_enrichment(media, [mine, other])
        assert [f.face_id for f in store.faces(MODEL_ID)] == [mine.face_id]
        assert [f.face_id for f in store.faces("other")] == [other.face_id]
        assert list(store.faces("nobody")) == []
        assert store.get_face("missing") is None

    def test_faces_stream_in_batches_and_marking_is_idempotent(self, store: Store) -> None:
        count = 2500
        for m in range(5):
            media = make_media(f"batch-{m}".encode())
            store.upsert_media(media)
            per_media = count // 5
            store.save_enrichment(media, [make_face(media.media_id, i, seed=m * per_media + i)
                                          for i in range(per_media)])
        all_ids = [f.face_id for f in store.faces(MODEL_ID)]
        assert len(all_ids) == len(set(all_ids)) == count
        seen = []
        for face in store.faces(MODEL_ID, unmatched_only=True):  # marking while iterating
            seen.append(face.face_id)
            if len(seen) % 700 == 0:
                store.mark_faces_matched(seen[-700:])
        assert sorted(seen) == sorted(all_ids)
        store.mark_faces_matched(iter(seen))
        store.mark_faces_matched(seen[:10] + ["unknown-face"])
        assert list(store.faces(MODEL_ID, unmatched_only=True)) == []
        assert len(list(store.faces(MODEL_ID))) == count
