"""HLS AES-128 segment decryption (RFC 8216 §4.3.2.4) with `cryptography`.

Each segment is encrypted on its own: AES-128 in CBC mode with PKCS#7 padding, under a 16-byte key
fetched from the key URL (through the same guarded downloader as the segments) and the IV the
playlist gives or implies. A wrong key or IV shows as bad padding, reported for that segment.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from crawlers.streams.plan import StreamError

KEY_BYTES = 16
_BLOCK_BITS = 128


def decrypt_segment(data: bytes, key: bytes, iv: bytes) -> bytes:
    """The plaintext of one AES-128-CBC, PKCS#7-padded segment."""
    if len(key) != KEY_BYTES:
        raise StreamError(f"key is {len(key)} bytes, not {KEY_BYTES}")
    if not data or len(data) % (_BLOCK_BITS // 8):
        raise StreamError(f"encrypted segment of {len(data)} bytes is not whole AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(_BLOCK_BITS).unpadder()
    try:
        return unpadder.update(plain) + unpadder.finalize()
    except ValueError:
        raise StreamError("segment does not decrypt (wrong key or IV: bad padding)") from None
