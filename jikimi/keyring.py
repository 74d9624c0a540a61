"""Where the template key comes from, and the refusal to keep it beside the data it protects.

The key encrypts enrolled people's templates and contacts, crawled faces' embeddings and the
data key of every evidence object. Kept in the data folder, it would travel with every copy and
backup of that folder and protect nothing; so a key file inside the data folder (or beside the
SQLite database) is refused, and one is generated there only when
`security.allow_key_in_data_dir` says so (the demo and tests, whose data is throwaway).
Better still, a KMS or secret manager holds the key and `security.template_key_command` prints
it (jikimi.key_command): run once per process, it never lands on the data host's disk.
Order: `security.template_key`, then `security.template_key_command`, then
`security.template_key_file`, then `<data-dir>/keys/` (only with `allow_key_in_data_dir`).
`security.previous_key_file` (during a rotation) adds a key that reads, whichever one writes.
"""

from __future__ import annotations

from pathlib import Path

from jikimi.key_command import key_for_process
from kernel.errors import ConfigError
from kernel.settings import Settings
from search.crypto import TemplateCipher, read_or_create_key

DEFAULT_KEY_NAME = "template.key"


def open_cipher(settings: Settings) -> TemplateCipher:
    security = settings.security
    previous: tuple[bytes, ...] = ()
    if security.previous_key_file is not None:
        previous = (_load(settings, security.previous_key_file, create=False),)
    if security.template_key is not None:
        return TemplateCipher(security.template_key.get_secret_value().encode(), previous)
    if security.template_key_command is not None:
        key = key_for_process(tuple(security.template_key_command), security.key_command_timeout)
        return TemplateCipher(key, previous)
    if security.template_key_file is not None:
        return TemplateCipher(_load(settings, security.template_key_file, create=True), previous)
    if not security.allow_key_in_data_dir:
        raise ConfigError(
            "no template key: set security.template_key_command "
            "(JIKIMI_SECURITY__TEMPLATE_KEY_COMMAND, a JSON list: the command of a KMS or secret "
            "manager that prints the key), or security.template_key_file "
            "(JIKIMI_SECURITY__TEMPLATE_KEY_FILE) "
            f"to a file outside the data folder {settings.data_dir} (created on first use), or "
            "security.template_key; security.allow_key_in_data_dir = true keeps it in "
            f"{settings.keys_dir} (a copy of the folder then decrypts everything)")
    return TemplateCipher(read_or_create_key(settings.keys_dir / DEFAULT_KEY_NAME), previous)


def check_key_location(settings: Settings, path: Path) -> None:
    """ConfigError when `path` lies inside the data folder or the SQLite database's folder."""
    if settings.security.allow_key_in_data_dir:
        return
    where = path.expanduser().resolve()
    for folder in {settings.data_dir, settings.sqlite_path.parent}:
        if where.is_relative_to(folder.expanduser().resolve()):
            raise ConfigError(
                f"key file {path} lies inside the data folder {folder}: a copy of the folder "
                "would carry its key; keep it elsewhere (e.g. /etc/jikimi/template.key)")


def _load(settings: Settings, path: Path, *, create: bool) -> bytes:
    check_key_location(settings, path)
    if not create and not path.exists():
        raise ConfigError(f"key file {path} does not exist")
    try:
        return read_or_create_key(path.expanduser())
    except OSError as exc:
        raise ConfigError(f"cannot read key file {path}: {exc.strerror}") from None
