"""The consent text a person accepts before enrolling, in Korean and English, versioned.

A case records the version she accepted, so a version's text must never change once shipped:
a changed text is a new file pair (`v2.ko.md`, `v2.en.md`) and a new `CURRENT_VERSION`, and
`tests/test_consent.py` pins every shipped version's bytes. The texts are package data, read
with importlib.resources so they work from a wheel as well as from a checkout.
"""

from __future__ import annotations

import re
from importlib import resources

from kernel.errors import ConfigError

CURRENT_VERSION = "v1"
LANGUAGES = ("ko", "en")
_FILE = re.compile(r"(v\d+)\.(ko|en)\.md")


def versions() -> list[str]:
    """Every version shipped in both languages, oldest first."""
    found: dict[str, set[str]] = {}
    for entry in resources.files(__name__).iterdir():
        match = _FILE.fullmatch(entry.name)
        if match:
            found.setdefault(match[1], set()).add(match[2])
    complete = [v for v, langs in found.items() if langs == set(LANGUAGES)]
    return sorted(complete, key=lambda v: int(v[1:]))


def require_version(version: str) -> str:
    """`version` when it is a shipped consent version, else ConfigError naming the known ones."""
    if version not in versions():
        raise ConfigError(f"unknown consent version {version!r} "
                          f"(shipped: {', '.join(versions())}; current: {CURRENT_VERSION})")
    return version


def consent_text(version: str = CURRENT_VERSION, lang: str = "ko") -> str:
    """The consent text of `version` in `lang` ("ko" or "en"), as Markdown."""
    if lang not in LANGUAGES:
        raise ConfigError(f"consent language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    require_version(version)
    return resources.files(__name__).joinpath(f"{version}.{lang}.md").read_text(encoding="utf-8")
