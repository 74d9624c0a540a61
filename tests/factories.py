"""Tiny record builders for tests: valid defaults, override what the test is about.

Embeddings are random unit vectors from a seeded generator, so tests are repeatable and two
different seeds are (almost surely) dissimilar faces.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any

import numpy as np

from kernel.accounts import Account, ApiToken, WebSession
from kernel.cases import Case, Consent, Verification
from kernel.records import Alert, Face, Hit, Media, Person, Sighting, Template, utcnow

MODEL_ID = "test-model"
DIMS = 128


def unit_vector(seed: int = 0, dims: int = DIMS) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(dims).astype(np.float32)
    return vector / np.linalg.norm(vector)


def at_cosine(target: np.ndarray, cosine: float, seed: int) -> np.ndarray:
    """A unit vector whose cosine with the unit vector `target` is `cosine`."""
    other = unit_vector(10_000 + seed)  # never a template's own seed
    other = other - float(other @ target) * target
    other /= np.linalg.norm(other)
    return (cosine * target + np.sqrt(1 - cosine**2) * other).astype(np.float32)


def media_id_for(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_media(data: bytes = b"image bytes", **overrides: Any) -> Media:
    fields: dict[str, Any] = {
        "media_id": media_id_for(data), "kind": "image", "content_type": "image/jpeg",
        "size": len(data),
    }
    return Media(**(fields | overrides))


def make_sighting(media_id: str, n: int = 0, **overrides: Any) -> Sighting:
    fields: dict[str, Any] = {
        "media_id": media_id, "media_url": f"https://example.org/media/{n}.jpg",
        "page_url": f"https://example.org/page/{n}.html", "site": "example",
    }
    return Sighting(**(fields | overrides))


def make_face(media_id: str, index: int = 0, seed: int | None = None, **overrides: Any) -> Face:
    fields: dict[str, Any] = {
        "media_id": media_id, "model_id": MODEL_ID, "index": index,
        "bbox": (10.0 + index, 20.0, 64.0, 80.0),
        "landmarks": [(30.0, 40.0), (60.0, 40.0), (45.0, 55.0), (35.0, 70.0), (55.0, 70.0)],
        "det_score": 0.9, "embedding": unit_vector(index if seed is None else seed),
    }
    return Face(**(fields | overrides))


def make_person(name: str = "Test Person", **overrides: Any) -> Person:
    person_id = overrides.pop("person_id", uuid.uuid4().hex)
    fields: dict[str, Any] = {
        "person_id": person_id, "name": name, "ref": f"P-{person_id[:8]}",
        "email": "person@example.org", "webhook": None,
    }
    return Person(**(fields | overrides))


def make_template(person_id: str, seed: int = 0, **overrides: Any) -> Template:
    fields: dict[str, Any] = {
        "template_id": f"{person_id}-t{seed}", "person_id": person_id, "model_id": MODEL_ID,
        "embedding": unit_vector(seed),
    }
    return Template(**(fields | overrides))


def make_hit(person_id: str, face: Face, similarity: float = 0.6, **overrides: Any) -> Hit:
    fields: dict[str, Any] = {
        "person_id": person_id, "face_id": face.face_id, "media_id": face.media_id,
        "model_id": face.model_id, "similarity": similarity, "threshold": 0.4,
        "template_id": f"{person_id}-t0",
    }
    return Hit(**(fields | overrides))


def make_alert(person_id: str, media_id: str, **overrides: Any) -> Alert:
    fields: dict[str, Any] = {
        "person_id": person_id, "media_id": media_id, "similarity": 0.6, "model_id": MODEL_ID,
        "media_url": "https://example.org/media/0.jpg",
        "page_url": "https://example.org/page/0.html",
    }
    return Alert(**(fields | overrides))


def make_account(username: str = "ana", **overrides: Any) -> Account:
    fields: dict[str, Any] = {
        "account_id": uuid.uuid4().hex, "username": username, "role": "operator",
        "password_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    }
    return Account(**(fields | overrides))


def make_token(account_id: str, **overrides: Any) -> ApiToken:
    token_id = overrides.pop("token_id", uuid.uuid4().hex)
    fields: dict[str, Any] = {
        "token_id": token_id, "account_id": account_id,
        "token_hash": hashlib.sha256(token_id.encode()).hexdigest(), "label": "test",
        "expires_at": utcnow() + timedelta(days=30),
    }
    return ApiToken(**(fields | overrides))


def make_session(account_id: str, **overrides: Any) -> WebSession:
    now = utcnow()
    fields: dict[str, Any] = {
        "session_hash": hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
        "account_id": account_id, "csrf_token": uuid.uuid4().hex,
        "expires_at": now + timedelta(hours=12), "created_at": now, "last_seen": now,
    }
    return WebSession(**(fields | overrides))


def make_case(person_id: str | None = None, **overrides: Any) -> Case:
    fields: dict[str, Any] = {
        "case_id": uuid.uuid4().hex, "person_id": person_id,
        "verification": Verification("in-person", "operator-1"),
        "consent": Consent("v1", "paper"),
    }
    return Case(**(fields | overrides))
