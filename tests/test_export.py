"""Takedown exports: grouped by host, with hashes and a pseudonymous reference, never a name."""

from __future__ import annotations

import csv
import json
from contextlib import closing
from getpass import getuser

from jikimi import registry
from jikimi.cli import main
from jikimi.export import FIELDS, export_rows, write_export
from kernel.settings import Settings
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.factories import make_face, make_hit, make_media, make_person, make_sighting
from tests.takedown_fixtures import seed


def build_store() -> tuple[SqliteStore, str]:
    store = SqliteStore(":memory:", TemplateCipher.generate())
    person = make_person(name="Kim Secret", email="kim@example.org")
    store.add_person(person, [])
    for n, host in enumerate(["b.example", "a.example", "b.example"]):
        media = make_media(f"media-{n}".encode(), pdq="ab" * 32)
        store.upsert_media(media)
        store.add_sighting(make_sighting(media.media_id, media_url=f"https://{host}/m{n}.jpg",
                                         page_url=f"https://{host}/p{n}.html"))
        face = make_face(media.media_id)
        store.save_enrichment(media, [face])
        confirmed = make_hit(person.person_id, face, similarity=0.5 + n / 10)
        store.upsert_hit(confirmed)
        store.set_review_state(confirmed.hit_id, "confirmed", reviewer="op")
    rejected_media = make_media(b"rejected")
    store.upsert_media(rejected_media)
    store.add_sighting(make_sighting(rejected_media.media_id, n=9))
    face = make_face(rejected_media.media_id)
    store.save_enrichment(rejected_media, [face])
    hit = make_hit(person.person_id, face)
    store.upsert_hit(hit)
    store.set_review_state(hit.hit_id, "rejected", reviewer="op")
    for n, state in enumerate(["new", "not_sexual", "escalated"]):  # never in a batch either
        media = make_media(f"unconfirmed-{n}".encode())
        store.upsert_media(media)
        store.add_sighting(make_sighting(media.media_id, n=20 + n))
        face = make_face(media.media_id)
        store.save_enrichment(media, [face])
        other = make_hit(person.person_id, face)
        store.upsert_hit(other)
        if state != "new":
            store.set_review_state(other.hit_id, state, reviewer="op")
    return store, person.ref


def test_rows_sorted_by_host_without_names_or_rejected_hits():
    store, ref = build_store()
    rows = export_rows(store)
    assert [r.host for r in rows] == ["a.example", "b.example", "b.example"]
    assert {r.person_ref for r in rows} == {ref}
    assert all(len(r.sha256) == 64 and r.pdq == "ab" * 32 for r in rows)
    assert "example.org/media/9" not in " ".join(r.media_url for r in rows)


def test_csv_and_json_files(tmp_path):
    store, ref = build_store()
    assert write_export(store, "csv", tmp_path / "batch.csv") == 3
    with (tmp_path / "batch.csv").open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == FIELDS
        rows = list(reader)
    assert rows[0]["host"] == "a.example" and rows[0]["person_ref"] == ref
    assert write_export(store, "json", tmp_path / "batch.json") == 3
    text = (tmp_path / "batch.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    assert [h["host"] for h in doc["hosts"]] == ["a.example", "b.example"]
    assert doc["hosts"][1]["count"] == 2
    for secret in ("Kim Secret", "kim@example.org"):
        assert secret not in text


def test_the_export_command_is_audited(tmp_path, capsys):
    settings = Settings.model_validate({"data_dir": tmp_path})
    with closing(registry.open_store(settings)) as store:
        seed(store)
    assert main(["--data-dir", str(tmp_path), "export", "--out", str(tmp_path / "b.csv")]) == 0
    with closing(registry.open_store(settings)) as store:
        [event] = [e for e in store.audit_events() if e.action == "export.read"]
    assert event.actor == f"cli:{getuser()}"
    assert event.detail == {"format": "csv", "rows": 4, "via": "file"}
