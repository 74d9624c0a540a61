"""Blobs as files under one local folder: raw media awaiting enrichment and kept evidence.

Writes go to a temporary file in the target folder and are renamed into place, so a reader (or
a crash) never sees half a blob. Files are owner-only (0600, folders 0700): they may be the very
images a victim wants gone. Keys are validated so none can point outside the root.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from kernel.errors import NotFound, StoreError
from search.blobs.keys import validate_blob_key

_TMP_PREFIX = ".tmp-"  # dot-names can never be keys, so temporaries are never listed


class LocalBlobStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create blob folder {self.root}: {exc.strerror}") from None
        self.uri = self.root.as_uri()

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_blob_key(key).split("/"))

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            _make_private_dirs(self.root, path.parent)
            fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=path.parent)  # mode 0600
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StoreError(f"cannot write blob {key!r} to {self.uri}: {exc.strerror}") from None

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise NotFound(f"no blob {key!r} in {self.uri}") from None
        except OSError as exc:
            raise StoreError(f"cannot read blob {key!r} from {self.uri}: {exc.strerror}") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            pass  # already gone (a folder is not a blob either): deleting is idempotent
        except OSError as exc:
            raise StoreError(f"cannot delete blob {key!r} in {self.uri}: {exc.strerror}") from None

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with `prefix` (a plain string prefix, not only a folder), sorted."""
        start = self.root
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        if folder:
            try:
                start = self._path(folder)
            except StoreError:
                return iter(())  # no valid key lies below an invalid folder
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            relative = Path(dirpath).relative_to(self.root).as_posix()
            base = "" if relative == "." else relative + "/"
            found.extend(
                base + name for name in filenames
                if not name.startswith(".") and (base + name).startswith(prefix)
            )
        return iter(sorted(found))

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"


def _make_private_dirs(root: Path, folder: Path) -> None:
    """Create `folder` and any missing parents below `root`, each 0700 regardless of umask."""
    missing: list[Path] = []
    current = folder
    while current != root and not current.is_dir():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue  # created concurrently by another writer
        os.chmod(path, 0o700)
