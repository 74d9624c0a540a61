"""Two processes on one cluster (the web portal and the admin CLI) see each other's account
changes at once, not after the refresh interval: a disabled account must stop working now.

osmem-server makes every write searchable at once, so the tests that need a real cluster's
near-real-time search make `scan` answer as one would before its refresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from search.crypto import TemplateCipher
from search.elastic.store import ElasticStore
from tests.elastic.conftest import es_settings
from tests.factories import make_account, make_session, make_token


@pytest.fixture
def other(es_url: str, cipher: TemplateCipher) -> Iterator[ElasticStore]:
    """A second store on the same cluster, as another process would open it."""
    store = ElasticStore.open(es_settings(es_url), cipher)
    yield store
    store.close()


def test_accounts_tokens_and_sessions_are_current_across_stores(
        es_store: ElasticStore, other: ElasticStore) -> None:
    account = make_account("ana")
    es_store.add_account(account)
    assert other.get_account(account.account_id) == account
    token = make_token(account.account_id)
    es_store.add_token(token)
    assert other.revoke_token(token.token_id, token.created_at) is True
    account.disabled = True
    other.update_account(account)
    got = es_store.get_account(account.account_id)
    assert got is not None and got.disabled
    sessions = [make_session(account.account_id) for _ in range(2)]
    for session in sessions:
        es_store.create_session(session)
    assert other.delete_account_sessions(account.account_id) == 2


def test_an_account_not_searchable_yet_is_found_after_a_refresh(
        es_store: ElasticStore, other: ElasticStore, monkeypatch: pytest.MonkeyPatch) -> None:
    account = make_account("ana")
    es_store.add_account(account)
    refreshed: list[str] = []
    scan, refresh_now = other._es.scan, other._es.refresh_now

    def before_refresh(name: str, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        return scan(name, *args, **kwargs) if name in refreshed else iter(())

    def refresh(*names: str) -> None:
        refreshed.extend(names)
        refresh_now(*names)

    monkeypatch.setattr(other._es, "scan", before_refresh)
    monkeypatch.setattr(other._es, "refresh_now", refresh)
    assert other.get_account(account.account_id) == account
    assert refreshed == ["accounts"]
    assert other.record_login_failure(account.account_id, max_failures=5,
                                      lock_until=account.created_at).failed_logins == 1


def test_a_stale_search_hit_still_gives_the_current_account(
        es_store: ElasticStore, other: ElasticStore, monkeypatch: pytest.MonkeyPatch) -> None:
    account = make_account("ana")
    es_store.add_account(account)
    [stale] = list(other._es.scan("accounts", {"match_all": {}}, [{"account_id": "asc"}]))
    account.disabled = True
    es_store.update_account(account)
    monkeypatch.setattr(other._es, "scan", lambda *args, **kwargs: iter([stale]))
    got = other.get_account(account.account_id)
    assert got is not None and got.disabled
