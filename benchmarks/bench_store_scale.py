"""Store throughput at scale: bulk-indexing faces and exact-scan retroactive search, embedded
(SQLite) vs the Elasticsearch adapter (on osmem-server), at 10k, 100k and 1M stored faces.

Why: enrollment searches every stored face for the new person (retroactive matching), and the
crawl keeps adding faces; both must stay usable as the index grows, on either backend. The
embedded store is the baseline run in the same process; the ratios say what the Elasticsearch
adapter costs (or saves). osmem-server has no kNN, so Elasticsearch is measured on its exact
scan (point-in-time/search_after streaming + numpy), the path clusters without `dense_vector` use;
a real cluster with kNN would answer the search from its HNSW graph instead.

Faces are random unit vectors (128-d, the offline model's size) saved as long videos of 1,000
faces each, so each save is one bulk request; the person is enrolled with three templates.

    python benchmarks/bench_store_scale.py [--sizes 10000,100000,1000000] [--es-max 100000]

osmem-server keeps everything in memory, about 22 KB per face document: 1M faces outgrew a
23 GB machine (stopped at ~17 GB), so sizes above `--es-max` run on the embedded store only. A
real Elasticsearch node keeps them on disk and is not limited this way.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kernel.ports import Store  # noqa: E402
from kernel.records import Face, Media, Person, Template  # noqa: E402
from kernel.settings import ElasticsearchSettings, Settings  # noqa: E402
from search.crypto import TemplateCipher  # noqa: E402
from search.matching import match_person  # noqa: E402

MODEL = "yunet-2023mar+sface-2021dec"
DIMS = 128
PER_MEDIA = 1000


def unit_rows(rng: np.random.Generator, n: int) -> np.ndarray:
    rows = rng.standard_normal((n, DIMS)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def fill(store: Store, total: int, seed: int = 7) -> float:
    """Save `total` faces; return faces per second."""
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for start in range(0, total, PER_MEDIA):
        n = min(PER_MEDIA, total - start)
        media = Media(media_id=f"{seed:02d}{start:014d}".ljust(64, "0"), kind="video",
                      content_type="video/mp4", size=1, duration=float(n))
        store.upsert_media(media)
        vectors = unit_rows(rng, n)
        faces = [Face(media_id=media.media_id, model_id=MODEL, index=0,
                      bbox=(0.0, 0.0, 80.0, 80.0), landmarks=[(0.0, 0.0)] * 5, det_score=0.9,
                      embedding=vectors[i], frame_ts=float(i), track=i)
                 for i in range(n)]
        store.save_enrichment(media, faces)
    return total / (time.perf_counter() - started)


def retroactive(store: Store, settings: Settings) -> tuple[float, int]:
    """Enroll one person with three templates and time the retroactive search (seconds, hits)."""
    rng = np.random.default_rng(99)
    person = Person(person_id="bench-person", name="Bench", ref="P-bench")
    templates = [Template(f"t{i}", person.person_id, MODEL, v)
                 for i, v in enumerate(unit_rows(rng, 3))]
    store.add_person(person, templates)
    started = time.perf_counter()
    report = match_person(store, templates, settings.faces, settings.matching)
    return time.perf_counter() - started, report.hits


def measure(label: str, open_store: Callable[[], Store], size: int,
            settings: Settings) -> tuple[float, float]:
    store = open_store()
    try:
        rate = fill(store, size)
        seconds, hits = retroactive(store, settings)
    finally:
        store.close()
    print(f"  {label:<14} bulk {rate:9.0f} faces/s   retroactive exact scan {seconds:7.2f} s "
          f"({size / seconds:9.0f} faces/s, {hits} hits)", flush=True)
    return rate, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--es-max", type=int, default=100_000,
                        help="largest size to load into osmem-server (it holds all in RAM)")
    args = parser.parse_args()
    from osmem_server import OsmemServer

    from search.elastic.client import open_client
    from search.elastic.migrate import migrate
    from search.elastic.store import ElasticStore
    from search.sqlite.store import SqliteStore

    settings = Settings()
    cipher = TemplateCipher.generate()
    for size in [int(s) for s in args.sizes.split(",")]:
        print(f"{size:,} stored faces", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            sqlite = measure("embedded", lambda tmp=tmp: SqliteStore(
                Path(tmp) / "bench.sqlite3", cipher), size, settings)
        if size > args.es_max:
            print(f"  elasticsearch  skipped: {size:,} faces exceed --es-max {args.es_max:,} "
                  "(osmem-server holds every document in RAM)", flush=True)
            continue
        server = OsmemServer.start(japanese=False)
        try:
            es = ElasticsearchSettings(url=server.url, plain_json_headers=True,
                                       request_timeout=600.0)
            client = open_client(es)
            migrate(client, es.index_prefix)
            client.close()
            elastic = measure("elasticsearch", lambda es=es: ElasticStore.open(es, cipher),
                              size, settings)
        finally:
            server.close()
        print(f"  ratio es/embedded: bulk {elastic[0] / sqlite[0]:.2f}×, "
              f"retroactive search time {elastic[1] / sqlite[1]:.2f}×", flush=True)


if __name__ == "__main__":
    main()
