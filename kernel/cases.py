"""Cases: who verified that an enrolling person is who she says, and what she consented to.

Matching faces is only defensible for a person who asked for it, so every enrollment belongs to a
case that records how her identity was checked (the method, the operator, the time — never the
ID document) and which version of the consent text she accepted, when and through which channel.
The method and channel are fixed words, not free text: a free-text field invites an operator to
type an ID number into it. The only free text, `note` (e.g. a partner organisation's own case
number), can identify her, so stores keep it encrypted and erasure removes it; everything else a
case holds is what the audit needs after she is gone, and names nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from kernel.errors import ConfigError
from kernel.records import utcnow

CaseStatus = Literal["open", "withdrawn", "closed"]
CASE_STATUSES: tuple[str, ...] = get_args(CaseStatus)

# How identity was verified. "cli-operator": an operator enrolled from the server's command line
# (scripts) and vouches for the person; recorded with the OS user until the CLI has accounts.
VERIFICATION_METHODS = ("in-person", "video-call", "partner-referral", "cli-operator")
# Where the consent text was accepted.
CONSENT_CHANNELS = ("portal", "in-person", "paper", "video-call", "phone", "cli")


@dataclass(frozen=True)
class Verification:
    method: str  # one of VERIFICATION_METHODS
    verified_by: str  # the operator who checked her identity
    verified_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class Consent:
    version: str  # of the consent text (jikimi/consent/), e.g. "v1"
    channel: str  # one of CONSENT_CHANNELS
    accepted_at: datetime = field(default_factory=utcnow)


@dataclass
class Case:
    """One person's case. `person_id` is set once her photos are enrolled."""

    case_id: str
    verification: Verification
    consent: Consent
    person_id: str | None = None
    status: CaseStatus = "open"
    note: str | None = None  # operators' free text; encrypted at rest, erased with the person
    created_at: datetime = field(default_factory=utcnow)
    closed_at: datetime | None = None  # when it left "open"


def check_case_fields(verification: Verification, consent: Consent) -> None:
    """ConfigError unless the method and channel are known words and the operator is named."""
    if verification.method not in VERIFICATION_METHODS:
        raise ConfigError(f"unknown verification method {verification.method!r} "
                          f"(one of {', '.join(VERIFICATION_METHODS)})")
    if consent.channel not in CONSENT_CHANNELS:
        raise ConfigError(f"unknown consent channel {consent.channel!r} "
                          f"(one of {', '.join(CONSENT_CHANNELS)})")
    if not verification.verified_by.strip():
        raise ConfigError("the verifying operator must be named")
