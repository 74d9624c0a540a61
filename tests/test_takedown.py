"""Takedown batches: built only from confirmed hits and narrowed by host, site, case and day;
downloaded as CSV/JSON with each URL's status; every URL marked with its date; audited."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from jikimi.erasure import forget_person
from jikimi.review import decide
from jikimi.takedown import BATCH_FIELDS, batch_export, batch_view, build_batch, mark
from kernel.errors import ConfigError, NotFound
from kernel.records import utcnow
from kernel.settings import Settings
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.takedown_fixtures import DAY1, DAY2, DAY3, Seeded, add_hit, media_url, page_url, seed

TEAM = "account:team-1"


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    opened = SqliteStore(":memory:", TemplateCipher.generate())
    yield opened
    opened.close()


@pytest.fixture
def seeded(store: SqliteStore) -> Seeded:
    return seed(store)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.model_validate({"data_dir": tmp_path})


def urls(store: SqliteStore, batch_id: str) -> list[str]:
    return [i.media_url for i in store.takedown_items(batch_id)]


def test_a_batch_holds_confirmed_and_taken_down_hits_only(
        store: SqliteStore, seeded: Seeded, settings: Settings) -> None:
    batch = build_batch(store, settings, TEAM)
    assert urls(store, batch.batch_id) == [
        media_url("a1", "a.example"), media_url("a3", "a.example"),
        media_url("a2", "b.example"), media_url("b1", "b.example")]
    assert batch.item_count == 4 and batch.created_by == TEAM and batch.filters == {}
    everything = " ".join(urls(store, batch.batch_id))
    for state in ("new", "rejected", "not_sexual", "escalated"):
        assert f"/{state}.jpg" not in everything
    [item] = [i for i in store.takedown_items(batch.batch_id) if i.media_url.endswith("a1.jpg")]
    assert item.hit_ids == [seeded.hits["a1"].hit_id] and item.status == "pending"
    assert item.host == "a.example" and len(item.media_sha256) == 64


@pytest.mark.parametrize(("filters", "labels"), [
    ({"host": "B.example"}, ["a2", "b1"]),
    ({"site": "alpha"}, ["a1", "a3"]),
    ({"site": "b.example"}, ["a2", "b1"]),  # the page's host works as a site too
    ({"case": "CASE-BO"}, ["b1"]),
    ({"since": DAY2.date()}, ["a3", "a2", "b1"]),
    ({"until": DAY2.date()}, ["a1", "a2", "b1"]),
    ({"since": DAY2.date(), "until": DAY2.date(), "case": "CASE-ANA"}, ["a2"]),
])
def test_filters_narrow_the_batch(store: SqliteStore, seeded: Seeded, settings: Settings,
                                  filters: dict[str, object], labels: list[str]) -> None:
    batch = build_batch(store, settings, TEAM, **filters)  # type: ignore[arg-type]
    assert [u.rsplit("/", 1)[1][:-4] for u in urls(store, batch.batch_id)] == labels
    assert set(batch.filters) == set(filters)


def test_nothing_matching_makes_no_batch(store: SqliteStore, seeded: Seeded,
                                         settings: Settings) -> None:
    with pytest.raises(NotFound):
        build_batch(store, settings, TEAM, host="c.example")
    with pytest.raises(NotFound):
        build_batch(store, settings, TEAM, since=DAY3.date() + timedelta(days=1))
    with pytest.raises(ConfigError):
        build_batch(store, settings, TEAM, since=DAY3.date(), until=DAY1.date())
    assert store.takedown_batches() == []


def test_people_sharing_media_share_one_item(store: SqliteStore, seeded: Seeded,
                                             settings: Settings) -> None:
    shared = add_hit(store, seeded.bo, "a1", media_label="a1", seed=1)  # bo on ana's media
    batch = build_batch(store, settings, TEAM, host="a.example", until=DAY1.date())
    [item] = store.takedown_items(batch.batch_id)
    assert item.hit_ids == sorted([seeded.hits["a1"].hit_id, shared.hit_id])
    rows = list(csv.DictReader(io.StringIO(
        batch_export(store, batch.batch_id, "csv", TEAM)[1].decode("utf-8"))))
    assert [r["person_ref"] for r in rows] == ["CASE-ANA; CASE-BO"]


def test_csv_and_json_downloads_carry_status_and_dates(
        store: SqliteStore, seeded: Seeded, settings: Settings) -> None:
    batch = build_batch(store, settings, TEAM)
    sent_on = date(2026, 3, 10)
    mark(store, batch.batch_id, media_url("a2", "b.example"), "sent", TEAM, when=sent_on,
         note="abuse@b.example")
    count, data = batch_export(store, batch.batch_id, "csv", TEAM)
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    assert reader.fieldnames == BATCH_FIELDS and count == 4
    rows = {r["media_url"]: r for r in reader}
    sent = rows[media_url("a2", "b.example")]
    assert (sent["status"], sent["sent_at"][:10], sent["removed_at"]) == (
        "sent", "2026-03-10", "")
    assert sent["person_ref"] == "CASE-ANA" and sent["pdq"] == "cd" * 32
    assert rows[media_url("a1", "a.example")]["status"] == "pending"
    count, data = batch_export(store, batch.batch_id, "json", TEAM)
    text = data.decode("utf-8")
    doc = json.loads(text)
    assert doc["batch_id"] == batch.batch_id and doc["count"] == 4
    assert [h["host"] for h in doc["hosts"]] == ["a.example", "b.example"]
    assert doc["hosts"][1]["items"][0]["status"] == "sent"
    for secret in ("Secretname", "ana@example.org", seeded.ana.person_id, "abuse@"):
        assert secret not in text
    with pytest.raises(ConfigError):
        batch_export(store, batch.batch_id, "xml", TEAM)
    with pytest.raises(NotFound):
        batch_export(store, "td-none", "csv", TEAM)


def test_marks_by_url_page_or_id_with_their_dates(store: SqliteStore, seeded: Seeded,
                                                  settings: Settings) -> None:
    batch = build_batch(store, settings, TEAM, host="a.example")
    first, second = store.takedown_items(batch.batch_id)
    [sent] = mark(store, batch.batch_id, first.media_url, "sent", TEAM, when=date(2026, 3, 10))
    assert sent.sent_at is not None and sent.sent_at.isoformat() == "2026-03-10T00:00:00+00:00"
    [refused] = mark(store, batch.batch_id, first.page_url, "refused", TEAM, note="no")
    assert refused.sent_at == sent.sent_at and refused.refused_at is not None
    assert refused.note == "no"
    [by_id] = mark(store, batch.batch_id, second.item_id, "sent", TEAM)
    assert by_id.media_url == second.media_url
    with pytest.raises(NotFound):
        mark(store, batch.batch_id, "https://a.example/other.jpg", "sent", TEAM)
    with pytest.raises(NotFound):
        mark(store, "td-none", first.media_url, "sent", TEAM)
    with pytest.raises(ConfigError):
        mark(store, batch.batch_id, first.media_url, "lost", TEAM)
    with pytest.raises(ConfigError):
        mark(store, batch.batch_id, first.media_url, "sent", TEAM,
             when=utcnow().date() + timedelta(days=3))
    with pytest.raises(ConfigError):
        mark(store, batch.batch_id, first.media_url, "sent", TEAM, note="x" * 501)


def test_removed_everywhere_makes_hits_taken_down_and_back(
        store: SqliteStore, seeded: Seeded, settings: Settings) -> None:
    twice = add_hit(store, seeded.ana, "twice", host="a.example", more_hosts=("c.example",),
                    seed=5)
    batch = build_batch(store, settings, TEAM)

    def state() -> str:
        return next(h for h in store.hits() if h.hit_id == twice.hit_id).review_state

    mark(store, batch.batch_id, media_url("twice", "a.example"), "removed", TEAM)
    assert state() == "confirmed"  # still up on c.example
    mark(store, batch.batch_id, media_url("twice", "c.example"), "removed", TEAM)
    assert state() == "taken_down"
    hit = next(h for h in store.hits() if h.hit_id == twice.hit_id)
    assert hit.reviewer is None and hit.review_note is None  # the operator's review stays
    [first] = [i for i in store.takedown_items(batch.batch_id) if i.host == "c.example"]
    store.set_takedown_status(first.item_id, "pending", DAY3)  # it came back
    again = build_batch(store, settings, TEAM, host="c.example")  # and was sent again
    mark(store, again.batch_id, media_url("twice", "c.example"), "sent", TEAM)
    assert state() == "confirmed"
    actions = [e.action for e in store.audit_events(twice.hit_id)]
    assert actions == ["hit.takedown_state", "hit.takedown_state"]


def test_a_hit_rejected_later_leaves_the_downloads(store: SqliteStore, seeded: Seeded,
                                                   settings: Settings) -> None:
    batch = build_batch(store, settings, TEAM, host="b.example")
    decide(store, seeded.hits["b1"].hit_id, "reject", "account:op")
    _, rows = batch_view(store, batch.batch_id, TEAM)
    assert [(r["media_url"], r["withdrawn"]) for r in rows] == [
        (media_url("a2", "b.example"), False), (media_url("b1", "b.example"), True)]
    count, data = batch_export(store, batch.batch_id, "csv", TEAM)
    assert count == 1 and b"b1.jpg" not in data


def test_every_build_read_and_mark_is_audited_with_the_actor(
        store: SqliteStore, seeded: Seeded, settings: Settings) -> None:
    batch = build_batch(store, settings, TEAM, case="CASE-BO")
    batch_view(store, batch.batch_id, "account:other")
    batch_export(store, batch.batch_id, "json", TEAM, via="s3")
    [item] = mark(store, batch.batch_id, page_url("b1", "b.example"), "removed", TEAM)
    events = store.audit_events()
    seen = {(e.action, e.actor, e.subject) for e in events}
    assert ("takedown.build", TEAM, batch.batch_id) in seen
    assert ("takedown.view", "account:other", batch.batch_id) in seen
    assert ("takedown.read", TEAM, batch.batch_id) in seen
    assert ("takedown.mark", TEAM, item.item_id) in seen
    built = next(e for e in events if e.action == "takedown.build")
    assert built.detail == {"filters": {"case": "CASE-BO"}, "items": 1}
    read = next(e for e in events if e.action == "takedown.read")
    assert read.detail == {"format": "json", "rows": 1, "via": "s3"}


def test_forgetting_a_person_takes_her_items_out(store: SqliteStore, seeded: Seeded,
                                                 settings: Settings) -> None:
    batch = build_batch(store, settings, TEAM)
    erased = forget_person(store, settings, seeded.ana.person_id)
    assert erased["takedown_items"] == 3
    assert urls(store, batch.batch_id) == [media_url("b1", "b.example")]
