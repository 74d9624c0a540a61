"""`jikimi keys rotate` on the Elasticsearch store (osmem-server), the twin of the SQLite test in
tests/test_at_rest_keys.py: everything the adapter encrypts is renewed in place, the accounts'
blind index (their document id) moves to the new key, a second run is harmless, and a write made
while a document is being renewed is not overwritten with what was read before it.
"""

from __future__ import annotations

import base64
import json
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from elasticsearch import Elasticsearch

from jikimi import registry
from jikimi.cli import main
from jikimi.key_rotation import rotate_keys
from kernel.errors import StoreError
from kernel.settings import Settings
from search.crypto import FACE_PREFIX, TemplateCipher, read_or_create_key
from search.elastic.at_rest import renewed
from search.elastic.store import ElasticStore
from tests.elastic.conftest import PREFIX, es_settings, on_es
from tests.factories import (
    MODEL_ID,
    make_account,
    make_case,
    make_face,
    make_media,
    make_person,
    make_template,
)

SECRETS = ("Kim Jiwoo Rotation", "kim.jiwoo@rotation.example", "https://hooks.rotation.example/in",
           "whsec_rotation_kim", "met her at the rotation shelter", "kim.jiwoo.rotation")
ENCRYPTED = {"persons": ("name", "email", "webhook", "webhook_secret"),
             "templates": ("embedding",), "cases": ("note",),
             "accounts": ("username", "password_hash"), "faces": ("embedding",)}
# the record's own id field: accounts change document id when rotated
RECORD_ID = {"persons": "person_id", "templates": "template_id", "cases": "case_id",
             "accounts": "account_id", "faces": "face_id"}


def deployment(tmp_path: Path, es_url: str, key_file: Path) -> Settings:
    return Settings.model_validate({
        "data_dir": tmp_path / "data",
        "security": {"allow_key_in_data_dir": False, "template_key_file": key_file},
    } | on_es(es_url))


def raw(client: Elasticsearch) -> dict[tuple[str, str], dict[str, Any]]:
    """Every document of the encrypted indices as stored, by (index, record id)."""
    client.indices.refresh(index=f"{PREFIX}-*")
    docs = {}
    for name, key in RECORD_ID.items():
        hits = client.search(index=f"{PREFIX}-{name}", size=100)["hits"]["hits"]
        docs |= {(name, h["_source"][key]): h["_source"] | {"_id": h["_id"]} for h in hits}
    return docs


def test_rotation_renews_every_encrypted_field_in_place(tmp_path: Path, es_url: str,
                                                        es_client: Elasticsearch) -> None:
    old_file, new_file = tmp_path / "old.key", tmp_path / "new.key"
    settings = deployment(tmp_path, es_url, old_file)
    name, email, webhook, secret, note, username = SECRETS
    person = make_person(name, email=email, webhook=webhook, webhook_secret=secret)
    template = make_template(person.person_id, seed=1)
    case = make_case(person.person_id, note=note)
    account = make_account(username)
    faces = [make_face("m" * 64, 0, seed=2), make_face("m" * 64, 1, seed=3)]
    with closing(registry.open_store(settings)) as store:
        store.add_person(person, [template])
        store.add_case(case)
        store.add_account(account)
        store.save_enrichment(make_media(b"stranger's photo"), faces)
    plain = np.asarray(faces[1].embedding, dtype="<f4").tobytes()
    es_client.update(index=f"{PREFIX}-faces", id=faces[1].face_id, refresh=True,  # pre-sealing
                     doc={"embedding": base64.b64encode(plain).decode("ascii")})
    before = raw(es_client)

    first = rotate_keys(settings, new_file, "cli:test")
    assert {k: first["rewritten"][k] for k in ENCRYPTED} == {
        "persons": 1, "templates": 1, "cases": 1, "accounts": 1, "faces": 2}
    after = raw(es_client)
    assert after.keys() == before.keys()  # the account moved, nothing was duplicated or lost
    for (index, record), doc in after.items():
        for field in ENCRYPTED[index]:
            assert doc[field] != before[index, record][field], (index, field)
    text = json.dumps(list(after.values()))
    assert not [s for s in SECRETS if s in text]
    for face in faces:
        sealed = base64.b64decode(after["faces", face.face_id]["embedding"])
        assert sealed.startswith(FACE_PREFIX)  # the plaintext face was sealed on the way
        assert np.asarray(face.embedding, dtype="<f4").tobytes() not in sealed
    moved = after["accounts", account.account_id]
    new_cipher = TemplateCipher(read_or_create_key(new_file))
    assert moved["_id"] == moved["username_key"] == new_cipher.blind_index(username)
    assert moved["_id"] != before["accounts", account.account_id]["_id"]

    config = tmp_path / "jikimi.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n[security]\n'
                      f'template_key_file = "{old_file}"\nallow_key_in_data_dir = false\n'
                      f'[store]\nbackend = "elasticsearch"\n[elasticsearch]\nurl = "{es_url}"\n'
                      f'plain_json_headers = true\nindex_prefix = "{PREFIX}"\n')
    assert main(["--config", str(config), "keys", "rotate", "--new-key-file",
                 str(new_file)]) == 0  # as after a crash: the same command, harmless
    again = raw(es_client)
    assert again.keys() == after.keys()
    assert all(again[k][f] != after[k][f] for k in again for f in ENCRYPTED[k[0]])

    with closing(registry.open_store(deployment(tmp_path, es_url, new_file))) as store:
        assert store.get_person(person.person_id) == person
        (stored,) = store.templates(MODEL_ID)
        np.testing.assert_array_equal(stored.embedding, template.embedding)
        assert store.get_case(case.case_id) == case
        found = store.get_account_by_username(username.upper())  # sign-in by the blind index
        assert found is not None and found.account_id == account.account_id
        assert found.password_hash == account.password_hash
        read = {f.face_id: f.embedding for f in store.faces(MODEL_ID)}
        for face in faces:
            np.testing.assert_array_equal(read[face.face_id], face.embedding)
        assert [e.action for e in store.audit_events("template-key")] == ["keys.rotate"] * 2
    with closing(registry.open_store(settings)) as store:  # the old key alone reads nothing
        assert store.get_account_by_username(username) is None
        with pytest.raises(StoreError):
            store.get_person(person.person_id)
        with pytest.raises(StoreError):
            list(store.faces(MODEL_ID))


def test_a_write_made_during_the_renewal_is_kept(es_url: str, es_client: Elasticsearch) -> None:
    """A page read before someone else's write: the version check refuses the stale renewal,
    the document is read again and renewed from what it holds now."""
    old, new = TemplateCipher.generate(), TemplateCipher.generate()
    case, account = make_case(note="before"), make_account("concurrent.kim")
    with closing(ElasticStore.open(es_settings(es_url), old)) as store:
        store.add_case(case)
        store.add_account(account)
    es_client.indices.refresh(index=f"{PREFIX}-*")
    stale = {name: es_client.search(index=f"{PREFIX}-{name}", seq_no_primary_term=True)
             ["hits"]["hits"][0] for name in ("cases", "accounts")}
    with closing(ElasticStore.open(es_settings(es_url), old)) as store:
        store.update_case(replace(case, note="changed meanwhile"))
        store.record_login_failure(account.account_id, max_failures=5, lock_until=case.created_at)

    both = new.with_previous(old)
    with closing(ElasticStore.open(es_settings(es_url), both)) as rotating:
        rotating._write("cases", [stale["cases"]], lambda s: renewed(s, ("note",), both.rotate))
        rotating._move_account(stale["accounts"])
    with closing(ElasticStore.open(es_settings(es_url), new)) as store:
        stored = store.get_case(case.case_id)
        assert stored is not None and stored.note == "changed meanwhile"
        moved = store.get_account_by_username("concurrent.kim")
        assert moved is not None and moved.failed_logins == 1
        assert [a.account_id for a in store.list_accounts()] == [account.account_id]


def test_an_account_left_with_two_documents_by_a_crash_ends_with_one(es_url: str) -> None:
    """Interrupted between copying an account to its new id and deleting the old document:
    running again overwrites the copy from the old document and deletes the old one."""
    old, new = TemplateCipher.generate(), TemplateCipher.generate()
    account = make_account("crashed.kim")
    with closing(ElasticStore.open(es_settings(es_url), old)) as store:
        store.add_account(account)
    both = new.with_previous(old)
    with closing(ElasticStore.open(es_settings(es_url), both)) as rotating:
        copy = rotating._es.get("accounts", old.blind_index("crashed.kim"))
        assert copy is not None
        rotating._es.put("accounts", new.blind_index("crashed.kim"),
                         copy | {"username_key": new.blind_index("crashed.kim")})
        assert rotating.reencrypt()["accounts"] == 2  # both documents walked
        assert rotating.reencrypt()["accounts"] == 1
    with closing(ElasticStore.open(es_settings(es_url), new)) as store:
        (only,) = store.list_accounts()
        assert only == store.get_account_by_username("Crashed.Kim") == account
