"""Videos and animated images through the enrichment stage: frames, tracks, families, errors."""

from __future__ import annotations

import io

from PIL import Image

from enrichment.analyze import EnrichSettings
from enrichment.stage import enrich_pending
from jikimi import registry
from jikimi.demo.clip import letterbox, make_clip
from jikimi.demo.site import photo_bytes
from kernel.settings import Settings
from search.blobs.local import LocalBlobStore
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.test_enrich_stage import queue

SEGMENTS = [("person_b_1.jpg", 2.0), ("person_a_2.jpg", 2.0), ("impostor_1.jpg", 2.0)]


def clip(size: tuple[int, int] = (480, 360), fps: int = 10) -> bytes:
    return make_clip([(photo_bytes(n), s) for n, s in SEGMENTS], size=size, fps=fps)


def animated_gif() -> bytes:
    frames = [Image.fromarray(letterbox(photo_bytes(n), (320, 240))) for n, _ in SEGMENTS]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=1500, loop=0)
    return out.getvalue()


def test_videos_and_animations_are_sampled_tracked_and_grouped_into_families(tmp_path):
    settings = Settings(data_dir=tmp_path)
    store = SqliteStore(":memory:", TemplateCipher.generate())
    blobs = LocalBlobStore(tmp_path / "blobs")
    original = queue(store, blobs, clip())
    smaller = queue(store, blobs, clip(size=(320, 240), fps=15))  # a re-encoded, resized copy
    gif = queue(store, blobs, animated_gif())
    other = queue(store, blobs, make_clip([(photo_bytes("person_b_2.jpg"), 3.0)]))
    broken = queue(store, blobs, b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)

    report = enrich_pending(store, blobs, registry.open_face_engine(settings),
                            registry.open_signal_suite(settings),
                            EnrichSettings(settings.media, settings.video))

    assert report.media == 5 and report.enriched == 4, report.errors
    failed = store.get_media(broken)
    assert failed is not None and failed.status == "error" and failed.error
    video = store.get_media(original)
    assert video is not None and (video.kind, video.content_type) == ("video", "video/mp4")
    assert (video.duration, video.codec, video.width, video.height, video.frame_count) == (
        6.0, "mpeg4", 480, 360, 6)
    assert video.pdq and len(video.info["frame_pdq"]) == 6 and "vpdq" in video.info
    assert len(video.info["md5"]) == 32  # for hash sharing, videos too
    model_id = registry.open_face_engine(settings).model_id
    faces = [f for f in store.faces(model_id) if f.media_id == original]
    assert sorted(f.frame_ts for f in faces) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    tracks = {f.track for f in faces}
    assert len(tracks) == 3  # three people, one track each
    assert {f.frame_ts for f in faces if f.track == faces[0].track} in (
        {0.0, 1.0}, {2.0, 3.0}, {4.0, 5.0})
    # The resized, re-encoded copy is the same media family; a different video is not.
    copy, different = store.get_media(smaller), store.get_media(other)
    assert copy is not None and copy.family_id == video.family_id
    assert video.family_id in (original, smaller)  # the first of the two enriched
    assert different is not None and different.family_id == other
    # An animated GIF is a short video: frames at exact times, a duration, faces per frame.
    anim = store.get_media(gif)
    assert anim is not None and anim.duration == 4.5 and anim.codec == "gif"
    model_id = registry.open_face_engine(settings).model_id
    gif_faces = [f for f in store.faces(model_id) if f.media_id == gif]
    assert sorted({f.frame_ts for f in gif_faces}) == [0.0, 1.0, 2.0, 3.0, 4.0]
    for media in (video, anim):  # every item carries an assessment
        assert media.score_basis == "none" and media.fake_score is None and media.evidence


def test_a_truncated_video_keeps_the_frames_before_the_cut(tmp_path):
    settings = Settings(data_dir=tmp_path)
    store = SqliteStore(":memory:", TemplateCipher.generate())
    blobs = LocalBlobStore(tmp_path / "blobs")
    data = clip()
    cut = queue(store, blobs, data[: len(data) * 6 // 10])
    report = enrich_pending(store, blobs, registry.open_face_engine(settings),
                            registry.open_signal_suite(settings),
                            EnrichSettings(settings.media, settings.video))
    media = store.get_media(cut)
    assert media is not None
    if media.status == "error":  # the container index may be lost with the tail
        assert media.error and report.errors
    else:
        assert media.info["truncated"] is True and 0 < media.frame_count < 6
        assert any("truncated" in note for note in media.info["notes"])


def test_a_long_video_is_sampled_over_its_whole_length_within_the_frame_budget(tmp_path):
    from enrichment.video import covering_whole, sample_video

    settings = Settings(data_dir=tmp_path, video={"max_frames": 10})
    data = make_clip([(photo_bytes("person_b_1.jpg"), 30.0), (photo_bytes("person_a_2.jpg"), 30.0)],
                     size=(160, 120), fps=2)
    video = covering_whole(60.0, settings.video)
    assert video.sample_fps < settings.video.sample_fps
    sample = sample_video(data, settings.video, cover_whole=True)
    times = [f.ts for f in sample.frames if f.reason == "fps"]
    assert len(sample.frames) <= 10 and times[0] == 0.0 and times[-1] is not None
    assert times[-1] >= 50.0  # the end of the video is covered, not only its first 10 s
    assert covering_whole(3.0, settings.video) == settings.video
