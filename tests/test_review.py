"""Review first: nothing reaches a person, an export or a takedown batch before an operator
confirms it; every decision is audited with its account; escalation reaches its contact."""

from __future__ import annotations

import json
from contextlib import closing
from email import message_from_bytes
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.cli import main
from jikimi.export import export_rows
from jikimi.review import alert_bands, decide, precision_report, review_queue
from kernel.errors import ConfigError, NotFound
from kernel.ports import AlertMessage, Store
from kernel.settings import ReviewSettings, Settings
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.alerts_servers import smtp_server
from tests.factories import make_face, make_hit, make_media, make_person, make_sighting


class CollectingEscalation:
    """A local escalation channel: keeps what it was asked to send."""

    contact = "child-protection@example.org"

    def __init__(self) -> None:
        self.sent: list[AlertMessage] = []

    def escalate(self, message: AlertMessage) -> None:
        self.sent.append(message)


def seed(store: Store, n: int = 4, band: str = "likely") -> list[str]:
    """One enrolled person and `n` hits on different media, all awaiting review."""
    person = make_person(name="Hidden Name")
    store.add_person(person, [])
    ids = []
    for i in range(n):
        media = make_media(f"review-{i}".encode())
        store.upsert_media(media)
        store.add_sighting(make_sighting(media.media_id, n=i))
        face = make_face(media.media_id)
        store.save_enrichment(media, [face])
        hit = make_hit(person.person_id, face, band=band)
        store.upsert_hit(hit)
        ids.append(hit.hit_id)
    return ids


@pytest.fixture
def store() -> SqliteStore:
    return SqliteStore(":memory:", TemplateCipher.generate())


def test_only_a_confirmation_records_an_alert_and_every_decision_is_audited(store) -> None:
    confirm, reject, not_sexual, escalate = seed(store)
    escalation = CollectingEscalation()
    assert store.alerts() == [] and export_rows(store) == []
    for hit_id, decision in [(confirm, "confirm"), (reject, "reject"),
                             (not_sexual, "not_sexual")]:
        decide(store, hit_id, decision, "operator-lee", note="looked blurred")  # type: ignore[arg-type]
    outcome = decide(store, escalate, "escalate", "operator-lee", escalation=escalation)

    [alert] = store.alerts()
    confirmed = next(h for h in store.hits() if h.hit_id == confirm)
    assert alert.media_id == confirmed.media_id and alert.status == "pending"
    assert {r.media_url for r in export_rows(store)} == {f"https://example.org/media/{0}.jpg"}
    states = {h.hit_id: (h.review_state, h.reviewer) for h in store.hits()}
    assert states == {confirm: ("confirmed", "operator-lee"), reject: ("rejected", "operator-lee"),
                      not_sexual: ("not_sexual", "operator-lee"),
                      escalate: ("escalated", "operator-lee")}
    for hit_id in (confirm, reject, not_sexual, escalate):
        [event] = store.audit_events(hit_id)
        assert event.action == "hit.review" and event.actor == "operator-lee"
    assert outcome.escalated_to == CollectingEscalation.contact
    [notice] = escalation.sent
    assert "https://example.org/page/3.html" in notice.text and "Hidden Name" not in notice.text
    assert "similarity" not in notice.text.lower()


def test_confirming_again_records_no_second_alert_and_a_later_decision_is_logged(store) -> None:
    [hit_id] = seed(store, n=1)
    first = decide(store, hit_id, "confirm", "op-1")
    again = decide(store, hit_id, "confirm", "op-2")
    assert first.new_alert and again.new_alert is None and len(store.alerts()) == 1
    decide(store, hit_id, "reject", "op-3")
    assert sorted(e.actor for e in store.audit_events(hit_id)) == ["op-1", "op-2", "op-3"]
    assert export_rows(store) == []  # rejected after all: out of the batch


def test_the_queue_holds_only_hits_awaiting_a_decision(store, tmp_path) -> None:
    ids = seed(store, n=3)
    decide(store, ids[0], "reject", "op")
    queue = review_queue(store, Settings(data_dir=tmp_path))
    assert {row["hit_id"] for row in queue} == set(ids[1:])
    assert all(row["review_state"] == "new" and "fake_score" in row for row in queue)


def test_refusals_change_nothing(store) -> None:
    [hit_id] = seed(store, n=1)
    with pytest.raises(NotFound):
        decide(store, "no-such-hit", "confirm", "op")
    with pytest.raises(ConfigError, match="unknown decision"):
        decide(store, hit_id, "approve", "op")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="escalation"):
        decide(store, hit_id, "escalate", "op")  # no escalation contact
    assert [h.review_state for h in store.hits()] == ["new"] and store.audit_events() == []


def test_policy_decides_which_bands_alert_unreviewed() -> None:
    assert alert_bands(ReviewSettings()) == frozenset()
    assert alert_bands(ReviewSettings(policy="strong_direct")) == frozenset({"strong"})


def test_precision_per_model_and_band_from_decisions(store) -> None:
    strong = seed(store, n=3, band="strong")
    likely = seed(store, n=2, band="likely")
    decide(store, strong[0], "confirm", "op")
    decide(store, strong[1], "not_sexual", "op")
    decide(store, strong[2], "reject", "op")
    decide(store, likely[0], "reject", "op")  # likely[1] not reviewed: not counted
    rows = {row["band"]: row for row in precision_report(store)}
    assert rows["strong"]["reviewed"] == 3 and rows["strong"]["hers"] == 2
    assert rows["strong"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert rows["likely"]["reviewed"] == 1 and rows["likely"]["precision"] == 0.0


def seeded_data_dir(tmp_path: Path, **fields: object) -> tuple[Settings, list[str]]:
    settings = Settings.model_validate({"data_dir": tmp_path, **fields})
    with closing(registry.open_store(settings)) as store:
        return settings, seed(store, n=2)


def test_cli_confirm_sends_the_alert_at_once_and_report_lists_precision(
        tmp_path, capsys) -> None:
    _, (hit_id, _) = seeded_data_dir(tmp_path)
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "review", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert main([*data, "review", "decide", hit_id, "--confirm"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["review_state"] == "confirmed" and outcome["alerts_sent"] == 1
    [copy] = (tmp_path / "outbox").glob("*.json")
    assert "reviewer confirmed" in json.loads(copy.read_text(encoding="utf-8"))["text"]
    assert main([*data, "review", "report", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["reviewed"] == 1 and row["precision"] == 1.0
    with closing(registry.open_store(Settings(data_dir=tmp_path))) as store:
        [event] = store.audit_events(hit_id)
    assert event.actor.startswith("cli:")  # the OS user, until the CLI has accounts


def test_cli_escalation_mails_the_contact_and_refuses_without_one(tmp_path, capsys) -> None:
    _, (first, second) = seeded_data_dir(tmp_path)
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "review", "decide", first, "--escalate"]) == 2
    assert "escalation" in capsys.readouterr().err
    with closing(registry.open_store(Settings(data_dir=tmp_path))) as store:
        assert {h.review_state for h in store.hits()} == {"new"}  # nothing recorded
    with smtp_server() as (collector, port):
        env = {"JIKIMI_REVIEW__ESCALATION_EMAIL": "cp@example.org",
               "JIKIMI_ALERTS__SMTP_HOST": "127.0.0.1", "JIKIMI_ALERTS__SMTP_PORT": str(port),
               "JIKIMI_ALERTS__SMTP_SECURITY": "insecure"}
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            assert main([*data, "review", "decide", second, "--escalate"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["escalated_to"] == "cp@example.org" and outcome["alert"] is None
    [envelope] = collector.envelopes
    mail = message_from_bytes(envelope.content)
    assert envelope.rcpt_tos == ["cp@example.org"] and "Escalated" in mail["Subject"]
    body = mail.get_payload(decode=True).decode()
    assert "https://example.org/page/1.html" in body and "Hidden Name" not in body


def test_the_queue_is_ordered_by_band_then_similarity_then_fake_score(store, tmp_path) -> None:
    person = make_person()
    store.add_person(person, [])
    wanted = []
    for n, (band, similarity) in enumerate([("likely", 0.9), ("strong", 0.5), ("strong", 0.7),
                                            ("uncertain", 0.99)]):
        media = make_media(f"order-{n}".encode())
        store.upsert_media(media)
        face = make_face(media.media_id)
        store.save_enrichment(media, [face])
        hit = make_hit(person.person_id, face, similarity=similarity, band=band)
        store.upsert_hit(hit)
        wanted.append(hit.hit_id)
    queue = [row["hit_id"] for row in review_queue(store, Settings(data_dir=tmp_path))]
    assert queue == [wanted[2], wanted[1], wanted[0], wanted[3]]
