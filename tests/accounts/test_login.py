"""Signing in: lockout after failures, a per-client rate limit, one message for every refusal,
a dummy verification for unknown users, rehashing, and an audit event for every attempt."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jikimi.accounts import Accounts, ratelimit
from kernel.accounts import Account
from kernel.errors import LoginRefused
from search.sqlite.store import SqliteStore
from tests.accounts.helpers import CLI, PASSWORD, FakeClock, fast_settings


@pytest.fixture
def ana(accounts: Accounts) -> Account:
    return accounts.create_account("Ana", PASSWORD, "operator", actor=CLI)


def refusal(accounts: Accounts, username: str, password: str, **kw: str) -> LoginRefused:
    with pytest.raises(LoginRefused) as refused:
        accounts.authenticate(username, password, **kw)
    return refused.value


def test_the_right_password_signs_in_and_is_recorded(accounts: Accounts, ana: Account,
                                                     store: SqliteStore,
                                                     clock: FakeClock) -> None:
    clock.advance(minutes=5)
    signed_in = accounts.authenticate("ANA", PASSWORD, source="203.0.113.7")
    assert signed_in.account_id == ana.account_id
    assert signed_in.last_login == clock.now
    [event] = [e for e in store.audit_events(ana.account_id) if e.action == "login.success"]
    assert (event.actor, event.detail) == (ana.account_id, {"source": "203.0.113.7"})


def test_every_refusal_says_the_same(accounts: Accounts, ana: Account) -> None:
    wrong = refusal(accounts, "ana", "not the password at all")
    unknown = refusal(accounts, "nobody", PASSWORD)
    accounts.disable_account(ana.account_id, actor=CLI)
    disabled = refusal(accounts, "ana", PASSWORD)
    assert [r.reason for r in (wrong, unknown, disabled)] == ["password", "unknown", "disabled"]
    assert str(wrong) == str(unknown) == str(disabled)
    assert "password" in str(wrong) and "nobody" not in str(unknown)


def test_failures_lock_the_account_for_a_while(accounts: Accounts, ana: Account,
                                              store: SqliteStore, clock: FakeClock) -> None:
    for _ in range(5):
        assert refusal(accounts, "ana", "wrong password, again").reason == "password"
    locked = store.get_account(ana.account_id)
    assert locked is not None and locked.locked_until == clock.now + timedelta(minutes=15)
    assert refusal(accounts, "ana", PASSWORD).reason == "locked"  # even the right one
    clock.advance(minutes=14, seconds=59)
    assert refusal(accounts, "ana", PASSWORD).reason == "locked"
    clock.advance(seconds=1)
    assert accounts.authenticate("ana", PASSWORD).account_id == ana.account_id
    after = store.get_account(ana.account_id)
    assert after is not None and (after.failed_logins, after.locked_until) == (0, None)
    [lock] = [e for e in store.audit_events(ana.account_id) if e.action == "account.lock"]
    assert lock.actor == "rule:lockout" and lock.detail["failures"] == 5


def test_a_success_resets_the_count(accounts: Accounts, ana: Account,
                                    store: SqliteStore) -> None:
    for _ in range(4):
        refusal(accounts, "ana", "wrong password, again")
    accounts.authenticate("ana", PASSWORD)
    for _ in range(4):
        refusal(accounts, "ana", "wrong password, again")
    stored = store.get_account(ana.account_id)
    assert stored is not None and stored.locked_until is None and stored.failed_logins == 4


def test_an_admin_can_unlock_early(accounts: Accounts, ana: Account) -> None:
    for _ in range(5):
        refusal(accounts, "ana", "wrong password, again")
    accounts.unlock_account(ana.account_id, actor=CLI)
    assert accounts.authenticate("ana", PASSWORD).account_id == ana.account_id


def test_lockout_settings_apply(store: SqliteStore, clock: FakeClock) -> None:
    strict = Accounts(store, fast_settings(max_failed_logins=2, lockout_minutes=60),
                      clock=clock)
    strict.create_account("bo", PASSWORD, "takedown", actor=CLI)
    refusal(strict, "bo", "wrong password, again")
    refusal(strict, "bo", "wrong password, again")
    clock.advance(minutes=59)
    assert refusal(strict, "bo", PASSWORD).reason == "locked"


def test_unknown_and_locked_users_cost_one_verification_like_a_wrong_password(
        accounts: Accounts, ana: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    real = accounts._passwords.verify
    monkeypatch.setattr(accounts._passwords, "verify",
                        lambda stored, pw: checked.append(stored) or real(stored, pw))
    refusal(accounts, "ana", "wrong password, again")
    refusal(accounts, "nobody", "wrong password, again")
    assert len(checked) == 2 and checked[0] == ana.password_hash
    assert checked[1] != ana.password_hash and checked[1].startswith("$argon2id$")
    for _ in range(4):
        refusal(accounts, "ana", "wrong password, again")
    checked.clear()
    refusal(accounts, "ana", PASSWORD)  # locked: the real hash is not even tried
    assert len(checked) == 1 and checked[0] != ana.password_hash
    checked.clear()
    refusal(accounts, "nobody", "x" * 10_000)  # too long: cut before the dummy verification
    assert len(checked) == 1


def test_one_client_is_slowed_down_whatever_usernames_it_tries(
        store: SqliteStore, clock: FakeClock) -> None:
    accounts = Accounts(store, fast_settings(rate_limit_attempts=3,
                                             rate_limit_window_seconds=60), clock=clock)
    accounts.create_account("ana", PASSWORD, "operator", actor=CLI)
    for name in ("ana", "bo", "cy"):
        refusal(accounts, name, "wrong password, again", source="198.51.100.1")
    assert refusal(accounts, "ana", PASSWORD, source="198.51.100.1").reason == "rate_limited"
    assert accounts.authenticate("ana", PASSWORD, source="198.51.100.2").username == "ana"
    clock.advance(seconds=61)
    assert accounts.authenticate("ana", PASSWORD, source="198.51.100.1").username == "ana"


def test_a_hash_with_old_parameters_is_replaced_at_sign_in(store: SqliteStore,
                                                           clock: FakeClock) -> None:
    Accounts(store, fast_settings(), clock=clock).create_account(
        "ana", PASSWORD, "operator", actor=CLI)
    stronger = Accounts(store, fast_settings(argon2_time_cost=2), clock=clock)
    refusal(stronger, "ana", "wrong password, again")
    before = stronger.account_named("ana").password_hash
    assert "t=1" in before
    stronger.authenticate("ana", PASSWORD)
    after = stronger.account_named("ana").password_hash
    assert "t=2" in after and after != before
    assert stronger.authenticate("ana", PASSWORD).username == "ana"


def test_attempts_are_audited_without_secrets(accounts: Accounts, ana: Account,
                                              store: SqliteStore) -> None:
    refusal(accounts, "ana", "wrong password, again", source="203.0.113.9")
    refusal(accounts, "stranger.name", "another wrong one")
    accounts.authenticate("ana", PASSWORD)
    events = store.audit_events()
    failures = {e.subject: e for e in events if e.action == "login.failure"}
    assert failures.keys() == {ana.account_id, "account:unknown"}
    assert {e.actor for e in failures.values()} == {"anonymous"}
    assert failures[ana.account_id].detail == {"reason": "password", "source": "203.0.113.9",
                                               "failures": 1}
    assert failures["account:unknown"].detail == {"reason": "unknown", "source": None}
    text = repr([e.__dict__ for e in events])
    for secret in (PASSWORD, "wrong password", "another wrong", "stranger", "Ana"):
        assert secret not in text


def test_the_rate_limiter_forgets_old_keys_to_stay_bounded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "MAX_KEYS", 4)
    now = [0.0]
    limiter = ratelimit.FailureLimiter(2, 10.0, lambda: now[0])
    for n in range(4):
        limiter.record(f"old-{n}")
    now[0] = 20.0  # every old failure is outside the window
    limiter.record("new")
    assert len(limiter._failures) == 1
    for n in range(3):
        limiter.record(f"busy-{n}")
        now[0] += 1
    limiter.record("newest")  # all four keys have recent failures: the oldest half goes
    assert set(limiter._failures) == {"busy-1", "busy-2", "newest"}
    limiter.record("newest")
    assert limiter.blocked("newest") and not limiter.blocked("busy-2")
