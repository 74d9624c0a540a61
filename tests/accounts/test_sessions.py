"""Web sessions: random ids stored as hashes, idle and absolute expiry, CSRF tokens, the
cookie's attributes, sign-out, and housekeeping."""

from __future__ import annotations

import hashlib

import pytest

from jikimi.accounts import Accounts
from kernel.accounts import Account
from kernel.errors import AccessDenied
from search.sqlite.store import SqliteStore
from tests.accounts.helpers import CLI, PASSWORD, FakeClock, fast_settings


@pytest.fixture
def ana(accounts: Accounts) -> Account:
    accounts.create_account("ana", PASSWORD, "victim", case_id="case-1", actor=CLI)
    return accounts.authenticate("ana", PASSWORD)


def test_a_session_is_random_and_stored_as_its_hash(accounts: Accounts, ana: Account,
                                                    store: SqliteStore) -> None:
    first, second = accounts.start_session(ana), accounts.start_session(ana)
    assert first.session_id != second.session_id and len(first.session_id) == 43
    assert first.session.csrf_token != second.session.csrf_token
    digest = hashlib.sha256(first.session_id.encode()).hexdigest()
    assert store.get_session(digest) == first.session
    assert first.session_id not in repr(first.session)


def test_verify_gives_the_account_and_its_csrf_token(accounts: Accounts, ana: Account,
                                                     clock: FakeClock) -> None:
    new = accounts.start_session(ana)
    clock.advance(minutes=10)
    signed_in = accounts.verify_session(new.session_id)
    assert signed_in is not None and signed_in.account.account_id == ana.account_id
    assert signed_in.csrf_token == new.session.csrf_token
    assert signed_in.session.last_seen == clock.now
    for bad in (None, "", "not-a-session", "x" * 500):
        assert accounts.verify_session(bad) is None


def test_sessions_end_after_idle_time(accounts: Accounts, ana: Account, clock: FakeClock,
                                      store: SqliteStore) -> None:
    new = accounts.start_session(ana)
    clock.advance(minutes=29)
    assert accounts.verify_session(new.session_id) is not None  # activity moves last_seen
    clock.advance(minutes=29)
    assert accounts.verify_session(new.session_id) is not None
    clock.advance(minutes=30)
    assert accounts.verify_session(new.session_id) is None
    assert store.get_session(new.session.session_hash) is None  # deleted, not only refused


def test_sessions_end_after_their_lifetime_however_active(
        store: SqliteStore, clock: FakeClock) -> None:
    accounts = Accounts(store, fast_settings(session_lifetime_hours=2), clock=clock)
    account = accounts.create_account("ana", PASSWORD, "operator", actor=CLI)
    new = accounts.start_session(account)
    for _ in range(7):
        clock.advance(minutes=17)
        assert accounts.verify_session(new.session_id) is not None
    clock.advance(minutes=1)  # 2 h after sign-in
    assert accounts.verify_session(new.session_id) is None


def test_csrf_tokens_are_checked_per_session(accounts: Accounts, ana: Account) -> None:
    first, second = accounts.start_session(ana), accounts.start_session(ana)
    accounts.check_csrf(first.session, first.session.csrf_token)
    for wrong in (None, "", second.session.csrf_token, first.session.csrf_token[:-1]):
        with pytest.raises(AccessDenied, match="reload the page"):
            accounts.check_csrf(first.session, wrong)


def test_sign_out_here_and_everywhere(accounts: Accounts, ana: Account,
                                      store: SqliteStore) -> None:
    here, there, elsewhere = (accounts.start_session(ana) for _ in range(3))
    assert accounts.end_session(here.session_id) is True
    assert accounts.end_session(here.session_id) is False
    assert accounts.verify_session(here.session_id) is None
    assert accounts.verify_session(there.session_id) is not None
    assert accounts.end_all_sessions(ana.account_id, actor=ana.account_id) == 2
    assert accounts.verify_session(elsewhere.session_id) is None
    events = {e.action: e for e in store.audit_events(ana.account_id)}
    assert events["logout"].actor == ana.account_id
    assert events["session.end_all"].detail == {"sessions_ended": 2}


def test_purge_deletes_expired_and_idle_sessions(accounts: Accounts, ana: Account,
                                                 clock: FakeClock) -> None:
    old = accounts.start_session(ana)
    clock.advance(minutes=20)
    recent = accounts.start_session(ana)
    clock.advance(minutes=15)
    assert accounts.purge_sessions() == 1
    assert accounts.verify_session(old.session_id) is None
    assert accounts.verify_session(recent.session_id) is not None


def test_the_cookie_is_secure_httponly_samesite_and_session_only(accounts: Accounts,
                                                                 ana: Account) -> None:
    new = accounts.start_session(ana)
    cookie = accounts.session_cookie(new.session_id)
    assert cookie.startswith(f"__Host-jikimi-session={new.session_id}; ")
    attributes = set(cookie.split("; ")[1:])
    assert attributes == {"Path=/", "Secure", "HttpOnly", "SameSite=Lax"}
    cleared = accounts.cleared_cookie()
    assert cleared.startswith("__Host-jikimi-session=; ") and "Max-Age=0" in cleared
