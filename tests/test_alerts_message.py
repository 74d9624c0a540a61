"""The alert text: bilingual, calm, no imagery, no names; the payload is JSON-safe and name-free."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from jikimi.alerts.message import render_message
from kernel.records import Alert, Person
from kernel.settings import AlertSettings, Settings

PERSON = Person(person_id="p-123", name="김지현", ref="case-0042", email="victim@example.org")
ALERT = Alert(
    person_id="p-123",
    media_id="ab" * 32,
    similarity=0.6234,
    model_id="yunet-2023mar+sface-2021dec",
    media_url="https://media.example.net/u/9/clip.jpg",
    page_url="https://board.example.com/thread/77",
    created_at=datetime(2024, 5, 1, 15, 30, tzinfo=UTC),
)


def test_text_is_korean_first_then_english_with_the_facts() -> None:
    message = render_message(ALERT, PERSON, Settings())
    text = message.text
    assert re.search(r"[\uac00-\ud7a3]", text), "Korean text missing"
    assert text.index("[한국어]") < text.index("[English]")
    assert text.lstrip().startswith("※ 주의")  # content warning first
    assert "Content warning" in text.split("[한국어]")[0]
    for fact in (ALERT.page_url, ALERT.media_url, "board.example.com"):
        assert text.count(fact) >= 2, f"{fact!r} should appear in both languages"
    # review first: the text says a reviewer confirmed it, and shows no biometric figures
    assert "reviewer confirmed" in text and "검토자가" in text
    assert "0.62" not in text and ALERT.model_id not in text and "deepfake" not in text
    assert "2024-05-02 00:30 KST" in text  # 15:30 UTC is the next morning in Seoul
    assert "2024-05-01 15:30 UTC" in text
    assert "not proof" in text and "lookalike" in text and "synthetic" in text
    assert "증거는 아닙니다" in text
    assert "NGO operators will help you with the takedown" in text
    assert "02-735-8994" in text and "디지털성범죄피해자지원센터" in text
    assert message.alert_id == ALERT.alert_id
    assert "[jikimi]" in message.subject


def test_no_names_and_no_imagery() -> None:
    message = render_message(ALERT, PERSON, Settings())
    everything = message.subject + message.text + json.dumps(message.payload, ensure_ascii=False)
    assert PERSON.name not in everything
    assert PERSON.email and PERSON.email not in everything
    lowered = everything.lower()
    for marker in ("<img", "base64", "data:image", "attachment", "content-disposition"):
        assert marker not in lowered


def test_payload_is_json_safe_and_pseudonymous() -> None:
    payload = render_message(ALERT, PERSON, Settings()).payload
    decoded = json.loads(json.dumps(payload))
    assert decoded == {
        "alert_id": ALERT.alert_id,
        "person_ref": "case-0042",
        "media_id": ALERT.media_id,
        "media_url": ALERT.media_url,
        "page_url": ALERT.page_url,
        "site": "board.example.com",
        "reviewed": True,
        "declared_synthetic": False,
        "created_at": "2024-05-01T15:30:00+00:00",
        "time_ranges": [],
    }
    assert "person_id" not in payload and "name" not in payload


def test_support_text_is_a_setting() -> None:
    settings = Settings(alerts=AlertSettings(support_text="Call the operator on 010-0000-0000"))
    text = render_message(ALERT, PERSON, settings).text
    assert text.count("Call the operator on 010-0000-0000") == 2
    assert "02-735-8994" not in text


def test_naive_timestamp_is_read_as_utc_and_missing_host_is_neutral() -> None:
    alert = Alert(
        person_id="p-123", media_id="cd" * 32, similarity=0.5, model_id="m",
        media_url="", page_url="", created_at=datetime(2024, 1, 1, 0, 0),
    )
    message = render_message(alert, PERSON, Settings())
    assert message.payload["created_at"] == "2024-01-01T00:00:00+00:00"
    assert "2024-01-01 09:00 KST" in message.text
    assert "unknown site" in message.text


def test_a_video_alert_names_the_time_ranges_in_both_languages() -> None:
    message = render_message(ALERT, PERSON, Settings(), time_ranges=[(3.0, 7.0), (65.0, 65.0)])
    assert "영상 속 등장 시간: 0:03–0:07, 1:05" in message.text
    assert "Appears in the video at: 0:03–0:07, 1:05" in message.text
    assert message.payload["time_ranges"] == [[3.0, 7.0], [65.0, 65.0]]
    still = render_message(ALERT, PERSON, Settings())
    assert "Appears in the video" not in still.text and still.payload["time_ranges"] == []


def test_an_unreviewed_strong_match_says_nobody_has_looked_yet() -> None:
    message = render_message(ALERT, PERSON, Settings(), reviewed=False)
    assert "No person has reviewed it yet" in message.text
    assert "아직 사람이 검토하지" in message.text
    assert "reviewer confirmed" not in message.text and "검토 전" in message.subject
    assert message.payload["reviewed"] is False


def test_ai_generation_is_named_only_when_the_file_declares_it() -> None:
    for basis, declared in [("provenance", True), ("watermark", True), ("none", False),
                            ("detector", False), ("detector (uncalibrated)", False)]:
        message = render_message(ALERT, PERSON, Settings(), score_basis=basis)
        assert ("declares that it was made with AI" in message.text) is declared, basis
        assert ("인공지능으로 만들어졌다는 표시" in message.text) is declared, basis
        assert message.payload["declared_synthetic"] is declared
