"""Password policy and argon2id hashing: what a new password must be, how it is stored."""

from __future__ import annotations

import pytest

from jikimi.accounts.passwords import Passwords, check_password, password_problems
from kernel.errors import ConfigError, WeakPassword
from kernel.settings import AccountSettings, load_settings
from tests.accounts.helpers import PASSWORD, fast_settings

SETTINGS = fast_settings()


@pytest.mark.parametrize("password, problem", [
    ("short1", "at least 12 characters (this one has 6)"),
    ("aaaaaaaaaaaaaaaa", "at least 5 different characters"),
    ("ababababababab", "at least 5 different characters"),
    ("Password1234", "one of the first ones guessed"),
    ("1q2w3e4r5t6y", "one of the first ones guessed"),
    ("x" * 300, "at most 256 characters"),
    ("my name is ana.kim, hi", "do not put the username in the password"),
    ("tab\tinside the password", "control characters"),
])
def test_weak_passwords_are_refused_with_the_reason(password: str, problem: str) -> None:
    assert any(problem in p for p in password_problems(password, SETTINGS, username="Ana.Kim"))
    with pytest.raises(WeakPassword, match="password refused: "):
        check_password(password, SETTINGS, username="Ana.Kim")


@pytest.mark.parametrize("password", [
    PASSWORD, "지킴이는 피해자를 지킨다", "Tr0ub4dor&3 plus more",
    "ｆｕｌｌ-ｗｉｄｔｈ ｗｏｒｄｓ"])
def test_long_passphrases_in_any_script_are_fine(password: str) -> None:
    check_password(password, SETTINGS, username="ana")


def test_every_problem_is_named_in_one_line() -> None:
    with pytest.raises(WeakPassword) as refused:
        check_password("anaaaa", SETTINGS, username="ana")
    message = str(refused.value)
    assert "\n" not in message
    assert "12 characters" in message and "different characters" in message
    assert "username" in message


def test_the_minimum_length_is_a_setting() -> None:
    check_password("fifteen chars!!", fast_settings(min_password_length=15))
    with pytest.raises(WeakPassword, match="at least 16"):
        check_password("fifteen chars!!", fast_settings(min_password_length=16))


def test_hash_is_argon2id_salted_and_verifies() -> None:
    passwords = Passwords(SETTINGS)
    first, second = passwords.hash(PASSWORD), passwords.hash(PASSWORD)
    assert first.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert first != second  # a new salt each time
    assert PASSWORD not in first
    assert passwords.verify(first, PASSWORD)
    assert not passwords.verify(first, PASSWORD + "!")
    assert not passwords.verify("not a hash", PASSWORD)


def test_passwords_are_compared_after_unicode_normalisation() -> None:
    passwords = Passwords(SETTINGS)
    composed = "지킴이 비밀번호 입니다"  # precomposed Hangul syllables
    decomposed = "\u110c\u1175\u110f\u1175\u11b7\u110b\u1175 비밀번호 입니다"  # the same as jamo
    assert composed != decomposed
    assert passwords.verify(passwords.hash(composed), decomposed)


def test_a_hash_made_with_other_parameters_needs_rehashing() -> None:
    old = Passwords(SETTINGS)
    stronger = Passwords(fast_settings(argon2_time_cost=2))
    stored = old.hash(PASSWORD)
    assert not old.needs_rehash(stored)
    assert stronger.needs_rehash(stored)
    assert stronger.verify(stored, PASSWORD)  # old hashes keep working meanwhile
    assert stronger.needs_rehash("garbage")


def test_default_parameters_are_rfc_9106s_second_option() -> None:
    defaults = AccountSettings()
    assert (defaults.argon2_time_cost, defaults.argon2_memory_kib,
            defaults.argon2_parallelism) == (3, 64 * 1024, 4)


def test_burn_verifies_against_a_throwaway_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    passwords = Passwords(SETTINGS)
    calls: list[str] = []
    real = passwords.verify
    monkeypatch.setattr(passwords, "verify",
                        lambda stored, pw: calls.append(stored) or real(stored, pw))
    passwords.burn("anything")
    passwords.burn("anything else")
    assert len(calls) == 2 and calls[0] == calls[1] and calls[0].startswith("$argon2id$")


def test_account_settings_come_from_jikimi_accounts_env(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIKIMI_ACCOUNTS__MAX_FAILED_LOGINS", "3")
    monkeypatch.setenv("JIKIMI_ACCOUNTS__COOKIE_SAMESITE", "Strict")
    settings = load_settings()
    assert (settings.accounts.max_failed_logins, settings.accounts.cookie_samesite) == (
        3, "Strict")
    monkeypatch.setenv("JIKIMI_ACCOUNTS__MIN_PASSWORD_LENGTH", "6")
    with pytest.raises(ConfigError, match="accounts.min_password_length"):
        load_settings()
