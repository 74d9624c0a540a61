"""The outbox: one owner-only JSON file per alert, written atomically, idempotent on re-send."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from jikimi.alerts.message import render_message
from jikimi.alerts.outbox import OutboxNotifier
from kernel.errors import DeliveryError
from kernel.ports import AlertMessage, Notifier
from kernel.records import Alert, Person
from kernel.settings import Settings

PERSON = Person(person_id="p-1", name="Test Person", ref="case-1")
ALERT = Alert(
    person_id="p-1", media_id="ef" * 32, similarity=0.55, model_id="m",
    media_url="https://cdn.example.net/a.jpg", page_url="https://example.com/page",
)


def test_writes_one_private_file_per_alert(tmp_path: Path) -> None:
    outbox = OutboxNotifier(tmp_path / "outbox")
    assert isinstance(outbox, Notifier)
    assert outbox.channel == "outbox" and outbox.wants(PERSON)
    message = render_message(ALERT, PERSON, Settings())
    outbox.send(PERSON, message)

    files = list((tmp_path / "outbox").iterdir())
    assert [f.name for f in files] == [f"{ALERT.alert_id}.json"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "outbox").stat().st_mode) == 0o700
    document = json.loads(files[0].read_text(encoding="utf-8"))
    assert document["person_id"] == "p-1"
    assert document["text"] == message.text and "[한국어]" in document["text"]
    assert document["payload"] == message.payload
    assert "Test Person" not in files[0].read_text(encoding="utf-8")


def test_sending_twice_is_idempotent(tmp_path: Path) -> None:
    outbox = OutboxNotifier(tmp_path)
    message = render_message(ALERT, PERSON, Settings())
    outbox.send(PERSON, message)
    first = (tmp_path / f"{ALERT.alert_id}.json").read_bytes()
    outbox.send(PERSON, message)
    assert [p.name for p in tmp_path.iterdir()] == [f"{ALERT.alert_id}.json"]  # no tmp left over
    assert (tmp_path / f"{ALERT.alert_id}.json").read_bytes() == first


def test_unsafe_alert_id_and_unwritable_folder_raise_delivery_error(tmp_path: Path) -> None:
    outbox = OutboxNotifier(tmp_path)
    message = AlertMessage(alert_id="../../etc/passwd", subject="s", text="t", payload={})
    with pytest.raises(DeliveryError, match="not a safe file name"):
        outbox.send(PERSON, message)

    blocker = tmp_path / "file"
    blocker.write_text("x")
    good = render_message(ALERT, PERSON, Settings())
    with pytest.raises(DeliveryError, match="outbox: cannot write"):
        OutboxNotifier(blocker / "sub").send(PERSON, good)
