"""Signing in: a username and password become an Account, or LoginRefused.

Three brakes, checked before the password (so a refused attempt costs no hashing):
* per client address (`source`): `rate_limit_attempts` failures within the window stop that
  client for the rest of it, whatever usernames it tries;
* per account: `max_failed_logins` consecutive failures lock it for `lockout_minutes` (the count
  lives in the store, so it holds across processes and restarts); an admin can unlock early;
* disabled accounts never sign in.
An unknown username costs one dummy verification, like a wrong password, and every refusal
raises the same message, so neither timing nor wording tells which usernames exist. A success
resets the count, records the time, and replaces the hash if the argon2 settings changed.
Every attempt is audit-logged: the account (or `account:unknown`), the outcome, the source.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NoReturn

from jikimi.accounts.core import ANONYMOUS, LOCKOUT_RULE, UNKNOWN_ACCOUNT, AccountsCore
from kernel.accounts import Account
from kernel.errors import LoginRefused


class Login(AccountsCore):
    def authenticate(self, username: str, password: str, *,
                     source: str | None = None) -> Account:
        """The account, signed in; LoginRefused (one message for every cause) otherwise.
        `source` is the client's address, for the rate limit and the audit log."""
        account = self._store.get_account_by_username(username) if username else None
        subject = UNKNOWN_ACCOUNT if account is None else account.account_id
        if source is not None and self._limiter.blocked(source):
            self._refuse("rate_limited", subject, source)
        longest = self._settings.max_password_length
        barred = self._barred(account)
        if barred is not None or len(password) > longest:
            self._passwords.burn(password[:longest])  # as long as a real verification
        if barred is not None:
            self._refuse(barred, subject, source)
        assert account is not None  # _barred says "unknown" otherwise
        if len(password) > longest or not self._passwords.verify(account.password_hash,
                                                                 password):
            failures = self._count_failure(account)
            self._refuse("password", subject, source, failures=failures)
        return self._signed_in(account, password, source)

    def _barred(self, account: Account | None) -> str | None:
        """Why this account may not even try a password now, or None."""
        if account is None:
            return "unknown"
        if account.disabled:
            return "disabled"
        return "locked" if account.is_locked(self._now()) else None

    def _count_failure(self, account: Account) -> int:
        now = self._now()
        lock_until = now + timedelta(minutes=self._settings.lockout_minutes)
        stored = self._store.record_login_failure(
            account.account_id, max_failures=self._settings.max_failed_logins,
            lock_until=lock_until)
        if stored.locked_until == lock_until:
            self._audit("account.lock", LOCKOUT_RULE, account.account_id,
                        until=lock_until.isoformat(),
                        failures=self._settings.max_failed_logins)
            return self._settings.max_failed_logins
        return stored.failed_logins

    def _refuse(self, reason: str, subject: str, source: str | None,
                **detail: object) -> NoReturn:
        if source is not None and reason != "rate_limited":
            self._limiter.record(source)
        self._audit("login.failure", ANONYMOUS, subject, reason=reason, source=source, **detail)
        raise LoginRefused(reason)

    def _signed_in(self, account: Account, password: str, source: str | None) -> Account:
        if self._passwords.needs_rehash(account.password_hash):
            account.password_hash = self._passwords.hash(password)
        account.failed_logins, account.locked_until = 0, None
        account.last_login = self._now()
        self._store.update_account(account)
        self._audit("login.success", account.account_id, account.account_id, source=source)
        return account
