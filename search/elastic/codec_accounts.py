"""Accounts, API tokens and web sessions ⇄ Elasticsearch documents.

Username and password hash are Fernet ciphertext (base64 in `binary` fields, neither searchable
nor aggregatable), as persons' names are: whoever can read the indices (a Kibana reviewer, a
snapshot) learns neither who has an account nor a hash to crack. `username_key` is the blind
index that lookups and uniqueness use. Tokens and sessions carry only hashes of their secrets.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any, cast

from kernel.accounts import Account, ApiToken, Role, WebSession, username_key
from search.crypto import TemplateCipher
from search.elastic.codec import dt_from_doc, dt_to_doc, opt_dt_from_doc


def opt_dt_to_doc(value: datetime | None) -> str | None:
    return None if value is None else dt_to_doc(value)


def account_doc_id(username: str, cipher: TemplateCipher) -> str:
    """An account's document id: the blind index of its normalised username, so that a
    `create` by this id is what keeps usernames unique (there are no unique fields)."""
    return cipher.blind_index(username_key(username))


def seal(text: str, cipher: TemplateCipher) -> str:
    return base64.b64encode(cipher.encrypt_text(text)).decode("ascii")


def account_to_doc(account: Account, cipher: TemplateCipher) -> dict[str, Any]:
    return {
        "account_id": account.account_id, "username": seal(account.username, cipher),
        "username_key": account_doc_id(account.username, cipher), "role": account.role,
        "password_hash": seal(account.password_hash, cipher), "case_id": account.case_id,
        "created_at": dt_to_doc(account.created_at), "disabled": account.disabled,
        "failed_logins": account.failed_logins,
        "locked_until": opt_dt_to_doc(account.locked_until),
        "last_login": opt_dt_to_doc(account.last_login),
    }


def account_from_doc(doc: dict[str, Any], cipher: TemplateCipher) -> Account:
    def opened(field: str) -> str:
        return cipher.decrypt_text(base64.b64decode(doc[field]))

    return Account(
        account_id=doc["account_id"], username=opened("username"),
        role=cast(Role, doc["role"]), password_hash=opened("password_hash"),
        case_id=doc.get("case_id"), created_at=dt_from_doc(doc["created_at"]),
        disabled=bool(doc.get("disabled")), failed_logins=int(doc.get("failed_logins") or 0),
        locked_until=opt_dt_from_doc(doc.get("locked_until")),
        last_login=opt_dt_from_doc(doc.get("last_login")),
    )


def token_to_doc(token: ApiToken) -> dict[str, Any]:
    return {
        "token_id": token.token_id, "token_hash": token.token_hash,
        "account_id": token.account_id, "label": token.label,
        "created_at": dt_to_doc(token.created_at), "expires_at": dt_to_doc(token.expires_at),
        "last_used": opt_dt_to_doc(token.last_used),
        "revoked_at": opt_dt_to_doc(token.revoked_at),
    }


def token_from_doc(doc: dict[str, Any]) -> ApiToken:
    return ApiToken(
        token_id=doc["token_id"], account_id=doc["account_id"], token_hash=doc["token_hash"],
        label=doc["label"], expires_at=dt_from_doc(doc["expires_at"]),
        created_at=dt_from_doc(doc["created_at"]),
        last_used=opt_dt_from_doc(doc.get("last_used")),
        revoked_at=opt_dt_from_doc(doc.get("revoked_at")),
    )


def session_to_doc(session: WebSession) -> dict[str, Any]:
    return {
        "session_hash": session.session_hash, "account_id": session.account_id,
        "csrf_token": session.csrf_token, "created_at": dt_to_doc(session.created_at),
        "last_seen": dt_to_doc(session.last_seen), "expires_at": dt_to_doc(session.expires_at),
    }


def session_from_doc(doc: dict[str, Any]) -> WebSession:
    return WebSession(
        session_hash=doc["session_hash"], account_id=doc["account_id"],
        csrf_token=doc["csrf_token"], expires_at=dt_from_doc(doc["expires_at"]),
        created_at=dt_from_doc(doc["created_at"]), last_seen=dt_from_doc(doc["last_seen"]),
    )
