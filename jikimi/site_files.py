"""Site files as the portal writes them: validated by `SiteDefinition`, replaced atomically.

A site is `<data-dir>/sites/NAME.yaml` (crawlers/sites.py); the scheduler and `jikimi run NAME`
read that folder at any time, so a file is never written in place: the new text goes to a
temporary file in the same folder (a name the loaders skip), is flushed to disk and renamed over
the old one, so a reader sees the old file or the new one, never half of either.

Only what the writer set is written: values equal to `SiteDefinition`'s defaults and empty ones
are left out (name and schedule always stay), so what the loader derives (a telegram site's
start URLs from `base_url`, the default allowed domains) stays derived. Each read carries a
version (SHA-256 of the file's bytes); a write that names a version the file no longer has is
refused, so two people editing one site do not silently undo each other. Comments in a
hand-written file are not kept.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from crawlers.sites import SiteDefinition, load_site
from kernel.errors import AlreadyExists, ConfigError, NotFound

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")  # as crawlers.sites checks it
FIELDS = tuple(SiteDefinition.model_fields)
ALWAYS_WRITTEN = ("name", "schedule")
SUFFIXES = (".yaml", ".yml")
LOCK_FILE = ".portal-write.lock"  # no .yaml suffix: the loaders never read it


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with a submitted site, tied to the field it is about ("" for none)."""

    field: str
    kind: str  # pydantic's error type (missing, int_parsing, value_error, …) or ours
    message: str  # English, as pydantic or the validator words it
    context: dict[str, Any] = dataclasses.field(default_factory=dict)


class SiteInvalid(ConfigError):
    """A submitted site that does not validate; `problems` says which fields and why."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field or 'site'}: {p.message}" for p in problems))


class SiteChanged(ConfigError):
    """The file changed since the version the writer read: nothing was written."""


@dataclass(frozen=True)
class SiteFile:
    """One file of the sites folder as it is now."""

    path: Path
    name: str  # the file's stem: what `jikimi run NAME` and the site's DAG look up
    data: dict[str, Any]  # the YAML's fields as written
    version: str  # SHA-256 of the file's bytes
    site: SiteDefinition | None  # None when the file does not load
    problem: str | None = None  # why it does not load


def version_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def site_path(sites_dir: Path, name: str) -> Path | None:
    """The existing file of the site named `name` (`.yaml` or `.yml`), or None."""
    if not NAME.match(name):
        return None
    for suffix in SUFFIXES:
        path = Path(sites_dir) / f"{name}{suffix}"
        if path.is_file():
            return path
    return None


def read_site_file(sites_dir: Path, name: str) -> SiteFile:
    path = site_path(sites_dir, name)
    if path is None:
        raise NotFound(f"no site named {name!r}")
    return _read(path)


def list_site_files(sites_dir: Path) -> list[SiteFile]:
    """Every site file, sorted by name; a broken one is listed with its problem."""
    folder = Path(sites_dir)
    if not folder.is_dir():
        return []
    paths = sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())
    return [_read(p) for p in paths]


def validate(data: dict[str, Any]) -> SiteDefinition:
    """`data` as a site definition, or SiteInvalid naming each field that is wrong."""
    try:
        return SiteDefinition.model_validate(data)
    except ValidationError as exc:
        raise SiteInvalid([_problem(e) for e in exc.errors()]) from None


def written_fields(data: dict[str, Any], site: SiteDefinition) -> dict[str, Any]:
    """What goes into the file: the fields `data` sets, normalised as validated, in the
    definition's order, without empty or default values (name and schedule always)."""
    dumped = site.model_dump(mode="json", exclude_none=True)
    out: dict[str, Any] = {}
    for name in FIELDS:
        if name not in data or name not in dumped:
            continue
        value, default = dumped[name], SiteDefinition.model_fields[name].get_default(
            call_default_factory=True)
        if name in ALWAYS_WRITTEN or (value not in ([], {}, "") and value != default):
            out[name] = value
    return out


def write_site_file(sites_dir: Path, name: str, data: dict[str, Any], *, create: bool,
                    version: str | None = None) -> SiteFile:
    """Validate `data` and write it as site `name`: a new file (`create`: AlreadyExists when the
    name is taken) or over the existing one (NotFound when there is none; SiteChanged when
    `version` is given and the file no longer has it)."""
    site = validate(data)
    if site.name != name:
        raise SiteInvalid([FieldProblem("name", "rename", "a site keeps its name")])
    text = yaml.safe_dump(written_fields(data, site), sort_keys=False, allow_unicode=True,
                          default_flow_style=False)
    folder = Path(sites_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder):
        current = site_path(folder, name)
        if create:
            taken = current is not None or any(
                f.site is not None and f.site.name == name for f in list_site_files(folder))
            if taken:
                raise AlreadyExists(f"a site named {name!r} exists")
            target = folder / f"{name}.yaml"
        else:
            if current is None:
                raise NotFound(f"no site named {name!r}")
            if version is not None and version_of(current.read_bytes()) != version:
                raise SiteChanged(f"site {name!r} changed since it was read: read it again")
            target = current
        _replace(target, text.encode("utf-8"))
    return _read(target)


def _read(path: Path) -> SiteFile:
    raw = path.read_bytes()
    try:
        loaded = yaml.safe_load(raw)
    except yaml.YAMLError:
        loaded = None
    data = loaded if isinstance(loaded, dict) else {}
    try:
        return SiteFile(path, path.stem, data, version_of(raw), load_site(path))
    except ConfigError as exc:
        return SiteFile(path, path.stem, data, version_of(raw), None, str(exc))


def _replace(target: Path, content: bytes) -> None:
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.",
                                             suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a crash
    finally:
        os.close(directory)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One writer at a time across processes (portal workers, scripts), for check-then-write."""
    with open(folder / LOCK_FILE, "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _problem(error: Any) -> FieldProblem:
    loc = [str(part) for part in error.get("loc", ())]
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    name = loc[0] if loc else _field_named_in(message)
    context = {k: v for k, v in (error.get("ctx") or {}).items()
               if isinstance(v, int | float | str)}
    return FieldProblem(name, str(error.get("type", "value_error")), message, context)


def _field_named_in(message: str) -> str:
    """The field a whole-definition check is about ("start_urls: give at least one URL")."""
    if "needs channels" in message:
        return "channels"
    head = message.split(":", 1)[0].strip()
    return head if head in FIELDS else ""
