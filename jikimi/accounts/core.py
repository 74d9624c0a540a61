"""What every part of `Accounts` shares: the store, the settings, the clock, the audit trail.

The clock is injected (`clock=`) so lockout, expiry and idle time can be tested without
sleeping. Audit events name accounts by id, in `actor` (who did it: an account id, or
`cli:<os user>` for the admin CLI) and `subject` (whom it was about); their `detail` never
holds a password, a token, a session id or a username.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from jikimi.accounts.passwords import Passwords
from jikimi.accounts.ratelimit import FailureLimiter
from kernel.accounts import Account
from kernel.errors import NotFound
from kernel.ports import Store
from kernel.records import AuditEvent, utcnow
from kernel.settings import AccountSettings

Clock = Callable[[], datetime]
ANONYMOUS = "anonymous"  # actor of a sign-in attempt: nobody is signed in yet
UNKNOWN_ACCOUNT = "account:unknown"  # subject of a sign-in with a username nobody has
LOCKOUT_RULE = "rule:lockout"  # actor of an automatic lock


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AccountsCore:
    def __init__(self, store: Store, settings: AccountSettings, *,
                 clock: Clock = utcnow) -> None:
        self._store = store
        self._settings = settings
        self._now = clock
        self._passwords = Passwords(settings)
        self._limiter = FailureLimiter(settings.rate_limit_attempts,
                                       settings.rate_limit_window_seconds,
                                       lambda: clock().timestamp())

    @property
    def settings(self) -> AccountSettings:
        return self._settings

    def account(self, account_id: str) -> Account:
        found = self._store.get_account(account_id)
        if found is None:
            raise NotFound(f"no account with id {account_id}")
        return found

    def account_named(self, username: str) -> Account:
        found = self._store.get_account_by_username(username)
        if found is None:
            raise NotFound(f"no account named {username!r}")
        return found

    def _audit(self, action: str, actor: str, subject: str, **detail: Any) -> None:
        self._store.record_audit(AuditEvent(action=action, actor=actor, subject=subject,
                                            at=self._now(), detail=detail))
