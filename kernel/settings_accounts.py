"""Settings of the portal's accounts: password hashing and policy, lockout, sessions, tokens.

A strict section (unknown keys are errors) nested in `kernel.settings.Settings` as `accounts`,
so `JIKIMI_ACCOUNTS__MAX_FAILED_LOGINS=3` or `[accounts]` in the config file set it. Changing the
argon2 parameters is safe: each stored hash names its own, and a hash made with other ones is
replaced at the account's next successful sign-in.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kernel.settings_pipeline import Section


class AccountSettings(Section):
    # argon2id (RFC 9106's second recommended option: 3 passes over 64 MiB, 4 lanes)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=64 * 1024, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    # password policy: length over composition rules (NIST SP 800-63B)
    min_password_length: int = Field(default=12, ge=8)
    max_password_length: int = Field(default=256, ge=64)  # hashing megabytes is a DoS vector
    # lockout: this many consecutive failures lock the account for `lockout_minutes`
    max_failed_logins: int = Field(default=5, ge=1)
    lockout_minutes: float = Field(default=15.0, gt=0)
    # rate limit per client address (in memory, per process), whatever the usernames tried
    rate_limit_attempts: int = Field(default=20, ge=1)
    rate_limit_window_seconds: float = Field(default=300.0, gt=0)
    # web sessions: ended after this long without a request, and this long after sign-in anyway
    session_idle_minutes: float = Field(default=30.0, gt=0)
    session_lifetime_hours: float = Field(default=12.0, gt=0)
    cookie_name: str = "__Host-jikimi-session"  # __Host-: Secure, Path=/, no Domain, by rule
    cookie_samesite: Literal["Strict", "Lax"] = "Lax"  # Lax: links from alert e-mails work
    # API tokens
    token_default_days: int = Field(default=90, ge=1)
    token_max_days: int = Field(default=366, ge=1)
