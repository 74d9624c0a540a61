"""The consent text: both languages of every version, saying what it must, and never edited once
shipped (a case records the version she accepted, so that version's words must stay the same)."""

from __future__ import annotations

import hashlib
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from jikimi.consent import CURRENT_VERSION, LANGUAGES, consent_text, require_version, versions
from kernel.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
# A shipped version's bytes, pinned. Changing the text means adding v2, not editing v1.
SHIPPED = {
    ("v1", "en"): "f3064fca44460f68088f48fca37ff31c6c4c2d7fd07ceb366a316b24d7544a86",
    ("v1", "ko"): "437d81dda9987b02d3abf7e8fb58621bd22a5ab7dc8e40c4c6320c509f259ef6",
}
SECTIONS = {
    "en": ["What is matched", "What is stored", "For how long", "Who sees what",
           "How to withdraw"],
    "ko": ["무엇을 대조하나요", "무엇을 저장하나요", "얼마나 오래 보관하나요", "누가 무엇을 보나요",
           "철회하는 방법"],
}


def test_shipped_versions_never_change() -> None:
    assert CURRENT_VERSION in versions()
    for (version, lang), digest in SHIPPED.items():
        text = consent_text(version, lang).encode("utf-8")
        assert hashlib.sha256(text).hexdigest() == digest, f"{version}.{lang}: write a new version"
    assert {v for v, _ in SHIPPED} == set(versions())  # a new version gets pinned too


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_version_says_what_consent_needs(lang: str) -> None:
    for version in versions():
        text = consent_text(version, lang)
        headings = [line[3:].strip() for line in text.splitlines() if line.startswith("## ")]
        assert headings == SECTIONS[lang]
        assert f"({'버전' if lang == 'ko' else 'version'} {version})" in text.splitlines()[0]


def test_unknown_versions_and_languages_are_refused() -> None:
    with pytest.raises(ConfigError, match="v1"):
        require_version("v0")
    with pytest.raises(ConfigError, match="ko, en"):
        consent_text(CURRENT_VERSION, "fr")


def test_the_texts_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "consent/*.md" in config["tool"]["setuptools"]["package-data"]["jikimi"]
    names = {entry.name for entry in resources.files("jikimi.consent").iterdir()}
    assert {f"{CURRENT_VERSION}.{lang}.md" for lang in LANGUAGES} <= names
