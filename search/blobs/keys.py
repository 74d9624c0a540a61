"""The one rule for blob keys, shared by every blob store so a key valid in one is valid in all.

Keys are relative slash paths ("media/ab/abcdef….jpg"). Anything that could escape a local root
or mean different things on different backends is refused: absolute paths, `.`/`..` and other
dot-segments (which also keeps the local store's temporary files out of the key space), empty
segments, backslashes and control characters.
"""

from __future__ import annotations

from kernel.errors import StoreError

MAX_KEY_LENGTH = 1024


def validate_blob_key(key: object) -> str:
    """Return `key` unchanged if it is a valid blob key, else raise StoreError saying why."""
    if not isinstance(key, str) or not key:
        raise StoreError(f"invalid blob key {key!r}: must be a non-empty string")
    if len(key) > MAX_KEY_LENGTH:
        raise StoreError(f"invalid blob key {key[:40]!r}…: longer than {MAX_KEY_LENGTH} chars")
    if "\\" in key or any(ord(ch) < 32 or ord(ch) == 127 for ch in key):
        raise StoreError(f"invalid blob key {key!r}: backslash or control character")
    if key.startswith("/"):
        raise StoreError(f"invalid blob key {key!r}: must be relative")
    for segment in key.split("/"):
        if not segment:
            raise StoreError(f"invalid blob key {key!r}: empty path segment")
        if segment.startswith("."):
            raise StoreError(f"invalid blob key {key!r}: segment {segment!r} starts with '.'")
    return key
