"""One Settings object: defaults, env (JIKIMI_…), TOML/YAML files, and one-line config errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from jikimi.cli import main
from kernel.errors import ConfigError
from kernel.settings import load_settings


def test_defaults_are_safe(monkeypatch):
    monkeypatch.delenv("JIKIMI_DATA_DIR", raising=False)
    settings = load_settings()
    assert settings.data_dir == Path("./jikimi-data")
    assert settings.crawl.allow_private is False
    assert settings.media.keep_media is False
    assert settings.faces.engine == "yunet-sface"
    assert settings.faces.threshold_for("yunet-2023mar+sface-2021dec") == 0.45


def test_env_overrides_file_and_overrides_env(monkeypatch, tmp_path):
    toml = tmp_path / "jikimi.toml"
    toml.write_text('data_dir = "/from/file"\n[crawl]\nmax_media_bytes = 1234\n'
                    '[faces.thresholds]\n"m" = 0.6\n')
    monkeypatch.setenv("JIKIMI_CRAWL__MAX_MEDIA_BYTES", "999")
    settings = load_settings(toml)
    assert settings.data_dir == Path("/from/file")
    assert settings.crawl.max_media_bytes == 999
    assert settings.faces.threshold_for("m") == 0.6
    assert load_settings(toml, data_dir=tmp_path).data_dir == tmp_path


def test_yaml_file_and_derived_paths(tmp_path):
    yaml = tmp_path / "c.yaml"
    yaml.write_text(f"data_dir: {tmp_path}\nalerts:\n  smtp_host: mail.example.org\n")
    settings = load_settings(yaml)
    assert settings.alerts.smtp_host == "mail.example.org"
    assert settings.sqlite_path == tmp_path / "jikimi.sqlite3"
    assert settings.blob_uri.startswith("file://") and settings.blob_uri.endswith("/blobs")


def test_bad_config_is_one_clear_error(monkeypatch, tmp_path, capsys):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "missing.toml")
    monkeypatch.setenv("JIKIMI_CRAWL__MAX_MEDIA_BYTES", "lots")
    with pytest.raises(ConfigError, match="crawl.max_media_bytes"):
        load_settings()
    assert main(["--data-dir", str(tmp_path), "alerts", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("jikimi: error: invalid setting crawl.max_media_bytes")
    assert len(err.strip().splitlines()) == 1


def test_unknown_setting_is_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[crawl]\nallow_privat = true\n")
    with pytest.raises(ConfigError, match="allow_privat"):
        load_settings(bad)
