"""What the cluster holds about portal accounts: nothing a reader of the indices could sign in
with, crack offline, or search for. A Kibana reviewer (role `jikimi_reviewer`, read on every
`<prefix>*` index) sees ids, roles and times, never who has an account."""

from __future__ import annotations

import pytest
from elasticsearch import Elasticsearch

from kernel.accounts import Account
from search.elastic.store import ElasticStore
from tests.factories import make_account, make_session, make_token

HIDDEN = {"accounts": ("username", "password_hash"), "api_tokens": ("token_hash",),
          "web_sessions": ("session_hash", "csrf_token")}


@pytest.fixture
def victim(es_store: ElasticStore) -> Account:
    account = make_account("Zelda.Victim@example.org", role="victim", case_id="case-7")
    es_store.add_account(account)
    es_store.add_token(make_token(account.account_id))
    es_store.create_session(make_session(account.account_id))
    es_store.close()  # refreshes: every document is searchable below
    return account


def test_usernames_and_password_hashes_are_ciphertext(es_client: Elasticsearch,
                                                      victim: Account) -> None:
    found = es_client.search(index="jikimi-accounts", query={"match_all": {}})["hits"]["hits"]
    raw = str(found)
    assert "zelda" not in raw.lower() and "argon2" not in raw
    assert victim.password_hash not in raw
    assert found[0]["_source"]["account_id"] == victim.account_id


def test_secret_fields_can_be_neither_searched_nor_aggregated(es_client: Elasticsearch,
                                                              victim: Account) -> None:
    for index, fields in HIDDEN.items():
        caps = es_client.perform_request(
            "GET", f"/jikimi-{index}/_field_caps", params={"fields": ",".join(fields)},
            headers={"accept": "application/json"}).body
        for field in fields:
            [(_, cap)] = caps["fields"][field].items()
            assert cap["searchable"] is False and cap["aggregatable"] is False, (index, field)
    def count(query: dict[str, object]) -> int:
        return int(es_client.count(index="jikimi-accounts", query=query)["count"])

    assert count({"term": {"role": "victim"}}) == 1  # what reviewers may see
    assert count({"query_string": {"query": "Zelda"}}) == 0
