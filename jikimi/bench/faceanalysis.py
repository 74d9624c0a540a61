"""InsightFace's `FaceAnalysis`, stock, on SCRFD-500M and jikimi's own SFace file: the baseline.

The same recognizer weights on both sides, so the comparison is of the pipelines, not the models;
SCRFD-500M is the detector InsightFace users run in its small packs. The baseline gets SFace as
jikimi loaded it before issue 15 (graph as shipped); a second run gives it jikimi's faster graph
too (PReLU split, `enrichment.faces.prelu`), so both ways of counting that rewrite are printed.
SCRFD's weights are non-commercial, so they are not in the repository: they come from
`../shared/models` (or
`JIKIMI_BENCH_SCRFD`), and without them or without the optional insightface package the
baseline is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from enrichment.faces.sessions import CUDA

SHARED_SCRFD = Path(__file__).resolve().parents[2].parent / "shared" / "models" / "scrfd_500m.onnx"


def scrfd_path() -> Path:
    return Path(os.environ.get("JIKIMI_BENCH_SCRFD", SHARED_SCRFD))


def open_face_analysis(sface: Path, providers: Sequence[str], folder: Path,
                       pack: str = "jikimi-bench") -> tuple[Any | None, str | None]:
    """(FaceAnalysis prepared at det 640, None) or (None, why it cannot run here)."""
    scrfd = scrfd_path()
    if not scrfd.is_file():
        return None, f"SCRFD-500M not found at {scrfd} (set JIKIMI_BENCH_SCRFD)"
    try:
        from insightface.app import FaceAnalysis
    except ImportError as exc:
        return None, f"insightface is not installed ({exc}); see infra/install-insightface.sh"
    pack_dir = folder / "models" / pack
    pack_dir.mkdir(parents=True, exist_ok=True)
    for name, target in (("det_scrfd_500m.onnx", scrfd), ("rec_sface.onnx", sface)):
        link = pack_dir / name
        if not link.exists():
            link.symlink_to(target.resolve())
    with contextlib.redirect_stdout(io.StringIO()):  # it prints every model it finds
        app = FaceAnalysis(name=pack, root=str(folder),
                           allowed_modules=["detection", "recognition"],
                           providers=list(providers))
        app.prepare(ctx_id=0 if CUDA in providers else -1, det_size=(640, 640))
    return app, None
