"""API tokens: shown once and stored as a hash, verified with expiry, revocation and the
account's state, and audit-logged without the secret."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from jikimi.accounts import Accounts
from kernel.accounts import Account
from kernel.errors import AccountError, NotFound
from search.sqlite.store import SqliteStore
from tests.accounts.helpers import CLI, PASSWORD, FakeClock


@pytest.fixture
def bot(accounts: Accounts) -> Account:
    accounts.create_account("root", PASSWORD, "admin", actor=CLI)
    return accounts.create_account("export-bot", PASSWORD, "takedown", actor=CLI)


def test_a_token_is_random_shown_once_and_stored_as_its_hash(
        accounts: Accounts, bot: Account, store: SqliteStore, clock: FakeClock) -> None:
    issued = accounts.issue_token(bot.account_id, "nightly export", actor=CLI)
    other = accounts.issue_token(bot.account_id, "nightly export", actor=CLI)
    assert issued.token.startswith("jk_") and len(issued.token) == 3 + 43
    assert issued.token != other.token
    assert len(store.list_tokens(bot.account_id)) == 2
    stored = store.find_token(issued.record.token_hash)
    assert stored == issued.record
    assert stored is not None
    assert stored.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert stored.expires_at == clock.now + timedelta(days=90)
    assert issued.token not in repr(stored)


def test_a_valid_token_gives_its_account_and_records_use(
        accounts: Accounts, bot: Account, store: SqliteStore, clock: FakeClock) -> None:
    issued = accounts.issue_token(bot.account_id, "ci", actor=CLI, days=7)
    clock.advance(hours=1)
    assert accounts.verify_token(issued.token) == store.get_account(bot.account_id)
    used = store.find_token(issued.record.token_hash)
    assert used is not None and used.last_used == clock.now
    clock.advance(seconds=30)
    accounts.verify_token(issued.token)  # within a minute: no write
    used = store.find_token(issued.record.token_hash)
    assert used is not None and used.last_used == clock.now - timedelta(seconds=30)


@pytest.mark.parametrize("token", ["", "jk_", "jk_" + "A" * 43, "Bearer x", "jk_" + "x" * 200])
def test_unknown_or_malformed_tokens_give_nothing(accounts: Accounts, bot: Account,
                                                  token: str) -> None:
    assert accounts.verify_token(token) is None


def test_expired_revoked_and_disabled_tokens_are_refused_and_audited(
        accounts: Accounts, bot: Account, store: SqliteStore, clock: FakeClock) -> None:
    short = accounts.issue_token(bot.account_id, "short", actor=CLI, days=1)
    revoked = accounts.issue_token(bot.account_id, "revoked", actor=CLI)
    kept = accounts.issue_token(bot.account_id, "kept", actor=CLI)
    assert accounts.revoke_token(revoked.record.token_id, actor=CLI).revoked_at == clock.now
    assert accounts.verify_token(revoked.token) is None
    clock.advance(days=1)
    assert accounts.verify_token(short.token) is None
    assert accounts.verify_token(kept.token) is not None
    accounts.disable_account(bot.account_id, actor=CLI)
    assert accounts.verify_token(kept.token) is None
    refusals = {e.detail["token_id"]: e.detail["reason"]
                for e in store.audit_events(bot.account_id) if e.action == "token.refused"}
    assert refusals == {revoked.record.token_id: "revoked", short.record.token_id: "expired",
                        kept.record.token_id: "account disabled or gone"}


def test_issue_and_revoke_are_audited_without_the_secret(
        accounts: Accounts, bot: Account, store: SqliteStore) -> None:
    issued = accounts.issue_token(bot.account_id, "ci", actor="admin-id", days=30)
    accounts.revoke_token(issued.record.token_id, actor="admin-id")
    events = {(e.action, e.actor, e.detail["token_id"])
              for e in store.audit_events(bot.account_id) if e.action.startswith("token.")}
    assert events == {("token.issue", "admin-id", issued.record.token_id),
                      ("token.revoke", "admin-id", issued.record.token_id)}
    text = repr([e.__dict__ for e in store.audit_events()])
    assert issued.token not in text and issued.record.token_hash not in text


def test_token_requests_are_checked(accounts: Accounts, bot: Account) -> None:
    with pytest.raises(AccountError, match="1 to 366 days"):
        accounts.issue_token(bot.account_id, "forever", actor=CLI, days=10_000)
    with pytest.raises(AccountError, match="label"):
        accounts.issue_token(bot.account_id, "   ", actor=CLI)
    with pytest.raises(NotFound):
        accounts.issue_token("no-such-account", "x", actor=CLI)
    with pytest.raises(NotFound):
        accounts.revoke_token("no-such-token", actor=CLI)
    accounts.disable_account(bot.account_id, actor=CLI)
    with pytest.raises(AccountError, match="disabled"):
        accounts.issue_token(bot.account_id, "x", actor=CLI)
