"""Records of the portal's accounts: who may sign in, their API tokens, their web sessions.

They sit apart from `records.py` (what the pipeline passes on) because nothing in the pipeline
reads them; only the application and the stores do. Secrets never appear in them as such: an
account holds the argon2 hash of its password, a token and a session only the SHA-256 of the
random value their holder keeps, so a copied store lets nobody sign in. `repr` leaves hashes out.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from kernel.records import utcnow

# victim: her own case only; operator: NGO staff who review; takedown: sends notices; admin: all
Role = Literal["victim", "operator", "takedown", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)


def username_key(username: str) -> str:
    """What usernames are compared by: NFKC-normalised, case-folded, outer spaces stripped, so
    "Ana", "ANA" and a full-width "Ａｎａ" are one account, and no two accounts look alike."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


@dataclass
class Account:
    """One person who may sign in. `case_id` is set for victims only: the one case they see."""

    account_id: str  # random; audit events name accounts by it, never by username
    username: str
    role: Role
    password_hash: str = field(repr=False)  # argon2id, PHC string format
    case_id: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    disabled: bool = False
    failed_logins: int = 0  # consecutive failures since the last success or lockout
    locked_until: datetime | None = None
    last_login: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


@dataclass
class ApiToken:
    """A bearer token for automation. Its value is shown once; only its SHA-256 is kept."""

    token_id: str  # random, public: what `users token list` shows and `revoke` takes
    account_id: str
    token_hash: str = field(repr=False)  # hex SHA-256 of the token
    label: str  # what it is for ("nightly export"), set by whoever issues it
    expires_at: datetime
    created_at: datetime = field(default_factory=utcnow)
    last_used: datetime | None = None
    revoked_at: datetime | None = None


@dataclass
class WebSession:
    """A server-side web session. The cookie holds a random id; only its SHA-256 is kept."""

    session_hash: str = field(repr=False)  # hex SHA-256 of the cookie's session id
    account_id: str
    csrf_token: str = field(repr=False)  # sent back with every form of the session
    expires_at: datetime  # the absolute end, however active the session is
    created_at: datetime = field(default_factory=utcnow)
    last_seen: datetime = field(default_factory=utcnow)
