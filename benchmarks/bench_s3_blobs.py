"""Blob store throughput: S3 (a local radosgw) against the local folder, small images and a video.

Why: at scale every crawled item goes into S3 and back out for enrichment, so per-request cost
bounds a crawler's media rate, and multipart settings decide how fast large videos move. The
local folder is the baseline, measured in the same process; radosgw is started by the project's
own script (memstore OSD: network and gateway cost, not disk). Numbers are printed, not asserted.

    python benchmarks/bench_s3_blobs.py [--images 200] [--video-mib 64]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kernel.ports import BlobStore  # noqa: E402
from kernel.settings import S3Settings  # noqa: E402
from search.blobs.local import LocalBlobStore  # noqa: E402
from search.blobs.s3 import S3BlobStore  # noqa: E402
from search.blobs.s3_client import ensure_bucket, make_client, parse_s3_uri, transfer_config  # noqa: E402

SCRIPT = Path(__file__).resolve().parents[1] / "infra" / "radosgw" / "radosgw.sh"
MiB = 1024 * 1024


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def run(store: BlobStore, images: list[bytes], video: bytes) -> dict[str, float]:
    def put_images() -> None:
        for n, data in enumerate(images):
            store.put(f"incoming/{n:06d}", data)

    def get_images() -> None:
        for n in range(len(images)):
            store.get(f"incoming/{n:06d}")

    for n in range(min(20, len(images))):  # warm up: connections, bucket index, first writes
        store.put(f"warmup/{n}", images[n])
        store.get(f"warmup/{n}")
    return {
        "image put/s": len(images) / timed(put_images),
        "image get/s": len(images) / timed(get_images),
        "video put MiB/s": len(video) / MiB / timed(lambda: store.put("incoming/video", video)),
        "video get MiB/s": len(video) / MiB / timed(lambda: store.get("incoming/video")),
    }


def s3_store(env: dict[str, str], **overrides: int) -> S3BlobStore:
    settings = S3Settings.model_validate({
        "endpoint_url": env["JIKIMI_S3__ENDPOINT_URL"], "region": "default",
        "access_key_id": env["JIKIMI_S3__ACCESS_KEY_ID"],
        "secret_access_key": env["JIKIMI_S3__SECRET_ACCESS_KEY"], **overrides})
    client = make_client(settings)
    location = parse_s3_uri(f"s3://jikimi-bench/{uuid.uuid4().hex}")
    ensure_bucket(client, location.bucket)
    return S3BlobStore(client, location, transfer_config(settings))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--image-kib", type=int, default=80)
    parser.add_argument("--video-mib", type=int, default=64)
    args = parser.parse_args()
    images = [os.urandom(args.image_kib * 1024) for _ in range(args.images)]
    video = os.urandom(args.video_mib * MiB)
    folder = Path(tempfile.mkdtemp(prefix="jikimi-bench-radosgw-"))
    port = "17999"
    started = subprocess.run([str(SCRIPT), "start", str(folder), port], capture_output=True,
                             text=True, check=False)
    if started.returncode != 0:
        print(f"skipped: radosgw did not start ({started.returncode}): {started.stderr.strip()}")
        return 0
    try:
        env = dict(line.split("=", 1) for line in started.stdout.splitlines() if "=" in line)
        with tempfile.TemporaryDirectory() as tmp:
            results = {"local folder (baseline)": run(LocalBlobStore(tmp), images, video)}
        results["s3 single PUT"] = run(
            s3_store(env, multipart_threshold=1 << 40), images, video)
        results["s3 multipart 8 MiB x4"] = run(
            s3_store(env, multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB,
                     max_concurrency=4), images, video)
    finally:
        subprocess.run([str(SCRIPT), "stop", str(folder), port], capture_output=True, check=False)
    base = results["local folder (baseline)"]
    print(f"{args.images} images of {args.image_kib} KiB, one {args.video_mib} MiB video")
    for name, numbers in results.items():
        cells = "  ".join(f"{k} {v:8.1f} ({v / base[k]:.2f}x)" for k, v in numbers.items())
        print(f"{name:26s} {cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
