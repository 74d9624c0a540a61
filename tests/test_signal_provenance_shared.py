"""The provenance signal on the shared reference fixtures (../shared/fixtures/provenance).

These files were made independently of this code (c2pa-python's own test certificate, a local CA,
exiftool, exiv2), so they check that the signal reads what other tools write. Skipped, with the
reason, when ../shared is not there (a fresh clone).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from tests.provenance_media import assess, by_name

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "provenance"
ANCHORS = FIXTURES / "localca" / "ca.pem"
pytestmark = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason=f"shared provenance fixtures not present at {FIXTURES}"
)
MEDIA = sorted(FIXTURES.glob("*.*")) if FIXTURES.is_dir() else []


@pytest.mark.parametrize("path", MEDIA, ids=lambda p: p.name)
def test_every_shared_fixture(path: Path) -> None:
    name = path.name
    found = by_name(assess(path.read_bytes(), anchors=ANCHORS))
    c2pa = found.get("c2pa")
    if name.startswith("c2pa_trained_testcert_tampered"):
        assert c2pa is not None and c2pa.value["state"] == "invalid"
        assert "assertion.dataHash.mismatch" in c2pa.value["failure_codes"]
        assert (c2pa.synthetic, c2pa.score) == (True, 0.6)
    elif name.startswith("c2pa_trained_testcert"):  # c2pa-python's test cert: not our anchor
        assert c2pa is not None and c2pa.value["state"] == "valid"
        assert c2pa.value["trusted"] is False and (c2pa.synthetic, c2pa.score) == (True, 1.0)
    elif name.startswith("c2pa_trained_localca"):
        assert c2pa is not None and c2pa.value["state"] == "valid"
        assert c2pa.value["trusted"] is True and c2pa.synthetic is True
    elif name.startswith("meta_"):
        declared = [e for e in found.values() if e.kind == "provenance" and e.synthetic]
        assert declared and all(e.score == 0.9 for e in declared), found
        assert "no_provenance" not in found
    else:  # plain controls, the re-encoded (stripped) copy, watermark-only images
        assert list(found) == ["no_provenance"], found


def test_localca_signer_is_untrusted_without_anchors() -> None:
    c2pa = by_name(assess((FIXTURES / "c2pa_trained_localca.jpg").read_bytes()))["c2pa"]
    assert c2pa.value["state"] == "valid" and c2pa.value["trusted"] is False


def test_time_per_image_is_milliseconds() -> None:
    timings: dict[str, float] = {}
    for path in MEDIA:
        data = path.read_bytes()
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            assess(data, anchors=ANCHORS)
            runs.append(time.perf_counter() - start)
        timings[path.name] = statistics.median(runs)
    print({name: f"{seconds * 1000:.1f} ms" for name, seconds in timings.items()})
    assert max(timings.values()) < 0.5, timings
