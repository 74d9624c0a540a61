"""The AccountStore part on Elasticsearch: accounts, API tokens and web sessions.

Elasticsearch has no unique constraint but the document id, so each index is keyed by what must
be unique and what the hot path looks up: accounts by the blind index of the username (sign-in,
and a `create` that fails when the name is taken), tokens by the token's hash, sessions by the
session id's hash; all three reads are real-time gets. Looking an account up by its id (session
and token checks) or a token by its id (revocation) searches for the document's id, which never
changes, and then gets the document by it, so what comes back is current; a search that finds
nothing refreshes the index and searches once more, so an account another process has just
created is found too. Ending an account's sessions refreshes first for the same reason. Counting
failed sign-ins is a read-modify-write with optimistic concurrency: parallel failures all count.
"""

from __future__ import annotations

from datetime import datetime

from kernel.accounts import Account, ApiToken, WebSession
from kernel.errors import AlreadyExists, NotFound
from search.crypto import TemplateCipher
from search.elastic.codec import dt_to_doc
from search.elastic.codec_accounts import (
    account_doc_id,
    account_from_doc,
    account_to_doc,
    opt_dt_to_doc,
    seal,
    session_from_doc,
    session_to_doc,
    token_from_doc,
    token_to_doc,
)
from search.elastic.indices import ElasticIndices, Source

_ACCOUNT_ORDER = [{"created_at": "asc"}, {"account_id": "asc"}]
_TOKEN_ORDER = [{"created_at": "asc"}, {"token_id": "asc"}]


class ElasticAccountStore:
    _es: ElasticIndices
    _cipher: TemplateCipher

    # ------------------------------------------------------------------------- accounts ---
    def add_account(self, account: Account) -> None:
        """Ids are random, so checking one before the write is enough; the username's
        uniqueness is the document id's, and holds under concurrent adds."""
        taken = AlreadyExists(f"an account named {account.username!r} or with id "
                              f"{account.account_id} already exists")
        if self._account_doc(account.account_id) is not None:
            raise taken
        doc = account_to_doc(account, self._cipher)
        if not self._es.create("accounts", doc["username_key"], doc):
            raise taken

    def get_account(self, account_id: str) -> Account | None:
        doc = self._account_doc(account_id)
        return None if doc is None else account_from_doc(doc, self._cipher)

    def get_account_by_username(self, username: str) -> Account | None:
        doc = self._es.get("accounts", account_doc_id(username, self._cipher))
        return None if doc is None else account_from_doc(doc, self._cipher)

    def list_accounts(self) -> list[Account]:
        return [account_from_doc(d, self._cipher)
                for d in self._es.scan("accounts", {"match_all": {}}, _ACCOUNT_ORDER)]

    def update_account(self, account: Account) -> None:
        doc = self._account_doc(account.account_id)
        if doc is None or not self._es.patch("accounts", doc["username_key"], {
            "role": account.role, "password_hash": seal(account.password_hash, self._cipher),
            "case_id": account.case_id, "disabled": account.disabled,
            "failed_logins": account.failed_logins,
            "locked_until": opt_dt_to_doc(account.locked_until),
            "last_login": opt_dt_to_doc(account.last_login),
        }):
            raise NotFound(f"no account with id {account.account_id}")

    def record_login_failure(self, account_id: str, *, max_failures: int,
                             lock_until: datetime) -> Account:
        found = self._account_doc(account_id)
        if found is None:
            raise NotFound(f"no account with id {account_id}")

        def count(current: Source | None) -> Source:
            if current is None:
                raise NotFound(f"no account with id {account_id}")
            failures = int(current.get("failed_logins") or 0) + 1
            if failures >= max_failures:
                return current | {"failed_logins": 0, "locked_until": dt_to_doc(lock_until)}
            return current | {"failed_logins": failures}

        stored = self._es.change("accounts", found["username_key"], count)
        assert stored is not None  # `count` never leaves the document as it is
        return account_from_doc(stored, self._cipher)

    def _account_doc(self, account_id: str) -> Source | None:
        return self._current("accounts", "account_id", account_id, "username_key")

    # --------------------------------------------------------------------------- tokens ---
    def add_token(self, token: ApiToken) -> None:
        taken = AlreadyExists(f"API token {token.token_id} already exists")
        if self._token_doc(token.token_id) is not None:
            raise taken
        if not self._es.create("api_tokens", token.token_hash, token_to_doc(token)):
            raise taken

    def find_token(self, token_hash: str) -> ApiToken | None:
        doc = self._es.get("api_tokens", token_hash)
        return None if doc is None else token_from_doc(doc)

    def touch_token(self, token_hash: str, at: datetime) -> None:
        self._es.patch("api_tokens", token_hash, {"last_used": dt_to_doc(at)})

    def revoke_token(self, token_id: str, at: datetime) -> bool:
        doc = self._token_doc(token_id)
        if doc is None:
            return False
        def revoke(current: Source | None) -> Source | None:
            if current is None or current.get("revoked_at") is not None:
                return None  # gone meanwhile, or revoked first by someone else: keep that
            return current | {"revoked_at": dt_to_doc(at)}

        self._es.change("api_tokens", doc["token_hash"], revoke)
        return True

    def list_tokens(self, account_id: str | None = None) -> list[ApiToken]:
        query = {"match_all": {}} if account_id is None else {"term": {"account_id": account_id}}
        return [token_from_doc(d) for d in self._es.scan("api_tokens", query, _TOKEN_ORDER)]

    def _token_doc(self, token_id: str) -> Source | None:
        return self._current("api_tokens", "token_id", token_id, "token_hash")

    def _current(self, index: str, field: str, value: str, id_field: str) -> Source | None:
        """The current document whose `field` is `value`: found by a search (refreshed and
        repeated once if it finds nothing), then read by its id (`id_field`) in real time."""
        for attempt in range(2):
            if attempt:
                self._es.refresh_now(index)
            found = next(self._es.scan(index, {"term": {field: value}}, [{field: "asc"}],
                                       source=[id_field], page=1), None)
            if found is not None:
                return self._es.get(index, found[id_field])
        return None

    # ------------------------------------------------------------------------- sessions ---
    def create_session(self, session: WebSession) -> None:
        if not self._es.create("web_sessions", session.session_hash, session_to_doc(session)):
            raise AlreadyExists("a web session with this id already exists")

    def get_session(self, session_hash: str) -> WebSession | None:
        doc = self._es.get("web_sessions", session_hash)
        return None if doc is None else session_from_doc(doc)

    def touch_session(self, session_hash: str, at: datetime) -> None:
        self._es.patch("web_sessions", session_hash, {"last_seen": dt_to_doc(at)})

    def delete_session(self, session_hash: str) -> bool:
        return self._es.delete("web_sessions", session_hash)

    def delete_account_sessions(self, account_id: str) -> int:
        self._es.refresh_now("web_sessions")  # sessions another process has just started
        return self._es.delete_where("web_sessions", {"term": {"account_id": account_id}})

    def delete_stale_sessions(self, *, expired_at: datetime, idle_since: datetime) -> int:
        stale = [{"range": {"expires_at": {"lte": dt_to_doc(expired_at)}}},
                 {"range": {"last_seen": {"lt": dt_to_doc(idle_since)}}}]
        return self._es.delete_where(
            "web_sessions", {"bool": {"should": stale, "minimum_should_match": 1}})
