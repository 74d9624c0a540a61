"""`jikimi keys rotate`: every encrypted value re-encrypted under a new template key, in place.

What is re-encrypted: enrolled people's names, contacts and templates, case notes, accounts'
usernames and password hashes (and their blind index, recomputed), crawled-face embeddings
(sealed on the way if they predate encryption) and the wrapped data key of every evidence
object (the evidence bytes themselves stay as they are: only their small keys are re-wrapped).

Crash safety: the store and the locker are opened with a cipher that encrypts with the new key
and decrypts with either, and values are rewritten in committed batches; so after a crash every
value is readable with one of the two keys, and running the same command again (the old key
still configured, the same `--new-key-file`) finishes the job. Until it has finished, setting
`security.previous_key_file` to the old key file lets the service read both. Afterwards, point
`security.template_key_file` at the new file and retire the old one (copies and backups made
under it become unreadable once it is destroyed). Stop the pipeline while it runs: writes under
the old key during the rotation would be renewed only by another run. Audited as `keys.rotate`.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

from jikimi import keyring, registry
from kernel.errors import ConfigError
from kernel.ports import Reencryptable
from kernel.records import AuditEvent
from kernel.settings import Settings
from search.crypto import TemplateCipher, read_or_create_key


def rotate_keys(settings: Settings, new_key_file: Path, actor: str) -> dict[str, Any]:
    keyring.check_key_location(settings, new_key_file)
    old = keyring.open_cipher(settings)
    try:
        new = TemplateCipher(read_or_create_key(new_key_file.expanduser()))
    except OSError as exc:
        raise ConfigError(f"cannot create or read {new_key_file}: {exc.strerror}") from None
    rotating = new.with_previous(old)
    with closing(registry.open_store(settings, rotating)) as store:
        if not isinstance(store, Reencryptable):
            raise ConfigError(f"the {settings.store.backend} store cannot re-encrypt in place "
                              "yet (see README: key rotation)")
        counts = store.reencrypt()
        counts["evidence_data_keys"] = registry.open_evidence(settings, rotating).rewrap()
        store.record_audit(AuditEvent(
            action="keys.rotate", actor=actor, subject="template-key",
            detail={"from": old.fingerprint, "to": new.fingerprint, "rewritten": counts}))
    return {"from": old.fingerprint, "to": new.fingerprint, "rewritten": counts,
            "next": _next_step(settings, new_key_file)}


def _next_step(settings: Settings, new_key_file: Path) -> str:
    if settings.security.template_key_command is not None:
        return (f"store the key in {new_key_file} as the secret that "
                "security.template_key_command prints, delete the file, and retire the old key")
    return (f"set security.template_key_file = {new_key_file} "
            "(JIKIMI_SECURITY__TEMPLATE_KEY_FILE) and retire the old key")
