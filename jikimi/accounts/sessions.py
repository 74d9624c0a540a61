"""Server-side web sessions for the portal: start, check, end; CSRF tokens; the cookie.

The cookie holds 32 random bytes; the store holds only their SHA-256, so a copied store gives
no session away. A session ends `session_idle_minutes` after its last request and
`session_lifetime_hours` after sign-in however active, and at once when its account is
disabled, changes role or password. Each session has its own CSRF token, which every form
carries and `check_csrf` compares in constant time. The cookie is `Secure; HttpOnly;
SameSite`, named `__Host-…` (browsers then insist on Secure, Path=/ and no Domain), and has no
Max-Age: closing the browser (a shared computer) forgets it.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from jikimi.accounts.core import AccountsCore, sha256_hex
from kernel.accounts import Account, WebSession
from kernel.errors import AccessDenied

TOUCH_EVERY = timedelta(minutes=1)  # `last_seen` precision: bounds writes to one a minute


@dataclass(frozen=True)
class NewSession:
    session_id: str  # the cookie's value: give it to the browser, never store or log it
    session: WebSession


@dataclass(frozen=True)
class SignedIn:
    account: Account
    session: WebSession

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token


class Sessions(AccountsCore):
    def start_session(self, account: Account) -> NewSession:
        """A new session for an account that just signed in (never reuse an older one)."""
        session_id = secrets.token_urlsafe(32)
        now = self._now()
        session = WebSession(
            session_hash=sha256_hex(session_id), account_id=account.account_id,
            csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen=now,
            expires_at=now + timedelta(hours=self._settings.session_lifetime_hours))
        self._store.create_session(session)
        return NewSession(session_id, session)

    def verify_session(self, session_id: str | None) -> SignedIn | None:
        """The signed-in account behind a cookie value, or None (and the session is deleted)
        when it is unknown, expired, idle too long, or its account is disabled or gone."""
        if not session_id or len(session_id) > 100:
            return None
        session = self._store.get_session(sha256_hex(session_id))
        if session is None:
            return None
        now = self._now()
        idle = timedelta(minutes=self._settings.session_idle_minutes)
        account = (None if now >= session.expires_at or now - session.last_seen >= idle
                   else self._store.get_account(session.account_id))
        if account is None or account.disabled:
            self._store.delete_session(session.session_hash)
            return None
        if now - session.last_seen >= TOUCH_EVERY:
            self._store.touch_session(session.session_hash, now)
            session.last_seen = now
        return SignedIn(account, session)

    def check_csrf(self, session: WebSession, submitted: str | None) -> None:
        """Return when a form's CSRF token is the session's; AccessDenied otherwise."""
        if not submitted or not hmac.compare_digest(session.csrf_token.encode(),
                                                    submitted.encode()):
            raise AccessDenied("this form is out of date or not from this site: "
                               "reload the page and try again")

    def end_session(self, session_id: str) -> bool:
        """Sign out: delete the session (audit-logged); False when there was none."""
        session = self._store.get_session(sha256_hex(session_id)) if session_id else None
        if session is None or not self._store.delete_session(session.session_hash):
            return False
        self._audit("logout", session.account_id, session.account_id)
        return True

    def end_all_sessions(self, account_id: str, *, actor: str) -> int:
        ended = self._store.delete_account_sessions(account_id)
        self._audit("session.end_all", actor, account_id, sessions_ended=ended)
        return ended

    def purge_sessions(self) -> int:
        """Delete expired and idle sessions (housekeeping; checks delete them anyway)."""
        now = self._now()
        idle = timedelta(minutes=self._settings.session_idle_minutes)
        return self._store.delete_stale_sessions(expired_at=now, idle_since=now - idle)

    def session_cookie(self, session_id: str) -> str:
        """The `Set-Cookie` header value that gives the browser its session."""
        return (f"{self._settings.cookie_name}={session_id}; Path=/; Secure; HttpOnly; "
                f"SameSite={self._settings.cookie_samesite}")

    def cleared_cookie(self) -> str:
        """The `Set-Cookie` header value that makes the browser forget its session."""
        return (f"{self._settings.cookie_name}=; Path=/; Max-Age=0; Secure; HttpOnly; "
                f"SameSite={self._settings.cookie_samesite}")
