"""C2PA provenance: manifests made here with a fresh test CA, verified offline.

Covers the four states a victim, an operator or a court must be able to tell apart: a valid
manifest from an unknown signer, a valid manifest from a trusted signer, a manifest the file no
longer matches (tampered), and no manifest at all (stripped by re-encoding).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import c2pa
import pytest

from enrichment.signals.provenance import ProvenanceSignal
from kernel.errors import ConfigError
from kernel.ports import MediaSignal, SignalInput
from kernel.settings import SignalSettings
from tests.c2pa_fixtures import (
    CAPTURE,
    COMPOSITE,
    TRAINED,
    SigningCA,
    make_test_ca,
    manifest_declaring,
    sign,
    tamper_jpeg,
)
from tests.provenance_media import as_png, assess, by_name, photo_bytes, reencode, tiny_mp4


@pytest.fixture(scope="module")
def ca() -> SigningCA:
    return make_test_ca()


@pytest.fixture(scope="module")
def signed_jpeg(ca: SigningCA) -> bytes:
    return sign(photo_bytes(), "image/jpeg", ca, TRAINED)


def _manifest(evidence: list, count: int = 1) -> dict:
    assert [e.name for e in evidence] == ["c2pa"] * count, evidence
    return evidence[0].value


def test_is_a_media_signal() -> None:
    signal = ProvenanceSignal(SignalSettings())
    assert isinstance(signal, MediaSignal)
    assert signal.name == "provenance"


def test_valid_manifest_without_anchors_is_untrusted_but_declares_ai(signed_jpeg: bytes) -> None:
    evidence = assess(signed_jpeg)
    value = _manifest(evidence)
    item = evidence[0]
    assert (item.kind, item.synthetic, item.score) == ("provenance", True, 1.0)
    assert value["state"] == "valid" and value["trusted"] is False
    assert value["digital_source_types"] == [TRAINED]
    assert value["claim_generator"] == "jikimi-test-generator 0.1"
    assert value["signer"] == "jikimi test signer" and value["issuer"] == "jikimi tests"
    assert "signingCredential.untrusted" in value["failure_codes"]
    assert "untrusted" in item.explanation and "trainedAlgorithmicMedia" in item.explanation


def test_valid_manifest_is_trusted_with_its_root_as_anchor(
    signed_jpeg: bytes, ca: SigningCA, tmp_path: Path
) -> None:
    evidence = assess(signed_jpeg, anchors=ca.write_anchor(tmp_path))
    value = _manifest(evidence)
    assert value["state"] == "valid" and value["trusted"] is True
    assert value["failure_codes"] == []
    assert "trusted certificate" in evidence[0].explanation
    assert evidence[0].score == 1.0


def test_another_root_as_anchor_does_not_make_the_signer_trusted(
    signed_jpeg: bytes, tmp_path: Path
) -> None:
    stranger = make_test_ca().write_anchor(tmp_path)
    value = _manifest(assess(signed_jpeg, anchors=stranger))
    assert value["state"] == "valid" and value["trusted"] is False


def test_tampered_file_is_reported_invalid_with_unverified_claims(
    signed_jpeg: bytes, ca: SigningCA, tmp_path: Path
) -> None:
    evidence = assess(tamper_jpeg(signed_jpeg), anchors=ca.write_anchor(tmp_path))
    value = _manifest(evidence)
    assert value["state"] == "invalid" and value["trusted"] is False
    assert "assertion.dataHash.mismatch" in value["failure_codes"]
    assert (evidence[0].synthetic, evidence[0].score) == (True, 0.6)
    assert "unverified" in evidence[0].explanation


def test_reencoding_strips_the_manifest(signed_jpeg: bytes) -> None:
    evidence = assess(reencode(signed_jpeg))
    assert [(e.kind, e.name, e.value) for e in evidence] == [("note", "no_provenance", None)]
    assert "proves nothing" in evidence[0].explanation


def test_composite_png_declares_partial_ai(ca: SigningCA) -> None:
    signed = sign(as_png(photo_bytes()), "image/png", ca, COMPOSITE)
    evidence = assess(signed)
    assert _manifest(evidence)["digital_source_types"] == [COMPOSITE]
    assert evidence[0].synthetic is True
    assert "compositeWithTrainedAlgorithmicMedia" in evidence[0].explanation


def test_capture_manifest_declares_not_synthetic(ca: SigningCA) -> None:
    evidence = assess(sign(photo_bytes(), "image/jpeg", ca, CAPTURE))
    assert _manifest(evidence)["state"] == "valid"
    assert (evidence[0].synthetic, evidence[0].score) == (False, None)


def test_signed_mp4_video(ca: SigningCA, tmp_path: Path) -> None:
    evidence = assess(sign(tiny_mp4(), "video/mp4", ca, TRAINED), anchors=ca.write_anchor(tmp_path))
    value = _manifest(evidence)
    assert value["state"] == "valid" and value["trusted"] is True
    assert evidence[0].synthetic is True


def test_remote_manifest_is_not_fetched(ca: SigningCA) -> None:
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, ca.chain_pem, ca.key_pem, None)
    context = c2pa.Context.from_dict({"verify": {"verify_after_sign": False}})
    with (
        c2pa.Signer.from_info(info) as signer,
        c2pa.Builder(manifest_declaring(TRAINED), context=context) as builder,
    ):
        builder.set_no_embed()
        builder.set_remote_url("http://127.0.0.1:9/never-fetched.c2pa")
        out = io.BytesIO()
        builder.sign(signer, "image/jpeg", io.BytesIO(photo_bytes()), out)
    found = by_name(assess(out.getvalue()))
    assert found["c2pa_remote_manifest"].value == "http://127.0.0.1:9/never-fetched.c2pa"
    assert found["c2pa_remote_manifest"].kind == "note"


@pytest.mark.parametrize("cut", [0.02, 0.05, 0.5])
def test_truncated_c2pa_data_is_a_note_not_a_crash(signed_jpeg: bytes, cut: float) -> None:
    evidence = assess(signed_jpeg[: int(len(signed_jpeg) * cut)])
    notes = {e.name for e in evidence if e.kind == "note"}
    assert notes & {"c2pa_error", "metadata_error"}, evidence
    assert "no_provenance" in notes


def test_unusable_anchor_file_is_a_config_error(tmp_path: Path) -> None:
    not_pem = tmp_path / "anchors.pem"
    not_pem.write_text("hello")
    with pytest.raises(ConfigError, match="no PEM certificate"):
        ProvenanceSignal(SignalSettings(c2pa_trust_anchors=not_pem))
    with pytest.raises(ConfigError, match="trust anchors"):
        ProvenanceSignal(SignalSettings(c2pa_trust_anchors=tmp_path / "missing.pem"))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_signal_built_before_a_fork_still_verifies_in_the_child(signed_jpeg: bytes) -> None:
    """Workers are often forked from a parent that built the signal; the SDK refuses a context
    inherited across fork, which would silently turn every manifest into an error note."""
    signal = ProvenanceSignal(SignalSettings())
    item = SignalInput(data=signed_jpeg, content_type="image/jpeg", kind="image", frames=[])
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report the evidence names through the pipe, then leave at once
        names = "?"
        try:
            names = ",".join(e.name for e in signal.assess(item))
        finally:
            os.write(write_end, names.encode())
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    assert os.read(read_end, 1000).decode() == "c2pa"
    assert [e.name for e in signal.assess(item)] == ["c2pa"]
