"""Passwords: the policy a new one must meet, and argon2id hashing.

The policy follows NIST SP 800-63B: length counts, composition rules do not (they push people
to `Password1!`); the few checks beyond length catch what guessing tries first. Passwords are
NFKC-normalised before checking and hashing, so one typed on another keyboard or input method
(a Hangul syllable composed or as separate jamo, full-width Latin) is still the same password.

Hashes are argon2id in PHC format; each names its own parameters, so raising them in settings
leaves old hashes verifiable, and `needs_rehash` tells the caller to replace one at the next
successful sign-in. `burn` verifies against a throw-away hash: signing in as an unknown user
takes as long as a wrong password, so timing does not tell which usernames exist.
"""

from __future__ import annotations

import secrets
import threading
import unicodedata

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from kernel.accounts import username_key
from kernel.errors import WeakPassword
from kernel.settings import AccountSettings

# What guessing tries first and a length rule alone lets through (compared case-folded).
COMMON = frozenset({
    "123456789012", "1234567890123", "12345678901234", "123456789123", "111111111111",
    "1q2w3e4r5t6y", "1q2w3e4r5t6y7u", "q1w2e3r4t5y6", "qwertyuiop12", "qwertyuiop123",
    "qwer1234qwer", "asdf1234asdf", "qwerasdfzxcv", "zxcvbnm12345", "password1234",
    "password12345", "passw0rd1234", "iloveyou1234", "abcd12345678", "abcdefghijkl",
    "letmein12345", "welcome12345", "administrator", "adminadmin12", "sarang123456",
    "saranghae123", "saranghaeyo1", "jikimi123456", "changeme1234",
})
MIN_DISTINCT = 5  # "aaaaaaaaaaaa", "abababababab"


def normalize_password(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def password_problems(password: str, settings: AccountSettings, *,
                      username: str | None = None) -> list[str]:
    """What is wrong with `password` as a new password, in words; empty when it is fine."""
    text = normalize_password(password)
    problems = []
    if len(text) < settings.min_password_length:
        problems.append(f"use at least {settings.min_password_length} characters "
                        f"(this one has {len(text)}); a few words together are easy to remember")
    if len(text) > settings.max_password_length:
        problems.append(f"use at most {settings.max_password_length} characters")
    if len(set(text)) < MIN_DISTINCT:
        problems.append(f"use at least {MIN_DISTINCT} different characters")
    if text.casefold() in COMMON:
        problems.append("this password is one of the first ones guessed")
    name = username_key(username) if username else ""
    if len(name) >= 3 and name in text.casefold():
        problems.append("do not put the username in the password")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        problems.append("do not use control characters")
    return problems


def check_password(password: str, settings: AccountSettings, *,
                   username: str | None = None) -> None:
    """Raise WeakPassword with every problem in one line, or return when the password is fine."""
    problems = password_problems(password, settings, username=username)
    if problems:
        raise WeakPassword("password refused: " + "; ".join(problems))


class Passwords:
    """argon2id with the parameters of `accounts.argon2_*`."""

    def __init__(self, settings: AccountSettings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism, hash_len=32, salt_len=16, type=Type.ID)
        self._dummy: str | None = None
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        return self._hasher.hash(normalize_password(password))

    def verify(self, stored_hash: str, password: str) -> bool:
        """True when `password` matches; False on a mismatch or an unreadable stored hash."""
        try:
            return self._hasher.verify(stored_hash, normalize_password(password))
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when the hash was made with other parameters than the current settings."""
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True

    def burn(self, password: str) -> None:
        """Spend the time one verification takes, for a sign-in that fails before any."""
        with self._lock:
            if self._dummy is None:
                self._dummy = self.hash(secrets.token_urlsafe(16))
            dummy = self._dummy
        self.verify(dummy, password)
