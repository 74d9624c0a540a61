"""Encryption at rest for face templates and contact details (Fernet: AES-128-CBC + HMAC).

Encrypted values that must still be found by equality (an account's username) get a *blind
index* beside the ciphertext: an HMAC-SHA256 under a key derived from the same key (HKDF), so
the store can look them up and enforce uniqueness without holding the value in the clear, and a
copied store cannot test guesses without the key.

The key comes from `security.template_key` or a key file that lies outside the data folder
(`jikimi.keyring` refuses one inside it), so a copy of the data folder alone decrypts nothing.
Losing the key makes templates unreadable, which is the point of erasure: deleting a person also
deletes their ciphertexts; rotating the key invalidates copies elsewhere.

Rotation: a cipher built with `previous` keys encrypts with the current key and decrypts with
any of them (Fernet's MultiFernet), so a store half re-encrypted by an interrupted
`jikimi keys rotate` stays readable and the rotation can simply be run again. The blind index
always uses the current key.

Crawled-face embeddings (strangers' biometrics, read by the hundred thousand at every
retroactive match) use AES-256-GCM under a key derived from the same key (HKDF), which costs
about 6 µs per 128-d face against Fernet's 43 (benchmarks/bench_faces_at_rest.py). A sealed face
is `FACE_PREFIX`, the derived key's 8-byte id, a 12-byte random nonce and the ciphertext with
its tag. Blobs that are neither (written before faces were encrypted) are read as plaintext by
`open_vector` until `jikimi keys rotate` seals them.

Blocks of the derived face index (search/faceindex) are sealed the same way under a third
derived key: `BLOCK_PREFIX`, key id, nonce, ciphertext; the caller's `context` (model, block
name) is authenticated with it, so a block cannot be swapped for another one unnoticed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kernel.errors import ConfigError, StoreError

# Every Fernet token starts with its version byte 0x80, which base64 writes as "gAAAAA".
_TOKEN_PREFIX = b"gAAAAA"
FACE_PREFIX = b"JKF1"
BLOCK_PREFIX = b"JKB1"
_KID, _NONCE = 8, 12


def _derive(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        base64.urlsafe_b64decode(key))


def _face_key(key: bytes) -> tuple[bytes, AESGCM]:
    derived = _derive(key, b"jikimi face embedding v1")
    return hashlib.sha256(b"jikimi face key id" + derived).digest()[:_KID], AESGCM(derived)


def _block_key(key: bytes) -> tuple[bytes, AESGCM]:
    derived = _derive(key, b"jikimi face index block v1")
    return hashlib.sha256(b"jikimi block key id" + derived).digest()[:_KID], AESGCM(derived)


def _fernet(key: bytes) -> Fernet:
    try:
        return Fernet(key)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"security.template_key is not a valid Fernet key: {exc}") from None


class TemplateCipher:
    def __init__(self, key: bytes, previous: tuple[bytes, ...] = ()) -> None:
        self._keys = (key, *previous)
        self._fernet = MultiFernet([_fernet(k) for k in self._keys])
        self.fingerprint = hashlib.sha256(b"jikimi key id " + key).hexdigest()[:16]
        self._index_key = _derive(key, b"jikimi blind index v1")
        self._face_keys = dict(_face_key(k) for k in self._keys)
        self._face_kid = _face_key(key)[0]
        self._block_keys = dict(_block_key(k) for k in self._keys)
        self.block_key_id = _block_key(key)[0].hex()  # which key current blocks are sealed with

    def wrap_key(self, data_key: bytes) -> bytes:
        """A per-item data key sealed under this key (envelope encryption of evidence)."""
        return self._fernet.encrypt(data_key)

    def unwrap_key(self, wrapped: bytes) -> bytes:
        return self._decrypt(wrapped)

    @classmethod
    def generate(cls) -> TemplateCipher:
        return cls(Fernet.generate_key())

    @classmethod
    def from_key_file(cls, path: Path, previous: tuple[bytes, ...] = ()) -> TemplateCipher:
        """Load the key from `path`, creating it (mode 0600) on first use."""
        return cls(read_or_create_key(path), previous)

    def with_previous(self, old: TemplateCipher) -> TemplateCipher:
        """This key for new values; this key or `old`'s for reading (during a rotation)."""
        return TemplateCipher(self._keys[0], (*self._keys[1:], *old._keys))

    def rotate(self, token: bytes) -> bytes:
        """`token` re-encrypted under the current key (idempotent: a current one is renewed)."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken:
            raise StoreError("cannot decrypt stored value: wrong or rotated key") from None

    def encrypt_bytes(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt_bytes(self, token: bytes) -> bytes:
        return self._decrypt(token)

    def encrypt_face(self, vector: np.ndarray) -> bytes:
        """A crawled face's embedding sealed with AES-GCM (fast enough to open by the million)."""
        nonce = os.urandom(_NONCE)
        sealed = self._face_keys[self._face_kid].encrypt(
            nonce, np.asarray(vector, dtype="<f4").tobytes(), None)
        return FACE_PREFIX + self._face_kid + nonce + sealed

    def open_vector(self, blob: bytes) -> np.ndarray:
        """A stored embedding: decrypted, or read as-is if written before encryption."""
        blob = bytes(blob)
        if blob.startswith(FACE_PREFIX):
            head = len(FACE_PREFIX)
            aead = self._face_keys.get(blob[head:head + _KID])
            if aead is None:
                raise StoreError("cannot decrypt stored face: wrong or rotated key")
            nonce = blob[head + _KID:head + _KID + _NONCE]
            try:
                plain = aead.decrypt(nonce, blob[head + _KID + _NONCE:], None)
            except InvalidTag:
                raise StoreError("stored face does not decrypt: damaged or forged") from None
            return np.frombuffer(plain, dtype="<f4").astype(np.float32)
        if blob.startswith(_TOKEN_PREFIX):
            return self.decrypt_vector(blob)
        return np.frombuffer(blob, dtype="<f4").astype(np.float32)

    def seal_block(self, data: bytes, context: bytes) -> bytes:
        """A face index block sealed with AES-GCM under the current key, bound to `context`."""
        kid = bytes.fromhex(self.block_key_id)
        nonce = os.urandom(_NONCE)
        return BLOCK_PREFIX + kid + nonce + self._block_keys[kid].encrypt(nonce, data, context)

    def open_block(self, blob: bytes | memoryview, context: bytes) -> bytes:
        """StoreError when the block is not one of ours, its key is unknown, or it was changed."""
        view = memoryview(blob)
        head = len(BLOCK_PREFIX)
        aead = self._block_keys.get(bytes(view[head:head + _KID]))
        if bytes(view[:head]) != BLOCK_PREFIX or aead is None:
            raise StoreError("face index block: not sealed, or sealed under another key")
        nonce = bytes(view[head + _KID:head + _KID + _NONCE])
        try:
            return aead.decrypt(nonce, view[head + _KID + _NONCE:], context)
        except InvalidTag:
            raise StoreError("face index block does not decrypt: damaged or forged") from None

    def seal_vector(self, blob: bytes) -> bytes:
        """A stored face embedding re-sealed under the current key (plaintext ones too)."""
        return self.encrypt_face(self.open_vector(blob))

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


def read_or_create_key(path: Path) -> bytes:
    """The key in `path`, generated there (mode 0600, folder 0700) if the file does not exist."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
    return path.read_bytes().strip()
