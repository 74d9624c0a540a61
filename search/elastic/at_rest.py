"""Re-encryption in place on Elasticsearch (`jikimi keys rotate`), the SQLite store's twin.

No script runs (osmem-server has none, and a cluster may forbid them), so the values cannot be
renewed server-side: each index is walked in pages (`search_after` on the record's own id
field, each hit with its `_seq_no`/`_primary_term`), the cipher renews the encrypted fields here
(it writes with the new key and reads with either), and a bulk partial update writes them back
with `if_seq_no`/`if_primary_term`. A document changed meanwhile (409) is never overwritten with
what was read before: it is read again and renewed from what it holds now, a few rounds, then
StoreError ("run it again"); one deleted meanwhile is skipped. Each page is committed by itself,
so a crash leaves every value under one of the two keys, and running it again renews them all.

An account's document id is the blind index of its username, which changes with the key: such
an account is copied to its new id (or overwrites its own copy left by an interrupted run) and
the old document is then deleted with `if_seq_no`, so a change in between makes it start over.
Until that delete both documents exist, with the same content.

Not re-encrypted: a face's kNN copy (`vector_<dims>`, only on clusters with `dense_vector`) is
plaintext by necessity, since the cluster searches it; hits, alerts and the audit log hold no
ciphertext. Crawled faces stored before encryption are sealed on the way, as on SQLite.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

from elasticsearch import ConflictError, NotFoundError

from kernel.errors import StoreError
from search.crypto import TemplateCipher
from search.elastic.bulk import BulkWriteError
from search.elastic.codec_accounts import account_doc_id
from search.elastic.errors import store_errors
from search.elastic.indices import FACE_PAGE, ElasticIndices, Source

BATCH = 500
_ROUNDS = 10
Hit = Source  # a search hit or a versioned get: _id, _source, _seq_no, _primary_term
Change = Callable[[Source], Source]

# index, sort key (the record's unique id field), encrypted fields (base64 Fernet, or null)
_TEXT_FIELDS = (
    ("persons", "person_id", ("name", "email", "webhook", "webhook_secret")),
    ("templates", "template_id", ("embedding",)),
    ("cases", "case_id", ("note",)),
)
_ACCOUNT_FIELDS = ("username", "password_hash")


def renewed(source: Source, fields: tuple[str, ...], renew: Callable[[bytes], bytes]) -> Source:
    """The non-null `fields` of `source` re-encrypted by `renew`, base64 as stored."""
    return {f: base64.b64encode(renew(base64.b64decode(source[f]))).decode("ascii")
            for f in fields if source.get(f) is not None}


class ElasticAtRest:
    _es: ElasticIndices
    _cipher: TemplateCipher

    def reencrypt(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for name, key, fields in _TEXT_FIELDS:
            counts[name] = self._renew(name, key, fields, self._cipher.rotate, BATCH)
        counts["accounts"] = self._renew_accounts()
        counts["faces"] = self._renew("faces", "face_id", ("embedding",),
                                      self._cipher.seal_vector, FACE_PAGE)
        self._es.refresh_now(*counts)
        return counts

    def _account_key(self, source: Source) -> str:
        """The blind index of the account's username under the current key: its new id."""
        username = self._cipher.decrypt_text(base64.b64decode(source["username"]))
        return account_doc_id(username, self._cipher)

    def _account_change(self, source: Source) -> Source:
        return renewed(source, _ACCOUNT_FIELDS, self._cipher.rotate) | {
            "username_key": self._account_key(source)}

    def _renew(self, name: str, key: str, fields: tuple[str, ...],
               renew: Callable[[bytes], bytes], page: int) -> int:
        done = 0
        for hits in self._pages(name, [key], {"includes": [key, *fields]}, page):
            self._write(name, hits, lambda source: renewed(source, fields, renew))
            done += len(hits)
        return done

    def _renew_accounts(self) -> int:
        done, made = 0, set[str]()
        # account_id is not unique while an account has two documents (see the docstring)
        for hits in self._pages("accounts", ["account_id", "username_key"], True, BATCH):
            hits = [h for h in hits if h["_id"] not in made]  # copies made by this walk
            moving = {h["_id"] for h in hits if self._account_key(h["_source"]) != h["_id"]}
            self._write("accounts", [h for h in hits if h["_id"] not in moving],
                        self._account_change)
            for hit in hits:
                if hit["_id"] in moving:
                    made.add(self._move_account(hit))
            done += len(hits)
        return done

    def _pages(self, name: str, sort: list[str], source: Source | bool,
               page: int) -> Iterator[list[Hit]]:
        alias = self._es.alias(name)
        self._es.refresh_now(name)  # what other processes wrote before the rotation, too
        after: list[Any] | None = None
        while True:
            with store_errors(f"reading {alias} to re-encrypt it"):
                response = self._es.client.search(
                    index=alias, query={"match_all": {}}, sort=[{k: "asc"} for k in sort],
                    size=page, search_after=after, source=source, seq_no_primary_term=True,
                    track_total_hits=False)
            hits: list[Hit] = response["hits"]["hits"]
            if hits:
                yield hits
            if len(hits) < page:
                return
            after = hits[-1]["sort"]

    def _write(self, name: str, hits: list[Hit], change: Change) -> None:
        """Bulk partial updates guarded by each hit's version; conflicts read again."""
        alias = self._es.alias(name)
        pending = hits
        for _ in range(_ROUNDS):
            actions = [{"_op_type": "update", "_index": alias, "_id": h["_id"], "doc": doc,
                        "if_seq_no": h["_seq_no"], "if_primary_term": h["_primary_term"]}
                       for h in pending for doc in [change(h["_source"])] if doc]
            try:
                self._es.bulk((name,), actions, f"re-encrypting {alias}", missing_ok=True)
                return
            except BulkWriteError as exc:
                if any(f.status != 409 for f in exc.failures):
                    raise
                pending = [h for h in (self._versioned(name, f.doc_id) for f in exc.failures)
                           if h is not None]
        raise StoreError(f"re-encrypting {alias}: {len(pending)} document(s) kept changing "
                         "while being re-encrypted; run `jikimi keys rotate` again")

    def _move_account(self, first: Hit) -> str:
        """Copy the account to the id its username's new blind index gives, then delete the
        old document if it is still the version copied (otherwise read it and start over);
        returns the new id."""
        alias, old_id = self._es.alias("accounts"), first["_id"]
        hit: Hit | None = first
        new_id = self._account_key(first["_source"])
        for _ in range(_ROUNDS):
            if hit is None:
                return new_id  # gone meanwhile: nothing left under the old id
            source = hit["_source"]
            doc = source | self._account_change(source)
            there = self._versioned("accounts", new_id)
            other = None if there is None else there["_source"].get("account_id")
            if there is not None and other != source["account_id"]:
                raise StoreError(f"{alias}: accounts {source['account_id']} and {other} have "
                                 "the same username")
            try:
                with store_errors(f"re-encrypting {alias}"):
                    client = self._es.client
                    if there is None:
                        client.create(index=alias, id=new_id, document=doc,
                                      require_alias=True)
                    else:
                        client.index(index=alias, id=new_id, document=doc,
                                     if_seq_no=there["_seq_no"],
                                     if_primary_term=there["_primary_term"], require_alias=True)
                    client.delete(index=alias, id=hit["_id"], if_seq_no=hit["_seq_no"],
                                  if_primary_term=hit["_primary_term"])
                return new_id
            except StoreError as exc:
                if not isinstance(exc.__cause__, (ConflictError, NotFoundError)):
                    raise
            finally:
                self._es.wrote("accounts")
            hit = self._versioned("accounts", old_id)
        raise StoreError(f"re-encrypting {alias}: document {old_id} kept changing; "
                         "run `jikimi keys rotate` again")

    def _versioned(self, name: str, doc_id: str) -> Hit | None:
        found = self._es.get_versioned(name, doc_id)
        if found is None:
            return None
        source, seq_no, primary_term = found
        return {"_id": doc_id, "_source": source, "_seq_no": seq_no,
                "_primary_term": primary_term}
