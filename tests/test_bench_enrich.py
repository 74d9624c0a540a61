"""`measure_enrichment` (what `jikimi bench` prints for enrichment) returns every figure it owes.

Only the shape and the sanity of the numbers are checked: speed targets live in the benchmark."""

from __future__ import annotations

from jikimi.bench.enrich import measure_enrichment
from jikimi.bench.flops import ceiling_images_per_s


def test_measure_enrichment_on_the_demo_photos() -> None:
    got = measure_enrichment(None, rounds=1, workers=1)

    assert got["images"] == 6 and got["workers"] == 1
    assert "CPUExecutionProvider" in got["providers"]
    for key in ("enrich_images_per_s", "enrich_full_images_per_s", "faces_per_s",
                "enrich_full_pdq512_images_per_s", "full_pdq512_vs_faces_only",
                "flop_ceiling_images_per_s", "gemm_gflop_per_s"):
        assert got[key] > 0, key
    assert got["embedding_cos_min"] >= 0.99  # batched vs per-image, same faces
    if got["faceanalysis_images_per_s"] is None:  # no insightface or no SCRFD file here
        assert got["faceanalysis_note"] and got["ratio_vs_faceanalysis"] is None
    else:
        assert got["ratio_vs_faceanalysis"] > 0 and got["faceanalysis_note"] is None


def test_flop_ceiling_counts_detection_and_each_face() -> None:
    one = ceiling_images_per_s(300_000_000, 600_000_000, 180e9)
    assert round(one) == 100  # 180 GFLOP/s / (2 × 900 M MACs)
    assert ceiling_images_per_s(300_000_000, 600_000_000, 180e9, faces_per_image=2) < one
