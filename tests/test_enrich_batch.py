"""Faces of several images embedded in shared batches give what the per-image path gives."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pytest
from PIL import Image

from enrichment.analyze import EnrichSettings, analyze
from enrichment.batch import analyze_many, embed_images
from enrichment.faces.model_fix import fixed_sface
from enrichment.faces.sessions import (
    CPU,
    CUDA,
    TENSORRT,
    provider_specs,
    resolve_providers,
)
from enrichment.faces.sface import SFaceEmbedder
from enrichment.signals.suite import SignalSuite
from jikimi import registry
from jikimi.demo.site import photo_bytes
from kernel.ports import BatchFaceEngine, DetectedFace, FaceEngine
from tests.face_photos import NAMES, engine_settings, photo, side_by_side
from tests.factories import make_media


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory):
    return engine_settings(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def engine(settings) -> FaceEngine:
    return registry.open_face_engine(settings)


def jpeg(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=92)
    return out.getvalue()


def items() -> list[tuple[bytes, object]]:
    blobs = [photo_bytes(f"{name}.jpg") for name in NAMES]
    blobs.append(jpeg(side_by_side(photo("person_a_2"), photo("impostor_1"))))  # two faces
    blobs.append(jpeg(np.full((200, 300, 3), 255, np.uint8)))  # no face
    blobs.append(b"<html>not media</html>")  # an error of its own
    return [(data, make_media(data, blob_key=None)) for data in blobs]


def test_batched_analysis_equals_the_per_image_path(settings, engine: FaceEngine) -> None:
    assert isinstance(engine, BatchFaceEngine)
    sections = EnrichSettings(settings.media, settings.video)
    suite = registry.open_signal_suite(settings)
    outcomes = analyze_many(items(), engine, suite, sections)

    faces_seen = 0
    for (data, media), outcome in zip(items(), outcomes, strict=True):
        if data.startswith(b"<html>"):
            assert outcome.error is not None and outcome.enriched is None
            continue
        want, want_faces = analyze(data, media, engine, suite, sections)  # type: ignore[arg-type]
        assert outcome.error is None and outcome.enriched is not None
        assert [f.face_id for f in outcome.faces] == [f.face_id for f in want_faces]
        for got, ref in zip(outcome.faces, want_faces, strict=True):
            assert got.bbox == ref.bbox and got.index == ref.index
            assert float(got.embedding @ ref.embedding) >= 0.99
        assert outcome.enriched.pdq == want.pdq and outcome.enriched.face_count == len(want_faces)
        assert outcome.enriched.score_basis == want.score_basis
        assert outcome.enriched.info["pixel_digest"] == want.info["pixel_digest"]
        faces_seen += len(want_faces)
    assert faces_seen == len(NAMES) + 2


class PerImageOnly:
    """An engine without `embed_many` (the port's minimum): embedded image by image."""

    def __init__(self, inner: FaceEngine) -> None:
        self.inner, self.model_id, self.dims = inner, inner.model_id, inner.dims
        self.embed_calls = 0

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        return self.inner.detect(rgb)

    def embed(self, rgb: np.ndarray, faces: Sequence[DetectedFace]) -> np.ndarray:
        self.embed_calls += 1
        return self.inner.embed(rgb, faces)


def test_engines_without_embed_many_are_embedded_image_by_image(settings,
                                                               engine: FaceEngine) -> None:
    plain = PerImageOnly(engine)
    assert not isinstance(plain, BatchFaceEngine)
    images = [(photo(n), engine.detect(photo(n))) for n in NAMES]
    images.append((np.full((64, 64, 3), 255, np.uint8), []))
    got = embed_images(plain, images)
    batched = embed_images(engine, images)
    assert plain.embed_calls == len(NAMES)  # none for the image without faces
    assert [len(v) for v in got] == [len(v) for v in batched] == [1] * len(NAMES) + [0]
    for a, b in zip(got[:-1], batched[:-1], strict=True):
        assert float(a[0] @ b[0]) >= 0.99
    outcomes = analyze_many(items()[:2], plain, SignalSuite([]),
                            EnrichSettings(settings.media, settings.video))
    assert [len(o.faces) for o in outcomes] == [1, 1]


def test_io_binding_gives_the_plain_runs_embeddings(settings) -> None:
    """The GPU's IO-binding path, run on the CPU provider (it works there too)."""
    model = fixed_sface(settings.model_cache_dir)
    crops = [np.asarray(Image.fromarray(photo(n)).resize((112, 112))) for n in NAMES]
    plain = SFaceEmbedder(model, (CPU,), max_batch=4, io_binding=False).embed(crops)
    bound_embedder = SFaceEmbedder(model, (CPU,), max_batch=4, io_binding=True)
    assert bound_embedder.io_binding and bound_embedder.device == "cpu"
    bound = bound_embedder.embed(crops)
    assert bound.shape == plain.shape == (len(NAMES), 128)
    np.testing.assert_allclose(bound, plain, atol=1e-5)


def test_gpu_providers_get_their_options_and_tensorrt_only_where_shapes_are_fixed() -> None:
    chain = (TENSORRT, CUDA, CPU)
    detector = provider_specs(chain, tensorrt=False)  # per-image input sizes
    assert detector == [(CUDA, {"cudnn_conv_algo_search": "HEURISTIC"}), CPU]
    recognizer = provider_specs(chain, tensorrt_options={"trt_engine_cache_enable": "True"})
    assert recognizer[0] == (TENSORRT, {"trt_engine_cache_enable": "True"})
    assert resolve_providers(None)[-1] == CPU


def test_pdq_long_side_hashes_a_reduced_copy_and_says_so(settings, engine: FaceEngine) -> None:
    from enrichment.decode import decode_image
    from enrichment.hashes import pdq_hash

    data = photo_bytes("person_b_1.jpg")  # 716 x 900
    rgb = decode_image(data, max_pixels=settings.media.max_pixels).rgb
    suite = SignalSuite([])
    plain, _ = analyze(data, make_media(data, blob_key=None), engine, suite,
                       EnrichSettings(settings.media, settings.video))
    assert plain.pdq == pdq_hash(rgb)[0] and "pdq_long_side" not in plain.info
    reduced_media = settings.media.model_copy(update={"pdq_long_side": 512})
    reduced, faces = analyze(data, make_media(data, blob_key=None), engine, suite,
                             EnrichSettings(reduced_media, settings.video))
    assert reduced.pdq == pdq_hash(rgb, 512)[0] and reduced.info["pdq_long_side"] == 512
    assert len(faces) == plain.face_count == 1
