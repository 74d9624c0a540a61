"""Settings of takedown work: where RDAP lookups go, how long their answers count, which
legal basis and languages notices use by default, who the regulator is, and when a URL with no
reply is escalated and a removed one re-checked.

A strict section nested in `kernel.settings.Settings` as `takedown` (`JIKIMI_TAKEDOWN__…` or
`[takedown]`). RDAP servers and the bootstrap registries are public services on the internet:
`rdap_allow_private` exists only so tests can serve recorded answers from a loopback fixture
server, and lifts the address guard for RDAP lookups alone.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from kernel.settings_pipeline import Section

IANA_BOOTSTRAP = "https://data.iana.org/rdap/"


class TakedownSettings(Section):
    # RDAP: the IANA bootstrap files (dns.json, ipv4.json, ipv6.json) are read from here
    rdap_bootstrap_url: str = IANA_BOOTSTRAP
    rdap_timeout: float = Field(default=15.0, gt=0)
    rdap_cache_dir: Path | None = None  # default: <store folder>/rdap-cache
    rdap_cache_hours: float = Field(default=72.0, ge=0)  # 0: never reuse an answer
    rdap_allow_private: bool = False  # tests only: RDAP servers on loopback
    # notices
    legal_basis: str = "kr"  # a template key: kr, us-take-it-down, platform-policy
    languages: list[str] = Field(default_factory=lambda: ["ko", "en"])
    sender_name: str = "Takedown desk"
    sender_email: str = "takedown@localhost"
    sender_organisation: str = "jikimi"  # who signs: set it to the deploying organisation
    # the last step of escalation (host → registrar → regulator); empty: no regulator step
    regulator_name: str = "Korea Communications Standards Commission (KCSC)"
    regulator_email: str = ""
    # follow-up: a sent URL with no answer after this many days goes to the next recipient
    no_reply_days: int = Field(default=7, ge=1)
    # removed URLs are fetched again this many days after their removal, for re-uploads
    recheck_removed_days: int = Field(default=7, ge=1)
    recheck_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
