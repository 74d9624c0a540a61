"""Contract for the AccountStore part of a Store: accounts, API tokens, web sessions.

Mixed into `StoreContract`; a subclass supplies a `store` fixture (an empty store). Whether
usernames and password hashes really are ciphertext on the medium is adapter-specific and
tested next to each adapter.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from kernel.errors import AlreadyExists, NotFound
from kernel.ports import Store
from tests.factories import make_account, make_session, make_token

T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


class AccountStoreContract:
    def test_account_round_trip_and_listing_oldest_first(self, store: Store) -> None:
        victim = make_account("Ana", role="victim", case_id="case-1",
                              created_at=T0 - timedelta(days=1), locked_until=T0,
                              last_login=T0 - timedelta(hours=1), failed_logins=2)
        admin = make_account("root", role="admin", created_at=T0 - timedelta(days=2),
                             disabled=True)
        store.add_account(victim)
        store.add_account(admin)
        assert store.get_account(victim.account_id) == victim
        assert store.get_account(admin.account_id) == admin
        assert store.get_account("nobody") is None
        assert store.list_accounts() == [admin, victim]

    def test_usernames_are_unique_whatever_their_case_or_width(self, store: Store) -> None:
        ana = make_account("Ana.Kim")
        store.add_account(ana)
        for lookalike in ("ana.kim", "ANA.KIM", "Ａｎａ.Ｋｉｍ", " Ana.Kim "):
            with pytest.raises(AlreadyExists):
                store.add_account(make_account(lookalike))
            assert store.get_account_by_username(lookalike) == ana
        assert store.get_account_by_username("ana") is None
        assert [a.username for a in store.list_accounts()] == ["Ana.Kim"]

    def test_account_ids_are_unique(self, store: Store) -> None:
        first = make_account("first")
        store.add_account(first)
        with pytest.raises(AlreadyExists):
            store.add_account(make_account("second", account_id=first.account_id))
        assert store.get_account_by_username("second") is None
        store.add_account(make_account("second"))  # the name was not taken by the failure

    def test_update_account_keeps_username_and_creation_time(self, store: Store) -> None:
        account = make_account("bo", role="operator", created_at=T0)
        store.add_account(account)
        account.role, account.case_id, account.disabled = "victim", "case-9", True
        account.password_hash = "$argon2id$v=19$m=8,t=1,p=1$bmV3c2FsdA$bmV3aGFzaG5ld2hhc2g"
        account.failed_logins, account.locked_until = 3, T0 + timedelta(minutes=15)
        account.last_login = T0 + timedelta(seconds=1)
        expected = replace(account)
        account.username, account.created_at = "renamed", T0 + timedelta(days=5)
        store.update_account(account)
        assert store.get_account(account.account_id) == expected
        assert store.get_account_by_username("bo") == expected
        assert store.get_account_by_username("renamed") is None
        account.locked_until = None
        store.update_account(account)
        got = store.get_account(account.account_id)
        assert got is not None and got.locked_until is None
        with pytest.raises(NotFound):
            store.update_account(make_account("ghost"))

    def test_login_failures_count_up_to_a_lockout(self, store: Store) -> None:
        account = make_account("cy")
        store.add_account(account)
        until = T0 + timedelta(minutes=15)
        counts = []
        for _ in range(4):
            got = store.record_login_failure(account.account_id, max_failures=3,
                                             lock_until=until)
            counts.append((got.failed_logins, got.locked_until))
        assert counts == [(1, None), (2, None), (0, until), (1, until)]
        stored = store.get_account(account.account_id)
        assert stored is not None and (stored.failed_logins, stored.locked_until) == (1, until)
        with pytest.raises(NotFound):
            store.record_login_failure("nobody", max_failures=3, lock_until=until)

    def test_concurrent_login_failures_are_all_counted(self, store: Store) -> None:
        account = make_account("dee")
        store.add_account(account)
        errors: list[BaseException] = []

        def fail() -> None:
            try:
                for _ in range(5):
                    store.record_login_failure(account.account_id, max_failures=1000,
                                               lock_until=T0)
            except BaseException as exc:  # surfaced below, in the test's own thread
                errors.append(exc)

        threads = [threading.Thread(target=fail) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        stored = store.get_account(account.account_id)
        assert stored is not None and stored.failed_logins == 20

    # --------------------------------------------------------------------------- tokens ---
    def test_token_round_trip_by_hash(self, store: Store) -> None:
        token = make_token("acc-1", created_at=T0, expires_at=T0 + timedelta(days=90))
        store.add_token(token)
        assert store.find_token(token.token_hash) == token
        assert store.find_token("0" * 64) is None
        with pytest.raises(AlreadyExists):
            store.add_token(make_token("acc-1", token_hash=token.token_hash))
        with pytest.raises(AlreadyExists):
            store.add_token(make_token("acc-1", token_id=token.token_id,
                                       token_hash="f" * 64))
        assert store.list_tokens() == [token]

    def test_touch_and_revoke_tokens(self, store: Store) -> None:
        token = make_token("acc-1")
        store.add_token(token)
        store.touch_token(token.token_hash, T0)
        store.touch_token("0" * 64, T0)  # unknown: ignored
        found = store.find_token(token.token_hash)
        assert found is not None and found.last_used == T0
        assert store.revoke_token(token.token_id, T0 + timedelta(hours=1)) is True
        assert store.revoke_token(token.token_id, T0 + timedelta(hours=2)) is True
        assert store.revoke_token("no-such-token", T0) is False
        found = store.find_token(token.token_hash)
        assert found is not None and found.revoked_at == T0 + timedelta(hours=1)

    def test_list_tokens_per_account_oldest_first(self, store: Store) -> None:
        newer = make_token("acc-1", created_at=T0)
        older = make_token("acc-1", created_at=T0 - timedelta(days=1))
        other = make_token("acc-2", created_at=T0)
        for token in (newer, older, other):
            store.add_token(token)
        store.revoke_token(older.token_id, T0)
        assert [t.token_id for t in store.list_tokens("acc-1")] == [older.token_id,
                                                                     newer.token_id]
        assert [t.token_id for t in store.list_tokens("acc-2")] == [other.token_id]
        assert store.list_tokens("acc-3") == []
        assert len(store.list_tokens()) == 3

    # ------------------------------------------------------------------------- sessions ---
    def test_session_round_trip_touch_and_delete(self, store: Store) -> None:
        session = make_session("acc-1", created_at=T0, last_seen=T0,
                               expires_at=T0 + timedelta(hours=12))
        store.create_session(session)
        assert store.get_session(session.session_hash) == session
        assert store.get_session("0" * 64) is None
        with pytest.raises(AlreadyExists):
            store.create_session(make_session("acc-2", session_hash=session.session_hash))
        store.touch_session(session.session_hash, T0 + timedelta(minutes=5))
        store.touch_session("0" * 64, T0)  # unknown: ignored
        got = store.get_session(session.session_hash)
        assert got is not None and got.last_seen == T0 + timedelta(minutes=5)
        assert got.csrf_token == session.csrf_token
        assert store.delete_session(session.session_hash) is True
        assert store.delete_session(session.session_hash) is False
        assert store.get_session(session.session_hash) is None

    def test_delete_every_session_of_one_account(self, store: Store) -> None:
        mine = [make_session("acc-1") for _ in range(3)]
        theirs = make_session("acc-2")
        for session in (*mine, theirs):
            store.create_session(session)
        assert store.delete_account_sessions("acc-1") == 3
        assert store.delete_account_sessions("acc-1") == 0
        assert all(store.get_session(s.session_hash) is None for s in mine)
        assert store.get_session(theirs.session_hash) == theirs

    def test_delete_stale_sessions(self, store: Store) -> None:
        fresh = make_session("a", last_seen=T0, expires_at=T0 + timedelta(hours=1))
        expired = make_session("a", last_seen=T0, expires_at=T0)
        idle = make_session("a", last_seen=T0 - timedelta(minutes=31),
                            expires_at=T0 + timedelta(hours=1))
        for session in (fresh, expired, idle):
            store.create_session(session)
        assert store.delete_stale_sessions(expired_at=T0,
                                           idle_since=T0 - timedelta(minutes=30)) == 2
        assert store.get_session(fresh.session_hash) == fresh
        assert store.get_session(expired.session_hash) is None
        assert store.get_session(idle.session_hash) is None
