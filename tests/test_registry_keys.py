"""The registry's caches are keyed by exactly what a loaded engine or signal suite depends on."""

from __future__ import annotations

from pathlib import Path

import pytest

from jikimi import registry
from jikimi.registry import EngineKey, SuiteKey
from kernel.settings import FaceSettings, Settings, SignalSettings


def test_the_same_signal_configuration_reuses_the_loaded_suite(tmp_path: Path) -> None:
    first = registry.open_signal_suite(Settings(data_dir=tmp_path))
    again = registry.open_signal_suite(Settings(data_dir=tmp_path / "elsewhere"))
    assert again is first  # the data dir is not something the suite depends on
    other = registry.open_signal_suite(
        Settings(data_dir=tmp_path, signals=SignalSettings(watermark_min_bits=40)))
    assert other is not first


def test_providers_count_for_the_suite_only_with_a_detector(tmp_path: Path) -> None:
    plain = SignalSettings()
    assert SuiteKey.of(plain, ["CPUExecutionProvider"]) == SuiteKey.of(plain, None)
    slot = SignalSettings(detector_dir=tmp_path / "detector")
    assert SuiteKey.of(slot, ["CPUExecutionProvider"]) != SuiteKey.of(slot, None)


def test_suite_keys_resolve_paths_and_are_hashable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    relative = SuiteKey.of(SignalSettings(c2pa_trust_anchors=Path("roots.pem")), None)
    absolute = SuiteKey.of(SignalSettings(c2pa_trust_anchors=tmp_path / "roots.pem"), None)
    assert relative == absolute and hash(relative) == hash(absolute)
    changed = SuiteKey.of(SignalSettings(detector_batch=8), None)
    assert changed != SuiteKey.of(SignalSettings(), None)


def test_engine_keys_ignore_thresholds(tmp_path: Path) -> None:
    strict = FaceSettings(thresholds={"m": 0.9})
    assert EngineKey.of(strict, tmp_path) == EngineKey.of(FaceSettings(), tmp_path)
    assert EngineKey.of(FaceSettings(det_size=320), tmp_path) != EngineKey.of(
        FaceSettings(), tmp_path)


def test_cache_keys_cover_every_setting_of_their_section() -> None:
    """A new setting must be added to its key (or named here as applied after loading)."""
    suite_fields = set(SuiteKey.__dataclass_fields__) - {"providers"}
    assert suite_fields == set(SignalSettings.model_fields)
    engine_fields = set(EngineKey.__dataclass_fields__) - {"model_cache_dir"}
    applied_after_loading = {"thresholds"}  # matching compares with them; the engine never does
    assert engine_fields | applied_after_loading | {"cache_dir"} == set(FaceSettings.model_fields)
