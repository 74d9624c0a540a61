"""Managing accounts: usernames, roles and cases, disabling, new passwords, the last admin,
and the audit trail each change leaves."""

from __future__ import annotations

import pytest

from jikimi.accounts import Accounts
from jikimi.accounts.access import may_see_case, require_case, require_role
from kernel.errors import AccessDenied, AccountError, AlreadyExists, NotFound, WeakPassword
from search.sqlite.store import SqliteStore
from tests.accounts.helpers import CLI, PASSWORD, FakeClock


def test_create_account_hashes_the_password_and_audits(accounts: Accounts, store: SqliteStore,
                                                       clock: FakeClock) -> None:
    account = accounts.create_account(" Kim.Ana@example.org ", PASSWORD, "victim",
                                      case_id="case-17", actor=CLI)
    assert account.username == "Kim.Ana@example.org"
    assert (account.role, account.case_id, account.created_at) == ("victim", "case-17",
                                                                    clock.now)
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash
    assert store.get_account(account.account_id) == account
    [event] = store.audit_events(account.account_id)
    assert (event.action, event.actor, event.detail) == (
        "account.create", CLI, {"role": "victim", "case_id": "case-17"})


@pytest.mark.parametrize("username, role, case_id, error", [
    ("a", "operator", None, "2 to 64 characters"),
    ("has space", "operator", None, "only letters, digits"),
    ("semi;colon", "operator", None, "only letters, digits"),
    ("ana", "superuser", None, "unknown role 'superuser'"),
    ("ana", "victim", None, "needs the id of her case"),
    ("ana", "operator", "case-1", "only a victim's account has a case"),
    ("ana", "victim", "case with spaces", "no spaces"),
])
def test_bad_usernames_roles_and_cases_are_refused(accounts: Accounts, username: str,
                                                   role: str, case_id: str | None,
                                                   error: str) -> None:
    with pytest.raises(AccountError, match=error):
        accounts.create_account(username, PASSWORD, role, case_id=case_id, actor=CLI)


def test_korean_and_email_usernames_are_fine(accounts: Accounts) -> None:
    accounts.create_account("김지원", PASSWORD, "operator", actor=CLI)
    accounts.create_account("ngo+takedown@example.org", PASSWORD, "takedown", actor=CLI)
    assert [a.username for a in accounts.list_accounts()] == ["ngo+takedown@example.org",
                                                              "김지원"]


def test_weak_passwords_and_taken_names_are_refused(accounts: Accounts) -> None:
    with pytest.raises(WeakPassword, match="at least 12"):
        accounts.create_account("ana", "short", "operator", actor=CLI)
    with pytest.raises(WeakPassword, match="username"):
        accounts.create_account("anakim", "anakim is my password", "operator", actor=CLI)
    accounts.create_account("ana", PASSWORD, "operator", actor=CLI)
    with pytest.raises(AlreadyExists):
        accounts.create_account("ANA", PASSWORD, "admin", actor=CLI)


def test_role_change_ends_sessions_and_is_audited(accounts: Accounts,
                                                  store: SqliteStore) -> None:
    accounts.create_account("root", PASSWORD, "admin", actor=CLI)
    ana = accounts.create_account("ana", PASSWORD, "operator", actor=CLI)
    session = accounts.start_session(ana)
    changed = accounts.set_role(ana.account_id, "takedown", actor="admin-id")
    assert changed.role == "takedown"
    assert accounts.verify_session(session.session_id) is None
    [event] = [e for e in store.audit_events(ana.account_id) if e.action == "account.role"]
    assert event.actor == "admin-id"
    assert event.detail == {"role_from": "operator", "role_to": "takedown", "case_from": None,
                            "case_to": None, "sessions_ended": 1}


def test_disable_ends_sessions_and_enable_restores(accounts: Accounts) -> None:
    ana = accounts.create_account("ana", PASSWORD, "operator", actor=CLI)
    session = accounts.start_session(accounts.authenticate("ana", PASSWORD))
    assert accounts.disable_account(ana.account_id, actor=CLI).disabled
    assert accounts.verify_session(session.session_id) is None
    accounts.enable_account(ana.account_id, actor=CLI)
    assert accounts.authenticate("ana", PASSWORD).account_id == ana.account_id


def test_the_last_enabled_admin_stays(accounts: Accounts) -> None:
    root = accounts.create_account("root", PASSWORD, "admin", actor=CLI)
    with pytest.raises(AccountError, match="last enabled admin"):
        accounts.disable_account(root.account_id, actor=CLI)
    with pytest.raises(AccountError, match="last enabled admin"):
        accounts.set_role(root.account_id, "operator", actor=CLI)
    second = accounts.create_account("root2", PASSWORD, "admin", actor=CLI)
    accounts.disable_account(root.account_id, actor=CLI)
    with pytest.raises(AccountError, match="last enabled admin"):
        accounts.disable_account(second.account_id, actor=CLI)


def test_set_password_checks_policy_and_ends_sessions(accounts: Accounts) -> None:
    ana = accounts.create_account("ana", PASSWORD, "operator", actor=CLI)
    session = accounts.start_session(ana)
    with pytest.raises(WeakPassword):
        accounts.set_password(ana.account_id, "tiny", actor=CLI)
    accounts.set_password(ana.account_id, "a brand new passphrase", actor=CLI)
    assert accounts.verify_session(session.session_id) is None
    assert accounts.authenticate("ana", "a brand new passphrase").account_id == ana.account_id


def test_unknown_accounts_are_not_found(accounts: Accounts) -> None:
    with pytest.raises(NotFound, match="no account named 'ghost'"):
        accounts.account_named("ghost")
    with pytest.raises(NotFound):
        accounts.disable_account("no-such-id", actor=CLI)


def test_victims_see_their_own_case_only(accounts: Accounts) -> None:
    victim = accounts.create_account("ana", PASSWORD, "victim", case_id="case-1", actor=CLI)
    operator = accounts.create_account("bo", PASSWORD, "operator", actor=CLI)
    assert may_see_case(victim, "case-1") and not may_see_case(victim, "case-2")
    assert may_see_case(operator, "case-2")
    with pytest.raises(AccessDenied):
        require_case(victim, "case-2")
    require_role(operator, "operator", "admin")
    with pytest.raises(AccessDenied, match="takedown or admin"):
        require_role(operator, "takedown", "admin")
    operator.disabled = True
    assert not may_see_case(operator, "case-2")
