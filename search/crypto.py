"""Encryption at rest for face templates and contact details (Fernet: AES-128-CBC + HMAC).

Encrypted values that must still be found by equality (an account's username) get a *blind
index* beside the ciphertext: an HMAC-SHA256 under a key derived from the same key (HKDF), so
the store can look them up and enforce uniqueness without holding the value in the clear, and a
copied store cannot test guesses without the key.

The key comes from `security.template_key` or is generated once into `<data-dir>/keys/` with
owner-only permissions. Losing the key makes templates unreadable, which is the point of erasure:
deleting a person also deletes their ciphertexts; rotating the key invalidates copies elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

import numpy as np
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kernel.errors import ConfigError, StoreError


class TemplateCipher:
    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"security.template_key is not a valid Fernet key: {exc}") from None
        self._index_key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"jikimi blind index v1"
        ).derive(base64.urlsafe_b64decode(key))

    @classmethod
    def generate(cls) -> TemplateCipher:
        return cls(Fernet.generate_key())

    @classmethod
    def from_key_file(cls, path: Path) -> TemplateCipher:
        """Load the key from `path`, creating it (mode 0600) on first use."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(Fernet.generate_key())
        return cls(path.read_bytes().strip())

    def encrypt_text(self, text: str) -> bytes:
        return self._fernet.encrypt(text.encode())

    def decrypt_text(self, token: bytes) -> str:
        return self._decrypt(token).decode()

    def blind_index(self, text: str) -> str:
        """A keyed hash of `text` (hex): equal texts give equal values, under this key only."""
        return hmac.new(self._index_key, text.encode(), hashlib.sha256).hexdigest()

    def encrypt_vector(self, vector: np.ndarray) -> bytes:
        return self._fernet.encrypt(np.asarray(vector, dtype="<f4").tobytes())

    def decrypt_vector(self, token: bytes) -> np.ndarray:
        return np.frombuffer(self._decrypt(token), dtype="<f4").copy()

    def _decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise StoreError("cannot decrypt stored template: wrong or rotated key") from None
