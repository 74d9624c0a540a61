"""Block files: a run of faces (in feed order) with their int8 codes, sealed or memory-mapped.

Layout of a block's bytes: seqs int64 | scales, errors, norms float32 | codes uint8 (rows × dims),
so every array is aligned where it starts. Sealed (the default): the bytes are one AES-GCM
message under the template key (`TemplateCipher.seal_block`) bound to the model and block name,
decrypted into memory when the index loads: a copied index folder holds no usable vector, and a
damaged or swapped block fails to open (the index is then rebuilt). Plain: the bytes as they
are after an 8-byte header, memory-mapped, so only the pages a scan touches are read and the OS
page cache is the only copy in memory; a plain block's CRC-32 (kept in the meta) is checked
once when it is loaded, which reads it through once. Plain suits
deployers who keep the data folder on an encrypted volume; without one, plain blocks are
strangers' face vectors in the clear.
Every file is written under a temporary name, flushed and renamed, so a reader (or a crash)
never meets half a block.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kernel.errors import StoreError
from search.crypto import TemplateCipher
from search.faceindex.quantize import RowCodes

PLAIN_HEADER = b"JKP1\0\0\0\0"
ROW_OVERHEAD = 8 + 3 * 4  # seq, scale, error, norm


@dataclass(frozen=True)
class Block:
    name: str
    seqs: np.ndarray  # int64 (rows,), increasing
    codes: RowCodes

    @property
    def rows(self) -> int:
        return len(self.seqs)

    def take(self, keep: np.ndarray | slice, name: str) -> Block:
        c = self.codes
        return Block(name, self.seqs[keep], RowCodes(c.vectors[keep], c.scales[keep],
                                                     c.errors[keep], c.norms[keep]))


def joined(name: str, parts: list[Block]) -> Block:
    def cat(arrays: list[np.ndarray]) -> np.ndarray:
        return np.ascontiguousarray(np.concatenate(arrays))

    return Block(name, cat([b.seqs for b in parts]), RowCodes(
        cat([b.codes.vectors for b in parts]), cat([b.codes.scales for b in parts]),
        cat([b.codes.errors for b in parts]), cat([b.codes.norms for b in parts])))


def to_bytes(block: Block) -> bytes:
    c = block.codes
    return b"".join([block.seqs.astype("<i8").tobytes(), c.scales.astype("<f4").tobytes(),
                     c.errors.astype("<f4").tobytes(), c.norms.astype("<f4").tobytes(),
                     np.ascontiguousarray(c.vectors, dtype=np.uint8).tobytes()])


def from_buffer(name: str, buffer: bytes | np.ndarray, rows: int, dims: int) -> Block:
    if len(buffer) != rows * (ROW_OVERHEAD + dims):
        raise StoreError(f"face index block {name} has the wrong size")
    raw = np.frombuffer(buffer, dtype=np.uint8)
    floats = raw[8 * rows:20 * rows].view("<f4").reshape(3, rows)
    return Block(name, raw[:8 * rows].view("<i8"), RowCodes(
        raw[20 * rows:].reshape(rows, dims), floats[0], floats[1], floats[2]))


def context(model_id: str, name: str) -> bytes:
    return b"jikimi face index\x1f" + model_id.encode() + b"\x1f" + name.encode()


def write_block(folder: Path, model_id: str, block: Block, cipher: TemplateCipher | None) -> int:
    """Sealed when `cipher` is given, plain otherwise; returns the CRC-32 of the block's bytes."""
    data = to_bytes(block)
    payload = PLAIN_HEADER + data if cipher is None else cipher.seal_block(
        data, context(model_id, block.name))
    write_atomically(folder / block.name, payload)
    return zlib.crc32(data)


def read_block(folder: Path, model_id: str, name: str, rows: int, dims: int,
               cipher: TemplateCipher | None, crc: int) -> Block:
    """StoreError when the file is missing, damaged or sealed under another key."""
    path = folder / name
    try:
        if cipher is not None:
            return from_buffer(name, cipher.open_block(path.read_bytes(),
                                                       context(model_id, name)), rows, dims)
        mapped = np.memmap(path, dtype=np.uint8, mode="r")
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read face index block {name}: {exc}") from None
    if bytes(mapped[:len(PLAIN_HEADER)]) != PLAIN_HEADER:
        raise StoreError(f"face index block {name} is not a plain block")
    if zlib.crc32(mapped[len(PLAIN_HEADER):].data) != crc:
        raise StoreError(f"face index block {name} is damaged (CRC-32)")
    return from_buffer(name, mapped[len(PLAIN_HEADER):], rows, dims)


def write_atomically(path: Path, payload: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
