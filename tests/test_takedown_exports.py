"""Takedown exports: the regulator referral CSV (Korean or English headers, UTF-8 with BOM),
Lumen-style notice records, and hash-sharing records (PDQ, MD5, vPDQ); none holds anything
about the person depicted or any media byte."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from jikimi.takedown import batch_view, mark
from jikimi.takedown.exports import (
    HASH_FIELDS,
    REFERRAL_COLUMNS,
    HashRecord,
    action_taken,
    hash_records,
    hashes_csv,
    hashes_json,
    lumen_json,
    lumen_notice,
    referral_csv,
    vpdq_value,
)
from jikimi.takedown.notices import build_notices
from jikimi.takedown.notices.render import utc_text
from kernel.settings import Settings
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.factories import MODEL_ID
from tests.takedown_notice_fixtures import (
    FRAME_PDQ,
    TEAM,
    VIDEO_MD5,
    VIDEO_URL,
    NoticeWorld,
    build_world,
)


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    opened = SqliteStore(":memory:", TemplateCipher.generate())
    yield opened
    opened.close()


@pytest.fixture
def world(store: SqliteStore, tmp_path: Path) -> NoticeWorld:
    return build_world(store, Settings(data_dir=tmp_path))


def assert_private(data: bytes, world: NoticeWorld) -> None:
    text = data.decode("utf-8-sig")
    for secret in world.secrets:
        assert secret not in text, secret
    for media in world.media_bytes:
        assert media not in data


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_referral_csv_has_one_row_per_url_with_korean_or_english_headers(
        world: NoticeWorld) -> None:
    data = referral_csv(world.batch, world.rows, evidence_refs={
        str(world.rows[0]["item_id"]): "EV-7"})

    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel in Korea reads it as UTF-8
    header, *rows = read_csv(data)
    assert header == [ko for _, ko, _ in REFERRAL_COLUMNS]
    assert header[:4] == ["번호", "신고 URL", "게시 페이지 URL", "사이트(호스트)"]
    assert len(rows) == len(world.rows) == 6
    by_url = {r[1]: dict(zip(header, r, strict=True)) for r in rows}
    assert [r[0] for r in rows] == [str(n) for n in range(1, 7)]
    for row in world.rows:
        line = by_url[str(row["media_url"])]
        assert line["게시 페이지 URL"] == row["page_url"] and line["SHA-256"] == row["sha256"]
        assert line["최초 발견 일시(UTC)"] == utc_text(row["first_seen"])
        assert line["조치 요청 내용"] == "삭제 및 접속차단 요청"
        assert line["처리 현황"] == "사업자 미요청"
    video = by_url[VIDEO_URL]
    assert video["유형"] == "영상" and video["영상 구간"].startswith("0:00")
    assert video["호스팅 사업자"] == "Example CDN (CDN)"
    assert by_url["https://a.example/media/a1.jpg"]["호스팅 사업자"] == "Hoster Korea Co., Ltd."
    assert by_url["https://a.example/media/a1.jpg"]["유형"] == "이미지"
    assert by_url[str(world.rows[0]["media_url"])]["증거 참조"] == "EV-7"
    assert by_url["https://a.example/media/a3.jpg"]["증거 참조"] == "발신인 보관(요청 시 제공)"
    assert_private(data, world)

    english = read_csv(referral_csv(world.batch, world.rows, english=True))
    assert english[0] == [en for _, _, en in REFERRAL_COLUMNS]
    assert english[0][1] == "Reported URL" and len(english) == 7
    assert {r[6] for r in english[1:]} == {"image", "video"}


def test_referral_leaves_out_removed_urls_and_shows_sent_ones(world: NoticeWorld,
                                                             store: SqliteStore) -> None:
    first, second = world.rows[0], world.rows[1]
    mark(store, world.batch.batch_id, str(first["item_id"]), "removed", TEAM)
    mark(store, world.batch.batch_id, str(second["item_id"]), "sent", TEAM)
    _, rows = batch_view(store, world.batch.batch_id, TEAM)

    header, *lines = read_csv(referral_csv(world.batch, rows))

    urls = {line[1]: dict(zip(header, line, strict=True)) for line in lines}
    assert first["media_url"] not in urls and len(urls) == 5
    sent = urls[str(second["media_url"])]
    assert sent["처리 현황"] == "사업자에 삭제 요청함" and sent["사업자 삭제 요청 일시(UTC)"]


def test_lumen_record_has_the_api_notice_shape_and_no_principal_name(
        world: NoticeWorld, tmp_path: Path) -> None:
    plan = build_notices(world.batch, world.rows, Settings(data_dir=tmp_path).takedown)
    notice = next(n for n in plan.notices if n.host == "a.example")

    record = lumen_notice(notice, world.rows)["notice"]

    assert record["type"] == "PrivateInformation" and record["title"]
    assert record["jurisdiction_list"] == "KR" and record["action_taken"] == "Unspecified"
    assert len(record["date_sent"]) == 10 and record["language"] == "ko"
    roles = {r["name"]: r["entity_attributes"] for r in record["entity_notice_roles_attributes"]}
    assert set(roles) == {"sender", "principal", "recipient"}
    assert roles["recipient"]["name"] == "Hoster Korea Co., Ltd."
    assert all(e["kind"] == "organization" for e in roles.values())
    assert "Withheld" in roles["principal"]["name"]
    [work] = record["works_attributes"]
    urls = [u["url"] for u in work["infringing_urls_attributes"]]
    for item in notice.items:
        assert item.media_url in urls and item.page_url in urls
    assert lumen_notice(notice, notice_type="Other")["notice"]["type"] == "Other"
    assert_private(lumen_json([lumen_notice(n, world.rows) for n in plan.notices]), world)
    assert action_taken(["removed", "removed"]) == "Yes"
    assert action_taken(["removed", "sent"]) == "Partial"
    assert action_taken(["refused"]) == "No"


def test_hash_records_pdq_for_images_vpdq_for_video_md5_where_known(
        world: NoticeWorld, store: SqliteStore) -> None:
    export = hash_records(store, world.batch, world.rows)

    assert export.media == 6  # a1, a2, a3, b1, j1 and the video
    by_type: dict[str, list[HashRecord]] = {}
    for record in export.records:
        by_type.setdefault(record.signal_type, []).append(record)
        assert record.batch_id == world.batch.batch_id
    assert len(by_type["pdq"]) == 5
    assert all(r.content_type == "photo" and r.signal_value == "cd" * 32 and r.source == "pdq"
               for r in by_type["pdq"])
    [vpdq] = [r for r in export.records if r.signal_type == "vpdq"]
    assert vpdq.content_type == "video" and vpdq.source == "frame_pdq"
    frames = json.loads(vpdq.signal_value)
    assert frames == [f"{h},{q},{ts:.3f}" for ts, h, q in FRAME_PDQ]
    assert frames[0] == "ab" * 32 + ",90,0.000"
    [md5] = [r for r in export.records if r.signal_type == "video_md5"]
    assert md5.signal_value == VIDEO_MD5
    assert "md5" not in by_type and export.md5_missing == 5  # images seeded without MD5

    doc = json.loads(hashes_json(export))
    assert doc["md5_missing"] == 5 and doc["count"] == len(export.records) == 7
    assert {r["signal_type"] for r in doc["records"]} == {"pdq", "vpdq", "video_md5"}
    header, *lines = read_csv(hashes_csv(export))
    assert header == HASH_FIELDS and len(lines) == 7
    for data in (hashes_json(export), hashes_csv(export)):
        assert_private(data, world)


def test_image_md5_and_real_vpdq_are_used_when_enrichment_recorded_them(
        world: NoticeWorld, store: SqliteStore) -> None:
    image = store.get_media(str(world.rows[0]["sha256"]))
    video = store.get_media(next(str(r["sha256"]) for r in world.rows
                                 if r["media_url"] == VIDEO_URL))
    assert image is not None and video is not None
    image.info["md5"] = "f" * 32
    video.info["vpdq"] = [[0.0, "ee" * 32, 100], [1.001, "ef" * 32, 99]]
    for media in (image, video):  # as enrichment stores them, with the same faces
        store.save_enrichment(media, [f for f in store.faces(MODEL_ID)
                                      if f.media_id == media.media_id])

    export = hash_records(store, world.batch, world.rows)

    [md5] = [r for r in export.records if r.signal_type == "md5"]
    assert md5.signal_value == "f" * 32 and md5.content_type == "photo"
    [vpdq] = [r for r in export.records if r.signal_type == "vpdq"]
    assert vpdq.source == "vpdq"
    assert json.loads(vpdq.signal_value) == ["ee" * 32 + ",100,0.000", "ef" * 32 + ",99,1.001"]
    assert vpdq_value([]) == "[]"
