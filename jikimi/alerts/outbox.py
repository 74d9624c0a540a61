"""Outbox notifier: every alert as one JSON file, for operators and for setups without e-mail.

The outbox is the channel that always works (no network), so an NGO operator can review every
alert even when SMTP or a webhook is down. A file is written to a temporary name and moved into
place with `os.replace`, so a reader never sees half a file; a crash mid-write leaves a hidden
temporary file (the alert's text too), removed when that alert is sent again or discarded;
the file name is the alert id, so writing the same alert again replaces it with identical content
(idempotent). Files are owner-only (0600) in an owner-only folder: they hold contact-free but
still sensitive URLs.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from kernel import chaos
from kernel.errors import DeliveryError, JikimiError
from kernel.ports import AlertMessage
from kernel.records import Person

_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


class OutboxNotifier:
    """Writes `<directory>/<alert_id>.json` holding payload, subject, text and person id."""

    channel = "outbox"

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def wants(self, person: Person) -> bool:
        return True

    def path_for(self, alert_id: str) -> Path:
        if not _SAFE_ID.fullmatch(alert_id):
            raise DeliveryError(f"outbox: alert id {alert_id[:40]!r} is not a safe file name")
        return self.directory / f"{alert_id}.json"

    def discard(self, alert_id: str) -> bool:
        try:
            path = self.path_for(alert_id)
        except JikimiError:
            return False  # an id that was never a file name
        self._remove_partial_copies(alert_id)
        if not path.exists():
            return False
        path.unlink(missing_ok=True)
        return True

    def _remove_partial_copies(self, alert_id: str) -> None:
        """Temporary files a killed write left behind: they hold the alert's text too."""
        for partial in self.directory.glob(f".{alert_id}.*.tmp"):
            partial.unlink(missing_ok=True)

    def send(self, person: Person, message: AlertMessage) -> None:
        target = self.path_for(message.alert_id)
        document = {
            "alert_id": message.alert_id,
            "person_id": person.person_id,
            "subject": message.subject,
            "text": message.text,
            "payload": message.payload,
        }
        try:
            data = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode()
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_atomically(target, data)
            self._remove_partial_copies(message.alert_id)
        except (OSError, TypeError, ValueError) as exc:
            raise DeliveryError(f"outbox: cannot write {target.name}: {exc}") from None


def _write_atomically(target: Path, data: bytes) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:  # mkstemp creates the file with mode 0600
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        chaos.point("outbox.temp_written")
        os.chmod(tmp_name, 0o600)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
