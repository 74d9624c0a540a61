"""`jikimi takedown batch` with recipients from RDAP and `jikimi takedown notices` (letters,
referral, Lumen and hash files, sent through a real SMTP server), end to end through the CLI.

The media hosts are TEST-NET address literals, so no DNS is asked; the fixture RDAP service
(tests/rdap_fixtures.py) answers for them: 198.51.100.20 has an abuse desk, 203.0.113.7 is
unknown to RDAP (404).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import closing
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.cli import main
from kernel.settings import Settings
from tests.alerts_servers import free_port, smtp_server
from tests.crawl_site import FixtureSite
from tests.factories import make_person
from tests.rdap_fixtures import rdap_site
from tests.takedown_fixtures import add_hit, media_url

KNOWN, UNKNOWN = "198.51.100.20", "203.0.113.7"
SECRET_NAME = "Minji Secretname"


@pytest.fixture
def rdap() -> Iterator[FixtureSite]:
    with rdap_site() as site:
        yield site


@pytest.fixture
def data_dir(tmp_path: Path, rdap: FixtureSite, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JIKIMI_TAKEDOWN__RDAP_BOOTSTRAP_URL", f"{rdap.base}/bootstrap/")
    monkeypatch.setenv("JIKIMI_TAKEDOWN__RDAP_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("JIKIMI_TAKEDOWN__REGULATOR_EMAIL", "referral@regulator-fixture.kr")
    with closing(registry.open_store(Settings.model_validate({"data_dir": tmp_path}))) as store:
        person = make_person(SECRET_NAME, email="minji@example.org", ref="CASE-MJ")
        store.add_person(person, [])
        add_hit(store, person, "one", host=KNOWN)
        add_hit(store, person, "two", host=KNOWN, seed=1)
        add_hit(store, person, "three", host=UNKNOWN, seed=2)
    return tmp_path


def run(data_dir: Path, capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> str:
    capsys.readouterr()
    assert main(["--data-dir", str(data_dir), "takedown", *argv]) == code
    return capsys.readouterr().out


def test_a_batch_names_each_hosts_recipients_and_its_notices_go_out(
        data_dir: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    batch = json.loads(run(data_dir, capsys, "batch", "--json"))
    hosts = {h["host"]: h for h in batch["hosts"]}
    assert batch["item_count"] == 3 and batch["legal_basis"] == "kr"
    assert [(c["role"], c["email"]) for c in hosts[KNOWN]["recipients"]] == [
        ("hosting", "abuse@fixture-hosting.nl"), ("regulator", "referral@regulator-fixture.kr")]
    assert [c["role"] for c in hosts[UNKNOWN]["recipients"]] == ["regulator"]
    assert any("not found (404" in p for p in hosts[UNKNOWN]["problems"])

    out = data_dir / "papers"
    with smtp_server() as (collector, port):
        monkeypatch.setenv("JIKIMI_ALERTS__SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("JIKIMI_ALERTS__SMTP_SECURITY", "insecure")
        monkeypatch.setenv("JIKIMI_ALERTS__SMTP_PORT", str(port))
        summary = json.loads(run(data_dir, capsys, "notices", batch["batch_id"], "--out",
                                 str(out), "--send"))
    assert [(n["host"], n["to"], n["items"]) for n in summary["notices"]] == [
        (KNOWN, "abuse@fixture-hosting.nl", 2)]
    assert [n["host"] for n in summary["no_recipient"]] == [UNKNOWN]
    assert summary["sent"] == [{"to": "abuse@fixture-hosting.nl", "ok": True, "error": None}]
    [envelope] = collector.envelopes
    mail = BytesParser(policy=policy.default).parsebytes(envelope.content)
    body = mail.get_content()
    assert media_url("one", KNOWN) in body and media_url("two", KNOWN) in body
    assert "삭제" in body and "LEGAL BASIS" in body  # Korean and English in one mail

    written = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    for secret in (SECRET_NAME, "minji@example.org", "CASE-MJ"):
        assert secret.encode() not in written
    referral = list(csv.reader(io.StringIO((out / "referral.ko.csv").read_text("utf-8-sig"))))
    assert referral[0][:2] == ["번호", "신고 URL"] and len(referral) == 4
    assert json.loads((out / "hashes.json").read_bytes())["media"] == 3
    assert json.loads((out / "lumen.json").read_bytes())

    with closing(registry.open_store(Settings.model_validate({"data_dir": data_dir}))) as store:
        items = store.takedown_items(batch["batch_id"])
    sent = {i.media_url: (i.status, i.sent_to, i.escalation) for i in items}
    assert sent[media_url("one", KNOWN)] == ("sent", "abuse@fixture-hosting.nl", "hosting")
    assert sent[media_url("three", UNKNOWN)][0] == "pending"
    # the sent URLs are followed in this batch, not put in the next one
    again = json.loads(run(data_dir, capsys, "batch", "--no-lookup", "--json"))
    assert [h["host"] for h in again["hosts"]] == [UNKNOWN]


def test_a_failed_send_is_the_exit_code(data_dir: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    batch = json.loads(run(data_dir, capsys, "batch", "--json"))
    monkeypatch.setenv("JIKIMI_ALERTS__SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("JIKIMI_ALERTS__SMTP_SECURITY", "insecure")
    monkeypatch.setenv("JIKIMI_ALERTS__SMTP_PORT", str(free_port()))  # nobody listens
    summary = json.loads(run(data_dir, capsys, "notices", batch["batch_id"], "--out",
                             str(data_dir / "papers"), "--send", code=1))
    assert [s["ok"] for s in summary["sent"]] == [False]
    with closing(registry.open_store(Settings.model_validate({"data_dir": data_dir}))) as store:
        assert {i.status for i in store.takedown_items(batch["batch_id"])} == {"pending"}
        failed = [e for e in store.audit_events(batch["batch_id"])
                  if e.action == "takedown.notice_failed"]
    assert len(failed) == 1
