"""Finding 6 of the hardening audit, the key half: biometric data at rest is ciphertext, and the
key that opens it does not travel with the data folder.

A copy of the data folder alone (no key file) must not yield templates or crawled-face
embeddings; a key file inside the data folder is refused; `jikimi keys rotate` re-encrypts in
place and can be run again after an interruption.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from jikimi import registry
from jikimi.cli import main
from jikimi.key_rotation import rotate_keys
from kernel.accounts import Account
from kernel.errors import ConfigError, StoreError
from kernel.settings import Settings
from search.crypto import FACE_PREFIX
from tests.factories import (
    MODEL_ID,
    make_account,
    make_face,
    make_media,
    make_person,
    make_template,
)


def guarded(tmp_path: Path, key_file: Path | None = None) -> Settings:
    """Production-like settings: no key may be generated inside the data folder."""
    security: dict[str, object] = {"allow_key_in_data_dir": False}
    if key_file is not None:
        security["template_key_file"] = key_file
    return Settings.model_validate({"data_dir": tmp_path / "data", "security": security})


def seed(settings: Settings) -> tuple[np.ndarray, np.ndarray, Account]:
    """A person with a template, a crawled face, an account; their vectors."""
    person = make_person(webhook="https://hooks.ngo.example/in", webhook_secret="whsec_kim")
    template, face = make_template(person.person_id, seed=1), make_face("m" * 64, seed=2)
    account = make_account("kim")
    with closing(registry.open_store(settings)) as store:
        store.add_person(person, [template])
        store.save_enrichment(make_media(b"stranger's photo"), [face])
        store.add_account(account)
    return template.embedding, face.embedding, account


def test_a_copy_of_the_data_folder_alone_decrypts_no_template_or_face(tmp_path: Path) -> None:
    settings = guarded(tmp_path, tmp_path / "secrets" / "template.key")
    template_vector, face_vector, _ = seed(settings)
    copy = tmp_path / "copy"
    shutil.copytree(settings.data_dir, copy)
    assert not list(copy.rglob("*.key"))  # the key did not travel with the folder

    db = sqlite3.connect(copy / "jikimi.sqlite3")
    (face_blob,) = db.execute("SELECT embedding FROM faces").fetchone()
    (template_blob,) = db.execute("SELECT embedding FROM templates").fetchone()
    db.close()
    for blob, vector in ((face_blob, face_vector), (template_blob, template_vector)):
        plain = np.asarray(vector, dtype="<f4").tobytes()
        assert bytes(blob) != plain and plain not in bytes(blob)
    raw = (copy / "jikimi.sqlite3").read_bytes()
    assert np.asarray(face_vector, dtype="<f4").tobytes()[:64] not in raw

    # the copy opened with whatever key it can find (a fresh one) reads nothing
    thief = Settings.model_validate({"data_dir": copy,
                                     "security": {"allow_key_in_data_dir": True}})
    with closing(registry.open_store(thief)) as store, pytest.raises(StoreError):
        list(store.faces(MODEL_ID))
    # with the real key, matching still reads the faces it needs
    with closing(registry.open_store(settings)) as store:
        (face,) = store.faces(MODEL_ID)
        np.testing.assert_array_equal(face.embedding, face_vector)


def test_a_key_file_inside_the_data_folder_is_refused(tmp_path: Path) -> None:
    inside = guarded(tmp_path, tmp_path / "data" / "keys" / "template.key")
    with pytest.raises(ConfigError, match="inside the data folder"):
        registry.open_store(inside)
    assert not (tmp_path / "data" / "keys" / "template.key").exists()
    with pytest.raises(ConfigError, match="template_key_file"):
        registry.open_store(guarded(tmp_path))  # nothing configured: no silent key in the folder
    with pytest.raises(ConfigError, match="inside the data folder"):
        rotate_keys(guarded(tmp_path, tmp_path / "k1"), tmp_path / "data" / "new.key", "test")
    assert main(["--data-dir", str(tmp_path / "data"), "keys", "show"]) == 0  # tests allow it


def test_rotation_re_encrypts_everything_and_can_be_run_again(tmp_path: Path) -> None:
    old_file, new_file = tmp_path / "old.key", tmp_path / "new.key"
    settings = guarded(tmp_path, old_file)
    template_vector, face_vector, account = seed(settings)
    db = settings.sqlite_path
    with sqlite3.connect(db) as conn:  # a face stored before faces were encrypted
        conn.execute("UPDATE faces SET embedding = ?",
                     (np.asarray(face_vector, dtype="<f4").tobytes(),))
    first = rotate_keys(settings, new_file, "cli:test")
    assert first["rewritten"]["faces"] == 1 and first["rewritten"]["templates"] == 1
    again = rotate_keys(settings, new_file, "cli:test")  # as after a crash: idempotent
    assert again["to"] == first["to"]

    rotated = guarded(tmp_path, new_file)
    with closing(registry.open_store(rotated)) as store:
        (face,) = store.faces(MODEL_ID)
        np.testing.assert_array_equal(face.embedding, face_vector)
        (template,) = store.templates(MODEL_ID)
        np.testing.assert_array_equal(template.embedding, template_vector)
        (person,) = store.list_persons()
        assert person.webhook_secret == "whsec_kim"  # her webhook's own secret, re-encrypted
        found = store.get_account_by_username("KIM")
        assert found is not None and found.account_id == account.account_id  # blind index
        assert [e.action for e in store.audit_events("template-key")] == ["keys.rotate"] * 2
    with sqlite3.connect(db) as conn:
        (blob,) = conn.execute("SELECT embedding FROM faces").fetchone()
    assert bytes(blob).startswith(FACE_PREFIX)  # the plaintext face was sealed on the way
    with closing(registry.open_store(settings)) as store, pytest.raises(StoreError):
        list(store.faces(MODEL_ID))  # the old key alone no longer reads anything
