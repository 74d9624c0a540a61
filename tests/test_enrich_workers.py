"""Worker processes enrich exactly what the in-process stage does; a crashing item fails alone."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from functools import partial

import numpy as np
import pytest
from PIL import Image

from enrichment import workers
from enrichment.analyze import EnrichSettings
from enrichment.stage import enrich_pending
from enrichment.workers import EnrichTools, resolve_workers
from jikimi import registry
from jikimi.demo.site import photo_bytes
from kernel.ports import DetectedFace, FaceEngine, Store
from kernel.settings import Settings
from tests.face_photos import NAMES
from tests.factories import make_media

CRASH_SIZE = (222, 333)  # (height, width) of the image that kills its worker


def png(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG")
    return out.getvalue()


def settings_for(tmp_path, **media: object) -> Settings:
    return Settings(data_dir=tmp_path, media={"keep_media": True, **media},  # type: ignore[arg-type]
                    security={"allow_key_in_data_dir": True})  # type: ignore[arg-type]


def fill(settings: Settings, blobs_data: Sequence[bytes]) -> Store:
    store, blobs = registry.open_store(settings), registry.open_blobs(settings)
    for data in blobs_data:
        media = make_media(data, blob_key=None)
        media.blob_key = f"incoming/{media.media_id}"
        blobs.put(media.blob_key, data)
        store.upsert_media(media)
    return store


def run(settings: Settings, store: Store, tools: object):
    return enrich_pending(store, registry.open_blobs(settings), registry.open_face_engine(settings),
                          registry.open_signal_suite(settings),
                          EnrichSettings(settings.media, settings.video), tools=tools)  # type: ignore[arg-type]


class CrashOn:
    """The real engine, except that detecting in a CRASH_SIZE image kills the process."""

    def __init__(self, inner: FaceEngine) -> None:
        self.inner, self.model_id, self.dims = inner, inner.model_id, inner.dims

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        if rgb.shape[:2] == CRASH_SIZE:
            os._exit(11)  # as a native crash would: no exception, no cleanup
        return self.inner.detect(rgb)

    def embed(self, rgb: np.ndarray, faces: Sequence[DetectedFace]) -> np.ndarray:
        return self.inner.embed(rgb, faces)


def crashing_tools(settings: Settings) -> EnrichTools:
    tools = registry.open_enrichment_tools(settings)
    return EnrichTools(CrashOn(tools.engine), tools.suite, tools.store)


def test_worker_count_follows_the_setting_the_cores_and_the_work() -> None:
    assert resolve_workers(1, 10_000) == 1
    assert resolve_workers(3, 10_000) == 3
    assert resolve_workers(4, 2 * workers.MIN_ITEMS_PER_WORKER) == 2
    assert resolve_workers(None, 1) == 1  # a handful of items never pays a worker's start-up


@pytest.fixture
def few_items_per_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "MIN_ITEMS_PER_WORKER", 1)


@pytest.mark.usefixtures("few_items_per_worker")
def test_workers_enrich_the_same_as_the_calling_process(tmp_path) -> None:
    data = [photo_bytes(f"{name}.jpg") for name in NAMES] + [b"\x89PNG\r\n\x1a\nbroken"]
    results = {}
    for label, count in (("here", 1), ("workers", 2)):
        settings = settings_for(tmp_path / label, enrich_workers=count, enrich_chunk=2)
        store = fill(settings, data)
        report = run(settings, store, partial(registry.open_enrichment_tools, settings))
        assert report.workers == count and report.enriched == len(NAMES)
        assert len(report.errors) == 1
        media = {m.media_id: m for m in store.list_media()}
        faces = {f.face_id: f for f in store.faces(registry.open_face_engine(settings).model_id)}
        results[label] = media, faces
    (media_here, faces_here), (media_there, faces_there) = results["here"], results["workers"]
    assert faces_here.keys() == faces_there.keys() and len(faces_here) == len(NAMES)
    for face_id, face in faces_here.items():
        assert float(face.embedding @ faces_there[face_id].embedding) >= 0.99
    for media_id, here in media_here.items():
        there = media_there[media_id]
        assert (here.status, here.pdq, here.face_count, here.score_basis) == \
            (there.status, there.pdq, there.face_count, there.score_basis)


@pytest.mark.usefixtures("few_items_per_worker")
def test_a_worker_crash_fails_only_its_item_and_loses_nothing(tmp_path) -> None:
    crash = png(np.full((*CRASH_SIZE, 3), 90, np.uint8))
    data = [photo_bytes(f"{name}.jpg") for name in NAMES[:4]] + [crash]
    settings = settings_for(tmp_path, enrich_workers=2, enrich_chunk=2)
    store = fill(settings, data)

    report = run(settings, store, partial(crashing_tools, settings))

    assert report.workers == 2 and report.media == 5 and report.enriched == 4
    assert len(report.errors) == 1 and "worker died" in report.errors[0]
    statuses = {m.media_id: m.status for m in store.list_media()}
    assert statuses.pop(make_media(crash).media_id) == "error"
    assert set(statuses.values()) == {"enriched"}
    assert run(settings, store, None).media == 0  # idempotent: nothing left "new"


def test_guided_chunks_shrink_towards_the_end_and_keep_every_item_once() -> None:
    from enrichment.workers import guided_chunks

    items = list(range(64))
    chunks = guided_chunks(items, 2, 16)
    assert [x for chunk in chunks for x in chunk] == items
    sizes = [len(chunk) for chunk in chunks]
    assert sizes[0] == 16 and sizes == sorted(sizes, reverse=True) and sizes[-1] == 1
    bulk = [len(c) for c in guided_chunks(list(range(1000)), 2, 16)]
    assert bulk.count(16) >= 55  # a big round keeps full recognizer batches
    assert [len(c) for c in guided_chunks(list(range(40)), 1, 16)] == [16, 16, 8]
    assert guided_chunks([], 2, 16) == []
