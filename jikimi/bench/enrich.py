"""Enrichment throughput: jikimi's face pipeline and full enrichment against InsightFace's.

`measure_enrichment` times, over the same image files and in alternating rounds of one run (so a
drifting machine load hits every pipeline alike): jikimi faces only (decode, detect, batched
embedding) in its data-parallel workers and in one process; jikimi's full enrichment analysis
(hashes and signals too) in the workers, also with PDQ on a 512-pixel copy; and
`FaceAnalysis.get` (SCRFD-500M + the same SFace file, stock options, one process, as its users
run it). It also reports the embeddings' agreement with the per-image path (cosine, same faces)
and the FLOP ceiling of the models on this CPU.
Worker start-up and first runs are left out (one warm-up round). Medians of `rounds`.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from enrichment.analyze import EnrichSettings
from enrichment.faces.model_fix import fixed_sface, fixed_yunet
from enrichment.faces.sessions import on_gpu, resolve_providers
from enrichment.workers import guided_chunks, start_worker
from jikimi import registry
from jikimi.bench import enrich_pipelines as pipelines
from jikimi.bench.faceanalysis import open_face_analysis
from jikimi.bench.flops import ceiling_images_per_s, gemm_flops_per_s, model_macs
from kernel.settings import Settings

DEMO_PHOTOS = Path(__file__).resolve().parents[1] / "demo" / "photos"
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
MODEL_CACHE = Path(tempfile.gettempdir()) / "jikimi-bench-models"


def image_files(folder: Path | None) -> list[Path]:
    """The images of `folder` (not recursive), else the neutral demo portraits."""
    root = folder or DEMO_PHOTOS
    return sorted(p for p in root.iterdir() if p.suffix.lower() in SUFFIXES)


def measure_enrichment(images: Path | None = None, *, rounds: int = 3,
                       workers: int | None = None) -> dict[str, Any]:
    blobs = [path.read_bytes() for path in image_files(images)]
    if not blobs:
        raise ValueError(f"no images ({', '.join(sorted(SUFFIXES))}) in {images}")
    with tempfile.TemporaryDirectory(prefix="jikimi-bench-") as work:
        settings = _settings(Path(work))
        sections = EnrichSettings(settings.media, settings.video)
        tools = registry.open_enrichment_tools(settings)
        providers = resolve_providers(settings.faces.providers)
        count = workers or len(os.sched_getaffinity(0))
        chunks = guided_chunks(blobs, count, settings.media.enrich_chunk)  # as the stage does
        app, why_not = open_face_analysis(fixed_sface(MODEL_CACHE, fast_prelu=False),
                                          providers, Path(work), "as-shipped")
        fast_app, _ = open_face_analysis(fixed_sface(MODEL_CACHE), providers, Path(work),
                                         "fast-graph")
        pool = _pool(count, settings, sections)
        try:
            def in_pool(mode: str) -> Callable[[], int]:
                if pool is None:
                    return partial(pipelines.run_mode, mode, blobs, tools, sections)
                return lambda: sum(pool.map(pipelines.run_chunk, repeat(mode), chunks))

            runs: dict[str, Callable[[], int]] = {
                "faces": in_pool("faces"), "full": in_pool("full"),
                "full_pdq512": in_pool("full_pdq512"),
                "one_process": lambda: _faces(
                    pipelines.faces_only(blobs, tools.engine, sections)),
            }
            if app is not None and fast_app is not None:
                runs["faceanalysis"] = partial(pipelines.face_analysis, blobs, app)
                runs["faceanalysis_fast"] = partial(pipelines.face_analysis, blobs, fast_app)
            times, faces = _alternate(runs, rounds)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        cos_min = _cos_min(blobs, tools.engine, sections)
    seconds = {name: statistics.median(t) for name, t in times.items()}
    rate = {name: len(blobs) / s for name, s in seconds.items()}
    flops = gemm_flops_per_s()
    ceiling = ceiling_images_per_s(model_macs(fixed_yunet(MODEL_CACHE), (1, 3, 640, 640)),
                                   model_macs(fixed_sface(MODEL_CACHE), (1, 3, 112, 112)), flops)
    base, fast = rate.get("faceanalysis"), rate.get("faceanalysis_fast")
    return {
        "images": len(blobs), "rounds": rounds, "workers": count,
        "providers": list(providers), "model_id": tools.engine.model_id,
        "enrich_images_per_s": round(rate["faces"], 2),
        "enrich_images_per_s_one_process": round(rate["one_process"], 2),
        "enrich_full_images_per_s": round(rate["full"], 2),
        "full_vs_faces_only": round(rate["full"] / rate["faces"], 3),
        # the same with media.pdq_long_side 512 (PDQ of a reduced copy, as Meta's hashers do)
        "enrich_full_pdq512_images_per_s": round(rate["full_pdq512"], 2),
        "full_pdq512_vs_faces_only": round(rate["full_pdq512"] / rate["faces"], 3),
        "faces_per_s": round(faces["faces"] / seconds["faces"], 2),
        "faceanalysis_images_per_s": None if base is None else round(base, 2),
        "faceanalysis_note": why_not,
        "ratio_vs_faceanalysis": None if base is None else round(rate["faces"] / base, 3),
        # FaceAnalysis given jikimi's faster SFace graph as well: the pipelines alone
        "faceanalysis_fast_graph_images_per_s": None if fast is None else round(fast, 2),
        "ratio_vs_faceanalysis_fast_graph": None if fast is None else round(
            rate["faces"] / fast, 3),
        "embedding_cos_min": cos_min,
        # each pipeline's least disturbed round: on a shared machine the medians drift together
        "best_round_images_per_s": {name: round(len(blobs) / min(t), 2)
                                    for name, t in times.items()},
        "gemm_gflop_per_s": round(flops / 1e9, 1),
        "flop_ceiling_images_per_s": round(ceiling, 1),
    }


def _settings(work: Path) -> Settings:
    gpu = on_gpu(resolve_providers(None))
    return Settings(data_dir=work, faces={"cache_dir": MODEL_CACHE},  # type: ignore[arg-type]
                    media={"enrich_chunk": 128 if gpu else 16},  # type: ignore[arg-type]
                    security={"allow_key_in_data_dir": True})  # type: ignore[arg-type]


def _pool(count: int, settings: Settings, sections: EnrichSettings) -> ProcessPoolExecutor | None:
    if count <= 1:
        return None
    return ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"),
                               initializer=start_worker,
                               initargs=(partial(registry.open_enrichment_tools, settings),
                                         sections))


def _alternate(runs: dict[str, Callable[[], int]],
               rounds: int) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Seconds per round of each pipeline over `rounds` alternating rounds (after a warm-up)."""
    faces = {name: run() for name, run in runs.items()}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(max(1, rounds)):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return times, faces


def _faces(vectors: list[np.ndarray]) -> int:
    return sum(len(v) for v in vectors)


def _cos_min(blobs: list[bytes], engine: Any, sections: EnrichSettings) -> float | None:
    """Lowest cosine between batched and per-image embeddings of the same faces."""
    batched = pipelines.faces_only(blobs, engine, sections)
    alone = pipelines.per_image(blobs, engine, sections)
    cosines = [float(np.min(np.sum(a * b, axis=1)))
               for a, b in zip(batched, alone, strict=True) if len(a) and len(a) == len(b)]
    return round(min(cosines), 6) if cosines else None


if __name__ == "__main__":  # python -m jikimi.bench.enrich [DIR] [ROUNDS]
    import json
    import sys

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else None
    print(json.dumps(measure_enrichment(folder, rounds=int(sys.argv[2]) if len(sys.argv) > 2
                                        else 3), indent=2))
