"""Contract for the TakedownStore part of a Store: batches, their items, and each URL's status.

Mixed into `StoreContract`; a subclass supplies a `store` fixture (an empty store).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from kernel.errors import AlreadyExists, NotFound, StoreError
from kernel.ports import Store
from kernel.takedown import Contact, HostRecipients, TakedownBatch, TakedownItem

T0 = datetime(2026, 3, 2, 10, 0, 0, 654321, tzinfo=UTC)


def make_batch(batch_id: str, *, at: datetime = T0, count: int = 0) -> TakedownBatch:
    return TakedownBatch(batch_id=batch_id, created_by="account:td1", created_at=at,
                         filters={"host": "a.example", "since": "2026-03-01"},
                         item_count=count)


def make_item(batch_id: str, n: int, host: str = "a.example", **fields: object) -> TakedownItem:
    values: dict[str, object] = {
        "batch_id": batch_id, "media_url": f"https://{host}/m{n}.jpg",
        "page_url": f"https://{host}/p{n}.html", "host": host, "media_sha256": f"{n:064x}",
        "hit_ids": [f"hit-{n}"],
    }
    return TakedownItem(**(values | fields))  # type: ignore[arg-type]


class TakedownStoreContract:
    def test_batch_and_items_round_trip(self, store: Store) -> None:
        items = [make_item("b1", 2, host="b.example"), make_item("b1", 1),
                 make_item("b1", 3, hit_ids=["hit-3", "hit-x"])]
        batch = make_batch("b1", count=3)
        store.add_takedown_batch(batch, items)
        assert store.get_takedown_batch("b1") == batch
        assert store.get_takedown_batch("nope") is None
        stored = store.takedown_items("b1")
        assert [i.media_url for i in stored] == [
            "https://a.example/m1.jpg", "https://a.example/m3.jpg", "https://b.example/m2.jpg"]
        assert stored[1] == items[2] and stored[1].hit_ids == ["hit-3", "hit-x"]
        assert all(i.status == "pending" and i.sent_at is None for i in stored)
        assert store.takedown_items("nope") == []

    def test_batches_newest_first_and_ids_unique(self, store: Store) -> None:
        store.add_takedown_batch(make_batch("old", at=T0 - timedelta(days=1)),
                                 [make_item("old", 1)])
        store.add_takedown_batch(make_batch("new"), [make_item("new", 1)])
        assert [b.batch_id for b in store.takedown_batches()] == ["new", "old"]
        with pytest.raises(AlreadyExists):
            store.add_takedown_batch(make_batch("old"), [make_item("old", 9)])
        assert [i.media_url for i in store.takedown_items("old")] == ["https://a.example/m1.jpg"]

    def test_marks_keep_the_date_of_each_kind(self, store: Store) -> None:
        item = make_item("b1", 1)
        store.add_takedown_batch(make_batch("b1", count=1), [item])
        sent = store.set_takedown_status(item.item_id, "sent", T0, note="abuse@a.example")
        assert (sent.status, sent.sent_at, sent.note) == ("sent", T0, "abuse@a.example")
        later = T0 + timedelta(days=3)
        refused = store.set_takedown_status(item.item_id, "refused", later)
        assert (refused.status, refused.sent_at, refused.refused_at) == ("refused", T0, later)
        assert refused.note == "abuse@a.example"  # no new note: the old one stays
        gone = store.set_takedown_status(item.item_id, "removed", later + timedelta(days=1),
                                         note="gone")
        [stored] = store.takedown_items("b1")
        assert stored == gone
        assert (stored.status, stored.removed_at, stored.refused_at, stored.note) == (
            "removed", later + timedelta(days=1), later, "gone")
        with pytest.raises(NotFound):
            store.set_takedown_status("no-such-item", "sent", T0)
        with pytest.raises(StoreError):
            store.set_takedown_status(item.item_id, "lost", T0)  # type: ignore[arg-type]

    def test_follow_up_fields_round_trip(self, store: Store) -> None:
        family = make_item("b1", 2, origin="family", family_of="f" * 64)
        item = make_item("b1", 1)
        store.add_takedown_batch(make_batch("b1", count=2), [item, family])
        assert store.takedown_items("b1")[1].origin == "family"
        assert store.takedown_items("b1")[1].family_of == "f" * 64
        later = T0 + timedelta(days=8)
        stored = store.change_takedown_item(item.item_id, lambda i: replace(
            i, status="sent", sent_at=T0, sent_to="abuse@registrar.example",
            escalation="registrar", checked_at=later, check_result="same"))
        assert store.takedown_items("b1")[0] == stored
        assert (stored.sent_to, stored.escalation, stored.check_result, stored.checked_at) == (
            "abuse@registrar.example", "registrar", "same", later)
        acked = store.set_takedown_status(item.item_id, "acknowledged", later)
        assert (acked.acknowledged_at, acked.sent_to) == (later, "abuse@registrar.example")
        with pytest.raises(StoreError):  # follow-up never re-points an item
            store.change_takedown_item(item.item_id, lambda i: replace(i, media_url="x"))
        with pytest.raises(NotFound):
            store.change_takedown_item("no-such-item", lambda i: i)

    def test_items_in_statuses_across_batches(self, store: Store) -> None:
        one, two = make_item("b1", 1), make_item("b2", 2)
        store.add_takedown_batch(make_batch("b1", at=T0 - timedelta(days=1)),
                                 [one, make_item("b1", 3)])
        store.add_takedown_batch(make_batch("b2"), [two])
        store.set_takedown_status(one.item_id, "sent", T0)
        store.set_takedown_status(two.item_id, "removed", T0)
        found = store.takedown_items_in(["sent", "removed"])
        assert [(i.batch_id, i.status) for i in found] == [("b1", "sent"), ("b2", "removed")]
        assert [i.media_url for i in store.takedown_items_in(["pending"])] == [
            "https://a.example/m3.jpg"]
        assert store.takedown_items_in([]) == []

    def test_batch_recipients_and_legal_basis(self, store: Store) -> None:
        store.add_takedown_batch(make_batch("b1", count=1), [make_item("b1", 1)])
        found = HostRecipients(
            host="a.example", addresses=["192.0.2.10"],
            contacts=[Contact("hosting", "abuse@net.example", "Example Net",
                              "https://rdap.example/ip/192.0.2.10"),
                      Contact("registrar", "redacted@example.invalid", placeholder=True)],
            front=None, problems=["registrar contact is a placeholder"], looked_up_at=T0)
        stored = store.update_takedown_batch("b1", legal_basis="kr",
                                             recipients={"a.example": found})
        assert store.get_takedown_batch("b1") == stored
        assert (stored.legal_basis, stored.recipients) == ("kr", {"a.example": found})
        again = store.update_takedown_batch("b1", legal_basis="us-take-it-down")
        assert again.recipients == {"a.example": found}  # None leaves it as it was
        with pytest.raises(NotFound):
            store.update_takedown_batch("nope", legal_basis="kr")

    def test_items_by_url_across_batches(self, store: Store) -> None:
        first, again = make_item("b1", 1), make_item("b2", 1)
        store.add_takedown_batch(make_batch("b1", at=T0 - timedelta(days=2)),
                                 [first, make_item("b1", 2)])
        store.add_takedown_batch(make_batch("b2"), [again])
        store.set_takedown_status(first.item_id, "sent", T0)
        by_media = store.takedown_items_by_url("https://a.example/m1.jpg")
        assert [(i.batch_id, i.status) for i in by_media] == [("b1", "sent"), ("b2", "pending")]
        by_page = store.takedown_items_by_url("https://a.example/p2.html")
        assert [i.media_url for i in by_page] == ["https://a.example/m2.jpg"]
        assert store.takedown_items_by_url("https://a.example/m9.jpg") == []

    def test_forgetting_hits_empties_and_deletes_items(self, store: Store) -> None:
        shared = make_item("b1", 1, hit_ids=["hers", "someone-else"])
        only_hers = make_item("b1", 2, hit_ids=["hers", "hers-too"])
        other = make_item("b1", 3, hit_ids=["someone-else"])
        store.add_takedown_batch(make_batch("b1", count=3), [shared, only_hers, other])
        assert store.forget_takedown_hits(["hers", "hers-too"]) == 1
        items = {i.media_url: i.hit_ids for i in store.takedown_items("b1")}
        assert items == {"https://a.example/m1.jpg": ["someone-else"],
                         "https://a.example/m3.jpg": ["someone-else"]}
        assert store.takedown_items_by_url("https://a.example/m2.jpg") == []
        assert store.forget_takedown_hits([]) == 0
        batch = store.get_takedown_batch("b1")
        assert batch is not None and batch.item_count == 3
