"""`jikimi bench`: speed and scale in one run — search, enrichment, crawl — as a table or JSON.

Every figure is measured beside its baseline in the same process (plain numpy exact scan for the
search, InsightFace's `FaceAnalysis` on the same ONNX files for enrichment, the first crawl for
the re-crawl), so the ratios hold on any machine; the machine is printed with them. The stored
faces are generated random unit vectors (no one's face); enrichment reads neutral test photos or
`--images DIR`; the crawl reads a generated site of noise images on loopback.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from jikimi.bench.crawl import measure_crawl
from jikimi.bench.machine import describe_machine
from jikimi.bench.report import combine, table
from jikimi.commands import exits
from jikimi.commands.console import Handler, emit
from kernel.errors import ConfigError
from kernel.settings import Settings

PARTS = ("search", "enrich", "crawl")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = sub.add_parser("bench", help="measure search, enrichment and crawl speed",
                           description=__doc__.splitlines()[0])
    bench.add_argument("--faces", default="100000,1000000", metavar="N[,N…]",
                       help="stored face counts to search (default 100000,1000000; "
                            "10000000 needs about 2 GB of disk and a few minutes)")
    bench.add_argument("--images", type=Path, metavar="DIR",
                       help="photos for the enrichment benchmark (default: the neutral test "
                            "photos shipped with jikimi)")
    bench.add_argument("--rounds", type=int, default=3, help="enrichment rounds (default 3)")
    bench.add_argument("--only", default=",".join(PARTS), metavar="PART[,PART…]",
                       help="which parts to run: search, enrich, crawl (default all)")
    bench.add_argument("--crawl-pages", type=int, default=300)
    bench.add_argument("--crawl-latency-ms", type=float, default=50.0,
                       help="delay per response of the generated site, standing in for a "
                            "remote site's round trip (default 50; 0 is loopback)")
    bench.add_argument("--work-dir", type=Path, help="scratch folder (default: a temporary one)")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    handler: Handler = cmd_bench
    bench.set_defaults(handler=handler)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(
            f"--faces takes whole numbers separated by commas, not {text!r}") from None
    if not sizes or min(sizes) < 100:
        raise ConfigError("--faces needs at least 100 stored faces per size")
    return sizes


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    parts = {part.strip() for part in args.only.split(",") if part.strip()}
    if unknown := parts - set(PARTS):
        raise ConfigError(f"unknown part(s) {', '.join(sorted(unknown))}: choose from "
                          f"{', '.join(PARTS)}")
    sizes = _sizes(args.faces)
    if args.images is not None and not args.images.is_dir():
        raise ConfigError(f"--images: no such folder {args.images}")
    search: list[dict[str, Any]] = []
    enrich = crawl = None
    if args.work_dir is not None:
        args.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="jikimi-bench-", dir=args.work_dir) as tmp:
        work = Path(tmp)
        if "search" in parts:
            from jikimi.bench.search import measure_search

            for size in sizes:
                _say(f"search: {size:,} stored faces …")
                search.append(measure_search(size, work_dir=work / f"search-{size}"))
        if "enrich" in parts:
            from jikimi.bench.enrich import measure_enrichment

            _say("enrichment …")
            enrich = measure_enrichment(args.images, rounds=args.rounds)
        if "crawl" in parts:
            _say("crawl: first crawl and re-crawl …")
            crawl = measure_crawl(work, pages=args.crawl_pages,
                                  latency_ms=args.crawl_latency_ms)
    result = combine(describe_machine(), search, enrich, crawl)
    if args.json:
        emit(result)
    else:
        print("\n".join(table(result)))
    return exits.OK


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
