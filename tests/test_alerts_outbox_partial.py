"""An outbox write killed between its temporary file and the rename leaves the alert's text in
a hidden temporary file; the next send of that alert, and discarding it, remove such leftovers.

Found by the chaos test at `outbox.temp_written` (tests/test_chaos.py).
"""

from __future__ import annotations

from jikimi.alerts.outbox import OutboxNotifier
from kernel.ports import AlertMessage
from kernel.records import Person

ALERT = "6017e9e62ca92b027a52948a2b606b21"


def leftover(folder) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f".{ALERT}.quz4g0xm.tmp").write_text("half of an alert's text", encoding="utf-8")


def test_resending_an_alert_removes_its_half_written_copy(tmp_path):
    outbox = OutboxNotifier(tmp_path / "outbox")
    leftover(outbox.directory)
    person = Person(person_id="p1", name="Test", ref="r1")
    outbox.send(person, AlertMessage(alert_id=ALERT, subject="s", text="t", payload={}))
    assert sorted(p.name for p in outbox.directory.iterdir()) == [f"{ALERT}.json"]


def test_discarding_an_alert_removes_its_half_written_copy(tmp_path):
    outbox = OutboxNotifier(tmp_path / "outbox")
    leftover(outbox.directory)
    outbox.discard(ALERT)
    assert list(outbox.directory.iterdir()) == []
