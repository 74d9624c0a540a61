"""Retroactive search with the int8 face index at 100k, 1M and 10M stored faces, against a plain
numpy float32 scan of the same faces in the same run (`jikimi.bench.search.measure_search`).

Why: every enrollment searches every stored face, and a national deployment stores tens of
millions (issue 15: 1M < 0.1 s and 10M < 1 s per enrolled template, recall@10 >= 0.99, <= 200
bytes per 128-d face). Up to `--sqlite-max` faces go through the SQLite store and its feed;
larger runs feed the index generated vectors directly (filling SQLite would take longer than
everything measured). `ann` columns: an HNSW graph on the same faces, for comparison (hnswlib
or faiss-cpu when installed; runs up to `--ann-max` faces).

    python benchmarks/bench_face_index.py [--sizes 100000,1000000,10000000] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jikimi.bench.search import measure_search  # noqa: E402

COLUMNS = (("stored_faces", "faces", "{:>11,}"), ("feed", "feed", "{:>9}"),
           ("retro_search_s", "index s/tmpl", "{:>12.4f}"),
           ("exact_scan_s", "numpy s/tmpl", "{:>12.4f}"), ("speedup", "×", "{:>6.1f}"),
           ("recall_at_10", "recall@10", "{:>9.3f}"), ("bytes_per_face", "B/face", "{:>7.1f}"),
           ("index_build_s", "build s", "{:>8.1f}"), ("index_load_s", "load s", "{:>7.2f}"),
           ("plain_search_s", "plain s/tmpl", "{:>12.4f}"),
           ("plain_load_s", "plain load", "{:>10.2f}"))


def row(result: dict[str, object]) -> str:
    flat = dict(result)
    flat["speedup"] = float(result["exact_scan_s"]) / float(result["retro_search_s"])  # type: ignore[arg-type]
    plain = result["plain"]
    assert isinstance(plain, dict)
    flat["plain_search_s"], flat["plain_load_s"] = plain["retro_search_s"], plain["index_load_s"]
    return " ".join(fmt.format(flat[key]) for key, _, fmt in COLUMNS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--sqlite-max", type=int, default=1_000_000)
    parser.add_argument("--ann-max", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="one JSON object per size")
    args = parser.parse_args()
    if not args.json:
        print(" ".join(f"{title:>{len(fmt.format(0))}}" for _, title, fmt in COLUMNS),
              flush=True)
    for size in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            result = measure_search(size, work_dir=Path(tmp), sqlite_max=args.sqlite_max,
                                    ann_max=args.ann_max)
        if args.json:
            print(json.dumps(result), flush=True)
            continue
        print(row(result), flush=True)
        ann = result["ann"]
        if isinstance(ann, dict):
            print(f"{'':>11}  ann {ann['library']} M={ann['m']} ef={ann['ef_search']}: build "
                  f"{ann['build_s']:.1f} s, {ann['query_s'] * 1000:.2f} ms/query, recall@10 "
                  f"{ann['recall_at_10']:.3f}", flush=True)


if __name__ == "__main__":
    main()
