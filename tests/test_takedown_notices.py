"""Takedown notices: one per recipient, Korean and English, every URL of the host, the legal
basis chosen per batch; nothing about the person depicted and no media in any written byte;
.eml as plain UTF-8; sent through a real SMTP server, failures reported per notice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import cast

import pytest

from jikimi.takedown.notices import (
    Notice,
    SentNotice,
    build_notices,
    known_languages,
    known_legal_bases,
    record_sent_notices,
    send_notices,
    to_eml,
    write_notices,
)
from jikimi.takedown.notices.render import utc_text
from kernel.errors import ConfigError
from kernel.settings import AlertSettings, Settings
from kernel.settings_takedown import TakedownSettings
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.alerts_servers import free_port, smtp_server
from tests.takedown_notice_fixtures import TEAM, VIDEO_URL, NoticeWorld, build_world

SAMPLES = Path("/tmp/notice-samples")


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    opened = SqliteStore(":memory:", TemplateCipher.generate())
    yield opened
    opened.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, takedown=TakedownSettings(
        sender_name="Takedown desk", sender_email="takedown@ngo.example",
        sender_organisation="Example Support Centre", regulator_email="report@kcsc.example.kr"))


@pytest.fixture
def world(store: SqliteStore, settings: Settings) -> NoticeWorld:
    return build_world(store, settings)


def parsed(data: bytes) -> EmailMessage:
    return cast(EmailMessage, message_from_bytes(data, policy=policy.default))


def by_host(notices: list[Notice]) -> dict[str, Notice]:
    return {n.host: n for n in notices}


def test_one_notice_per_recipient_with_every_url_of_its_host(world: NoticeWorld,
                                                             settings: Settings) -> None:
    plan = build_notices(world.batch, world.rows, settings.takedown)

    notices = by_host(plan.notices)
    assert sorted(notices) == ["a.example", "b.example"] and len(plan.notices) == 2
    assert [(n.host, n.problems) for n in plan.no_recipient] == [
        ("c.example", ("RDAP abuse contact is a redacted placeholder",))]
    assert notices["a.example"].contact.email == "abuse@hoster.co.kr"
    for row in world.rows:
        host = str(row["host"])
        if host == "c.example":
            assert row["item_id"] in plan.no_recipient[0].item_ids
            continue
        notice = notices[host]
        assert row["item_id"] in notice.item_ids
        for text in notice.texts.values():
            assert str(row["media_url"]) in text and str(row["page_url"]) in text
            assert str(row["sha256"]) in text and str(row["pdq"]) in text
        other = notices["b.example" if host == "a.example" else "a.example"]
        assert all(str(row["media_url"]) not in t for t in other.texts.values())
        seen = utc_text(row["first_seen"])  # UTC, ISO 8601, second precision
        assert seen.endswith("Z") and f"최초 발견 일시(UTC): {seen}" in notice.texts["ko"]
        assert f"First seen (UTC): {seen}" in notice.texts["en"]


def test_both_languages_korean_first_for_kr_addresses_and_the_chosen_legal_basis(
        world: NoticeWorld, settings: Settings) -> None:
    notices = by_host(build_notices(world.batch, world.rows, settings.takedown).notices)

    a, b = notices["a.example"], notices["b.example"]
    assert a.languages == ("ko", "en") and b.languages == ("en", "ko")  # .kr address vs not
    assert "제14조의2" in a.texts["ko"] and "제22조의5" in a.texts["ko"]
    assert "Article 14-2" in a.texts["en"] and "Article 22-5" in a.texts["en"]
    assert "합니다" in a.texts["ko"] and "바랍니다" in a.texts["ko"]  # formal 합쇼체
    assert a.subject.startswith("[삭제 요청]") and "Removal request" in a.subject
    # the evidence line when no reference is given, in both languages
    assert "evidence held by the sender, reference on request" in a.texts["en"]
    assert "증거 자료는 발신인이 보관하고 있으며" in a.texts["ko"]

    us = by_host(build_notices(world.batch, world.rows, settings.takedown,
                               legal_basis="us-take-it-down").notices)["a.example"]
    assert "TAKE IT DOWN" in us.texts["en"] and "48 hours" in us.texts["en"]
    assert "48시간" in us.texts["ko"] and "제14조의2" not in us.texts["ko"]
    policy_notice = by_host(build_notices(world.batch, world.rows, settings.takedown,
                                          legal_basis="platform-policy").notices)["a.example"]
    assert "Hoster Korea Co., Ltd." in policy_notice.texts["en"]
    assert "NCII" in policy_notice.texts["ko"]


def test_a_cdn_is_written_to_as_the_front_and_asked_to_forward(world: NoticeWorld,
                                                              settings: Settings) -> None:
    b = by_host(build_notices(world.batch, world.rows, settings.takedown).notices)["b.example"]

    assert b.front == "Example CDN" and b.contact.email == "abuse@cdn.example"
    assert "addressed to Example CDN as the content delivery network" in b.texts["en"]
    assert "forward this notice to the hosting provider" in b.texts["en"]
    assert "실제 호스팅 사업자에게 전달하여 주시고" in b.texts["ko"]
    # the video: its kind and time ranges
    assert VIDEO_URL in b.texts["en"] and "Type: video (at 0:00" in b.texts["en"]
    assert "유형: 영상 (해당 구간: 0:00" in b.texts["ko"]


def test_evidence_references_registrar_and_regulator_steps(world: NoticeWorld,
                                                           settings: Settings) -> None:
    first = str(world.rows[0]["item_id"])
    refs = {first: "EV-2026-0001"}
    plan = build_notices(world.batch, world.rows, settings.takedown, evidence_refs=refs)
    assert any("Evidence: EV-2026-0001" in n.texts["en"] and "증거 참조: EV-2026-0001" in
               n.texts["ko"] for n in plan.notices)

    registrar = build_notices(world.batch, world.rows, settings.takedown, step="registrar")
    assert [n.contact.email for n in registrar.notices] == ["abuse@registrar.example"]
    assert "registered through you" in registrar.notices[0].texts["en"]
    assert sorted(n.host for n in registrar.no_recipient) == ["b.example", "c.example"]

    regulator = build_notices(world.batch, world.rows, settings.takedown, step="regulator")
    assert {n.contact.email for n in regulator.notices} == {"report@kcsc.example.kr"}
    assert all(n.languages[0] == "ko" and n.subject.startswith("[심의 요청]")
               for n in regulator.notices)
    assert "시정요구" in regulator.notices[0].texts["ko"]


def test_unknown_legal_basis_or_language_names_the_known_ones(world: NoticeWorld,
                                                              settings: Settings) -> None:
    assert known_legal_bases() == ["kr", "platform-policy", "us-take-it-down"]
    assert known_languages() == ["en", "ko"]
    with pytest.raises(ConfigError, match="kr, platform-policy, us-take-it-down"):
        build_notices(world.batch, world.rows, settings.takedown, legal_basis="dmca")
    with pytest.raises(ConfigError, match="unknown notice language 'ja': use one of en, ko"):
        build_notices(world.batch, world.rows, settings.takedown, languages=["ko", "ja"])


def test_written_notices_hold_nothing_about_her_and_no_media(world: NoticeWorld,
                                                             settings: Settings,
                                                             tmp_path: Path) -> None:
    plan = build_notices(world.batch, world.rows, settings.takedown)
    out = tmp_path / "notices"
    paths = write_notices(plan.notices, out, no_recipient=plan.no_recipient)

    names = sorted(str(p.relative_to(out)) for p in paths)
    assert names == ["a.example/hosting-1.eml", "a.example/hosting-1.en.txt",
                     "a.example/hosting-1.ko.txt", "b.example/hosting-1.eml",
                     "b.example/hosting-1.en.txt", "b.example/hosting-1.ko.txt", "index.json"]
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert written == sorted(paths)
    for path in written:
        data = path.read_bytes()
        texts = [data.decode("utf-8")]
        if path.suffix == ".eml":  # the body is transfer-encoded: check what a reader sees
            mail = parsed(data)
            texts += [mail.get_content(), str(mail["Subject"])]
        for secret in world.secrets:
            assert all(secret not in text for text in texts), (path, secret)
        for media in world.media_bytes:
            assert media not in data, path
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [n["host"] for n in index["notices"]] == ["a.example", "b.example"]
    assert index["no_recipient"][0]["host"] == "c.example"
    assert index["notices"][0]["recipient"] == "abuse@hoster.co.kr"
    SAMPLES.mkdir(parents=True, exist_ok=True)
    a = by_host(plan.notices)["a.example"]
    (SAMPLES / "notice.ko.txt").write_text(a.texts["ko"], encoding="utf-8")
    (SAMPLES / "notice.en.txt").write_text(a.texts["en"], encoding="utf-8")


def test_the_eml_is_one_plain_utf8_part_with_both_languages(world: NoticeWorld,
                                                            settings: Settings) -> None:
    notices = by_host(build_notices(world.batch, world.rows, settings.takedown).notices)
    a = notices["a.example"]

    mail = parsed(to_eml(a))
    assert not mail.is_multipart() and mail.get_content_type() == "text/plain"
    assert mail.get_content_charset() == "utf-8"
    assert mail["To"] == "abuse@hoster.co.kr" and "takedown@ngo.example" in mail["From"]
    assert mail["Message-ID"] == a.message_id and mail["Date"] and mail["Subject"] == a.subject
    body = mail.get_content()
    assert body.index("한국어") < body.index("English")  # Korean first for a .kr address
    assert a.texts["ko"].strip() in body and a.texts["en"].strip() in body
    again = by_host(build_notices(world.batch, world.rows, settings.takedown).notices)
    assert again["a.example"].message_id == a.message_id  # a resend keeps its id
    assert a.message_id != notices["b.example"].message_id


def test_sending_delivers_each_notice_and_records_it(world: NoticeWorld, settings: Settings,
                                                     store: SqliteStore) -> None:
    plan = build_notices(world.batch, world.rows, settings.takedown)
    with smtp_server() as (collector, port):
        sent = send_notices(plan.notices, AlertSettings(smtp_host="127.0.0.1", smtp_port=port,
                                                    smtp_security="insecure"))

    assert [s.ok for s in sent] == [True, True] and all(s.error is None for s in sent)
    assert sorted(tuple(e.rcpt_tos) for e in collector.envelopes) == [
        ("abuse@cdn.example",), ("abuse@hoster.co.kr",)]
    for envelope in collector.envelopes:
        mail = parsed(envelope.content)
        assert mail.get_content_type() == "text/plain"
        assert all(secret not in mail.get_content() for secret in world.secrets)

    seen: list[SentNotice] = []
    assert record_sent_notices(store, sent, TEAM, on_sent=seen.append) == 2
    assert seen == sent
    items = {i.item_id: i for i in store.takedown_items(world.batch.batch_id)}
    for one in sent:
        for item_id in one.notice.item_ids:
            assert items[item_id].status == "sent" and items[item_id].sent_at == one.sent_at
            assert (items[item_id].sent_to, items[item_id].escalation) == (one.recipient,
                                                                          "hosting")
    unsent = [i for i in items.values() if i.host == "c.example"]
    assert unsent and all(i.status == "pending" for i in unsent)
    events = [e for e in store.audit_events(world.batch.batch_id)
              if e.action == "takedown.notice_sent"]
    assert sorted(e.detail["recipient"] for e in events) == ["abuse@cdn.example",
                                                             "abuse@hoster.co.kr"]
    assert all(e.actor == TEAM and e.detail["message_id"] and e.detail["items"]
               for e in events)


def test_a_failed_send_is_reported_per_notice(world: NoticeWorld, settings: Settings,
                                              store: SqliteStore) -> None:
    plan = build_notices(world.batch, world.rows, settings.takedown)
    down = AlertSettings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout=2,
                         smtp_security="insecure")

    sent = send_notices(plan.notices, down)

    assert len(sent) == 2 and not any(s.ok for s in sent)
    assert all(s.error and "abuse@" not in s.error for s in sent)
    assert record_sent_notices(store, sent, TEAM) == 0
    assert all(i.status == "pending" for i in store.takedown_items(world.batch.batch_id))
    failed = [e for e in store.audit_events(world.batch.batch_id)
              if e.action == "takedown.notice_failed"]
    assert len(failed) == 2

    # one recipient refused, the other still delivered
    plan.notices[0].contact = type(plan.notices[0].contact)("hosting", "bad@hoster.co.kr")
    with smtp_server() as (collector, port):
        mixed = send_notices(plan.notices, AlertSettings(smtp_host="127.0.0.1", smtp_port=port,
                                                    smtp_security="insecure"))
    assert [s.ok for s in mixed] == [False, True] and "refused" in (mixed[0].error or "")
    assert len(collector.envelopes) == 1

    with pytest.raises(ConfigError, match="smtp_host"):
        send_notices(plan.notices, AlertSettings())


def test_notices_are_not_sent_in_plaintext_by_default(world: NoticeWorld,
                                                      settings: Settings) -> None:
    """Issue 13 (4): notices share the alerts' SMTP path, so they need STARTTLS too."""
    plan = build_notices(world.batch, world.rows, settings.takedown)
    with smtp_server() as (collector, port):  # a plain server without STARTTLS
        sent = send_notices(plan.notices, AlertSettings(smtp_host="127.0.0.1", smtp_port=port))
    assert sent and all("STARTTLS" in (s.error or "") for s in sent)
    assert collector.envelopes == []
