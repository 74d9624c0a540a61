"""API tokens for automation (scripts, the takedown team's tools): issue, verify, revoke.

A token is `jk_` and 32 random bytes (base64url); it is shown once, when issued, and only its
SHA-256 is stored, so the store alone lets nobody call the API. A plain hash is enough here,
unlike passwords: 256 random bits cannot be guessed, and verifying costs one lookup per request.
Every token expires (`token_default_days`, at most `token_max_days`); it works only while its
account exists and is enabled. `last_used` is written at most once a minute per token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from jikimi.accounts.core import AccountsCore, sha256_hex
from kernel.accounts import Account, ApiToken
from kernel.errors import AccountError, NotFound

PREFIX = "jk_"
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: str  # the secret: show it once, never store or log it
    record: ApiToken


class Tokens(AccountsCore):
    def issue_token(self, account_id: str, label: str, *, actor: str,
                    days: int | None = None) -> IssuedToken:
        account = self.account(account_id)
        if account.disabled:
            raise AccountError("the account is disabled: enable it before issuing a token")
        label = " ".join(label.split())
        if not 1 <= len(label) <= 100:
            raise AccountError("a token needs a label of 1 to 100 characters (what it is for)")
        days = self._settings.token_default_days if days is None else days
        if not 1 <= days <= self._settings.token_max_days:
            raise AccountError(f"a token is valid for 1 to {self._settings.token_max_days} days")
        token = PREFIX + secrets.token_urlsafe(32)
        now = self._now()
        record = ApiToken(token_id=secrets.token_hex(8), account_id=account_id,
                          token_hash=sha256_hex(token), label=label, created_at=now,
                          expires_at=now + timedelta(days=days))
        self._store.add_token(record)
        self._audit("token.issue", actor, account_id, token_id=record.token_id, label=label,
                    expires_at=record.expires_at.isoformat())
        return IssuedToken(token, record)

    def verify_token(self, token: str) -> Account | None:
        """The enabled account a valid, unexpired, unrevoked token belongs to, or None. Refused
        uses of a known token are audit-logged (a leaked token being tried shows there)."""
        if not token.startswith(PREFIX) or len(token) > 100:
            return None
        record = self._store.find_token(sha256_hex(token))
        if record is None:
            return None
        now = self._now()
        account = self._store.get_account(record.account_id)
        refused = _refusal(record, account, now)
        if refused is not None:
            self._audit("token.refused", record.account_id, record.account_id,
                        token_id=record.token_id, reason=refused)
            return None
        if record.last_used is None or now - record.last_used >= TOUCH_EVERY:
            self._store.touch_token(record.token_hash, now)
        return account

    def revoke_token(self, token_id: str, *, actor: str) -> ApiToken:
        record = next((t for t in self._store.list_tokens() if t.token_id == token_id), None)
        if record is None or not self._store.revoke_token(token_id, self._now()):
            raise NotFound(f"no API token with id {token_id}")
        self._audit("token.revoke", actor, record.account_id, token_id=token_id)
        return next(t for t in self._store.list_tokens(record.account_id)
                    if t.token_id == token_id)

    def list_tokens(self, account_id: str | None = None) -> list[ApiToken]:
        return self._store.list_tokens(account_id)


def _refusal(record: ApiToken, account: Account | None, now: datetime) -> str | None:
    if record.revoked_at is not None:
        return "revoked"
    if now >= record.expires_at:
        return "expired"
    if account is None or account.disabled:
        return "account disabled or gone"
    return None
