"""Combining signals into fake_score / score_basis: strongest basis wins, nothing is invented."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from enrichment.signals.suite import SignalSuite, combine
from kernel.frames import Frame
from kernel.ports import SignalInput
from kernel.records import Evidence, Face
from kernel.settings import Settings

FORENSIC = Evidence("forensic", "noise_mismatch", {"face": 1.0}, "A cue.", z=4.0)
NO_PROVENANCE = Evidence("note", "no_provenance", None, "None found; that proves nothing.")


def _detector(score: float, calibrated: bool) -> Evidence:
    return Evidence("detector", "detector:test", {"max": score, "calibrated": calibrated},
                    "A detector.", score=score)


def test_nothing_with_a_number_means_no_score() -> None:
    got = combine([FORENSIC, NO_PROVENANCE])
    assert (got.fake_score, got.score_basis, got.evidence) == (None, "none",
                                                               [FORENSIC, NO_PROVENANCE])


def test_provenance_beats_watermark_beats_detector() -> None:
    declared = Evidence("provenance", "png_generator_chunk", "A1111", "Declares AI.",
                        synthetic=True, score=0.9)
    marked = Evidence("watermark", "watermark_dwtdct", {"bits_agree": 47}, "SDXL.",
                      synthetic=True)
    detector = _detector(0.3, calibrated=True)
    assert (combine([detector, marked, declared]).fake_score,
            combine([detector, marked, declared]).score_basis) == (0.9, "provenance")
    assert (combine([detector, marked]).fake_score,
            combine([detector, marked]).score_basis) == (0.95, "watermark")
    assert (combine([detector]).fake_score, combine([detector]).score_basis) == (0.3, "detector")


def test_an_uncalibrated_detector_is_labelled_so() -> None:
    got = combine([_detector(0.8, calibrated=False), FORENSIC])
    assert (got.fake_score, got.score_basis) == (0.8, "detector (uncalibrated)")


def test_a_capture_declaration_sets_no_score() -> None:
    captured = Evidence("provenance", "c2pa", {"digital_source_type": "digitalCapture"},
                        "Declares a camera capture.", synthetic=False, score=1.0)
    assert combine([captured]).score_basis == "none"


class _Broken:
    name = "broken"

    def assess(self, subject: SignalInput) -> list[Evidence]:
        raise ValueError("cannot parse\nthis")


class _Constant:
    name = "constant"

    def assess(self, subject: SignalInput) -> list[Evidence]:
        return [FORENSIC]


def test_a_failing_signal_leaves_a_note_and_the_others_still_run() -> None:
    frame = Frame(rgb=np.zeros((8, 8, 3), np.uint8), ts=None)
    got = SignalSuite([_Broken(), _Constant()]).assess(
        SignalInput(b"x", "image/png", "image", [frame]))
    assert [e.name for e in got.evidence] == ["broken_failed", "noise_mismatch"]
    assert got.evidence[0].value == "cannot parse this"


class _Declares:
    name = "provenance"
    score_basis = "provenance"

    def assess(self, subject: SignalInput) -> list[Evidence]:
        return [Evidence("provenance", "png_generator_chunk", "A1111", "Declares AI.",
                         synthetic=True, score=0.9)]


class _Counting:
    score_basis = "watermark"

    def __init__(self, name: str) -> None:
        self.name, self.calls = name, 0

    def assess(self, subject: SignalInput) -> list[Evidence]:
        self.calls += 1
        return []


def test_a_signal_that_cannot_change_the_score_is_skipped_with_a_note() -> None:
    frame = Frame(rgb=np.zeros((8, 8, 3), np.uint8), ts=None)
    subject = SignalInput(b"x", "image/png", "image", [frame])
    watermark, forensic = _Counting("watermark"), _Constant()
    got = SignalSuite([_Declares(), watermark, forensic]).assess(subject)
    assert watermark.calls == 0 and got.score_basis == "provenance"
    assert [e.name for e in got.evidence] == ["png_generator_chunk", "watermark_skipped",
                                              "noise_mismatch"]  # forensics still runs
    SignalSuite([watermark, forensic]).assess(subject)
    assert watermark.calls == 1  # nothing decided: it runs


def _face() -> Face:
    return Face(media_id="m", model_id="test", index=0, bbox=(1.0, 1.0, 6.0, 6.0),
                landmarks=[(2.0, 2.0)] * 5, det_score=0.9,
                embedding=np.zeros(4, np.float32))


class _Metadata(_Counting):
    reads_pixels = False


def test_pixel_signals_skip_faceless_media_unless_told_and_metadata_still_runs() -> None:
    frame = Frame(rgb=np.zeros((8, 8, 3), np.uint8), ts=None)
    faceless = SignalInput(b"x", "image/png", "image", [frame])
    pixels, metadata = _Counting("watermark"), _Metadata("provenance")
    got = SignalSuite([metadata, pixels], assess_faceless=False).assess(faceless)
    assert (metadata.calls, pixels.calls) == (1, 0)
    assert [(e.kind, e.name, e.value) for e in got.evidence] == [
        ("note", "watermark_skipped", "no face")]
    assert "no face was found" in got.evidence[0].explanation
    with_face = SignalInput(b"x", "image/png", "image", [frame], [_face()])
    SignalSuite([metadata, pixels], assess_faceless=False).assess(with_face)
    assert (metadata.calls, pixels.calls) == (2, 1)
    SignalSuite([metadata, pixels], assess_faceless=True).assess(faceless)
    assert (metadata.calls, pixels.calls) == (3, 2)


def test_the_configured_suite_skips_pixel_signals_for_faceless_media(tmp_path: Path) -> None:
    from jikimi import registry

    rgb = np.random.default_rng(0).normal(128, 40, (256, 256, 3)).clip(0, 255).astype(np.uint8)
    faceless = SignalInput(b"x", "image/png", "image", [Frame(rgb=rgb, ts=None)])
    settings = Settings(data_dir=tmp_path)
    skipped = {e.name for e in registry.open_signal_suite(settings).assess(faceless).evidence
               if e.kind == "note" and e.value == "no face"}
    assert skipped == {"watermark_skipped", "forensics_skipped"}
    settings.signals.assess_faceless = True
    evidence = registry.open_signal_suite(settings).assess(faceless).evidence
    assert not [e for e in evidence if e.value == "no face"]
    assert "spectral_upsampling_peaks" in {e.name for e in evidence}
