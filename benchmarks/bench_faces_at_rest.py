"""What encrypting crawled-face embeddings at rest costs: AES-GCM per 10k faces, and a
retroactive match run on the SQLite store with plaintext vs encrypted embeddings.

Why: crawled faces are strangers' biometrics, so the SQLite store keeps them encrypted
and decrypts each one as matching reads it (`search/sqlite/media.py`). This measures the price,
as ratios against the plaintext baseline in the same process: the cost per 10k faces of sealing
and opening, and the retroactive exact scan over N stored faces both ways ("before" rewrites
the same rows as plaintext, which the store still reads, as it did before encryption).

    python benchmarks/bench_faces_at_rest.py [--faces 100000] [--dims 128,512]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import bench_store_scale as scale  # noqa: E402
from kernel.settings import Settings  # noqa: E402
from search.crypto import TemplateCipher  # noqa: E402
from search.sqlite.store import SqliteStore  # noqa: E402


def per_10k(cipher: TemplateCipher, dims: int) -> tuple[float, float]:
    rows = np.random.default_rng(1).standard_normal((10_000, dims)).astype(np.float32)
    started = time.perf_counter()
    tokens = [cipher.encrypt_face(v) for v in rows]
    sealed = time.perf_counter() - started
    started = time.perf_counter()
    for token in tokens:
        cipher.open_vector(token)
    return sealed, time.perf_counter() - started


def match_run(path: Path, cipher: TemplateCipher, plaintext: bool) -> float:
    if plaintext:  # the same faces as they were stored before encryption
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT face_id, embedding FROM faces").fetchall()
            conn.executemany("UPDATE faces SET embedding = ? WHERE face_id = ?",
                             [(cipher.open_vector(blob).tobytes(), fid) for fid, blob in rows])
    store = SqliteStore(path, cipher)
    try:
        with store._db.transaction() as conn:  # a fresh enrollment each run
            conn.execute("DELETE FROM hits")
            conn.execute("DELETE FROM templates")
            conn.execute("DELETE FROM persons")
        seconds, _ = scale.retroactive(store, Settings())
    finally:
        store.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faces", type=int, default=100_000)
    parser.add_argument("--dims", default="128,512")
    args = parser.parse_args()
    cipher = TemplateCipher.generate()
    for dims in (int(d) for d in args.dims.split(",")):
        sealed, opened = per_10k(cipher, dims)
        print(f"{dims}-d: per 10k faces encrypt {sealed:.3f} s, decrypt {opened:.3f} s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        store = SqliteStore(path, cipher)
        scale.fill(store, args.faces)
        store.close()
        encrypted = min(match_run(path, cipher, plaintext=False) for _ in range(2))
        plain = min(match_run(path, cipher, plaintext=True) for _ in range(2))
    print(f"retroactive match over {args.faces} faces ({scale.DIMS}-d): plaintext {plain:.2f} s, "
          f"encrypted {encrypted:.2f} s, ratio {encrypted / plain:.2f}")


if __name__ == "__main__":
    main()
