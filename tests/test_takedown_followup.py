"""Takedown follow-up: re-checks of sent URLs on a local site, escalation after no reply, and
re-uploads of confirmed media confirmed by their family (image by PDQ, video by vPDQ family)."""

from __future__ import annotations

import hashlib
import io
import json
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from jikimi import registry
from jikimi.cli import main
from jikimi.demo.site import photo_bytes
from jikimi.flow import match_stage
from jikimi.schedule import tasks
from jikimi.takedown import build_batch, mark
from jikimi.takedown.escalation import NO_FURTHER_STEP, due_escalations, escalate
from jikimi.takedown.marks import record_sent
from jikimi.takedown.recheck import classify_failure, recheck
from jikimi.takedown.reuploads import confirm_reuploads
from kernel.errors import FetchRefused, NotFound
from kernel.ports import Store
from kernel.records import Hit, Media, Person, utcnow
from kernel.settings import Settings
from kernel.takedown import FAMILY_REVIEWER, Contact, HostRecipients, TakedownItem
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.cli_runner import cli_runner
from tests.crawl_site import FixtureSite, Route, crawl_settings, image_bytes
from tests.factories import (
    MODEL_ID,
    make_face,
    make_hit,
    make_media,
    make_person,
    make_sighting,
    make_template,
    unit_vector,
)

ACTOR = "cli:tester"
PDQ = "cd" * 32


def flipped(hex_: str, bits: int) -> str:
    """`hex_` with its lowest `bits` bits inverted: a PDQ at Hamming distance `bits`."""
    return f"{int(hex_, 16) ^ ((1 << bits) - 1):064x}"


@pytest.fixture
def store() -> SqliteStore:
    return SqliteStore(":memory:", TemplateCipher.generate())


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    chosen = crawl_settings(str(tmp_path))
    chosen.evidence.allow_private = True  # re-checks fetch the fixture site on 127.0.0.1 again
    chosen.faces = chosen.faces.model_copy(update={"thresholds": {MODEL_ID: 0.5}})
    chosen.takedown = chosen.takedown.model_copy(update={"regulator_email": "kcsc@example.org"})
    return chosen


@pytest.fixture
def person(store: SqliteStore) -> Person:
    ana = make_person("Ana Secretname", ref="CASE-ANA")
    store.add_person(ana, [make_template(ana.person_id, seed=0)])
    return ana


def confirmed(store: Store, person: Person, data: bytes, urls: list[tuple[str, str]], *,
              state: str = "confirmed", seed: int = 0, **media: object) -> Hit:
    """Media `data` seen at `urls` (media URL, page URL) with one face of `person`, confirmed
    by an operator (or in `state`)."""
    item = make_media(data, **({"pdq": PDQ, "pdq_quality": 100} | media))
    store.upsert_media(item)
    for media_url, page_url in urls:
        store.add_sighting(make_sighting(item.media_id, media_url=media_url, page_url=page_url))
    face = make_face(item.media_id, seed=seed)
    store.save_enrichment(item, [face])
    hit = make_hit(person.person_id, face)
    store.upsert_hit(hit)
    if state != "new":
        store.set_review_state(hit.hit_id, state, reviewer="operator-1")
    return hit


def enriched(store: Store, data: bytes, url: tuple[str, str], faces: list[np.ndarray],
             **media: object) -> Media:
    """Freshly crawled and enriched media with these face embeddings (not yet matched)."""
    item = make_media(data, **media)
    store.upsert_media(item)
    store.add_sighting(make_sighting(item.media_id, media_url=url[0], page_url=url[1]))
    store.save_enrichment(item, [make_face(item.media_id, index=i, embedding=e, frame_ts=(
        0.0 if item.duration is not None else None), track=(
        i if item.duration is not None else None)) for i, e in enumerate(faces)])
    stored = store.get_media(item.media_id)
    assert stored is not None
    return stored


def sent_items(store: Store, settings: Settings, when_days_ago: float = 1.0
               ) -> list[TakedownItem]:
    batch = build_batch(store, settings, ACTOR)
    at = utcnow() - timedelta(days=when_days_ago)
    return [record_sent(store, i.item_id, f"abuse@{i.host}", "hosting", ACTOR, at=at)
            for i in store.takedown_items(batch.batch_id)]


def by_url(store: Store, url: str) -> TakedownItem:
    return store.takedown_items_by_url(url)[-1]


# ------------------------------------------------------------------------------ re-checks ---
def test_recheck_classifies_gone_same_changed_unreachable_and_marks_gone_removed(
        store: SqliteStore, settings: Settings, person: Person) -> None:
    kept, removed, swapped, broken = (image_bytes(n) for n in (1, 2, 3, 4))
    with FixtureSite({"/m/kept.jpg": Route(kept, "image/jpeg"),
                      "/m/swapped.jpg": Route(image_bytes(30), "image/jpeg"),
                      "/m/broken.jpg": Route(b"oops", "text/plain", 503),
                      "/p/removed.html": Route(b"<p>still here</p>")}) as site:
        for label, data in [("kept", kept), ("removed", removed), ("swapped", swapped),
                            ("broken", broken)]:
            confirmed(store, person, data, [(f"{site.base}/m/{label}.jpg",
                                             f"{site.base}/p/{label}.html")])
        sent_items(store, settings)
        report = recheck(store, settings, ACTOR)

    assert (report.checked, report.gone, report.same, report.changed, report.unreachable) == \
        (4, 1, 1, 1, 1)
    assert report.marked_removed == 1 and report.came_back == 0 and report.errors == []
    gone = by_url(store, f"{site.base}/m/removed.jpg")
    assert gone.status == "removed" and gone.removed_at is not None
    assert gone.check_result == "gone" and "re-check" in (gone.note or "")
    results = {label: by_url(store, f"{site.base}/m/{label}.jpg") for label in
               ("kept", "swapped", "broken")}
    assert {k: (i.status, i.check_result) for k, i in results.items()} == {
        "kept": ("sent", "same"), "swapped": ("sent", "changed"),
        "broken": ("sent", "unreachable")}
    assert all(i.checked_at is not None for i in results.values())
    [taken] = [h for h in store.hits() if h.media_id == gone.media_sha256]
    assert taken.review_state == "taken_down"  # mark() kept the hit in step
    events = [e for e in store.audit_events(gone.item_id) if e.action == "takedown.recheck"]
    assert len(events) == 1 and events[0].actor == ACTOR
    assert events[0].detail["result"] == "gone" and events[0].detail["page"] == "up"


def test_no_such_host_is_gone_but_a_resolver_outage_or_refusal_is_not() -> None:
    gone = classify_failure(FetchRefused(
        "cannot fetch http://x.invalid/a.jpg: [Errno -2] Name or service not known"))
    outage = classify_failure(FetchRefused(
        "cannot fetch http://x.example/a.jpg: [Errno -3] Temporary failure in name resolution"))
    refused = classify_failure(FetchRefused("cannot fetch http://x/a: [Errno 111] refused"))
    capped = classify_failure(FetchRefused("refused http://x/a: larger than 1024 bytes"))
    assert gone.result == "gone" and gone.error is None
    assert (outage.result, refused.result, capped.result) == ("unreachable",) * 3
    assert capped.error is not None  # the size cap is worth an operator's look


def test_a_removed_url_served_again_goes_back_to_pending_and_into_the_next_batch(
        store: SqliteStore, settings: Settings, person: Person) -> None:
    back, quiet, recent = image_bytes(5), image_bytes(6), image_bytes(7)
    with FixtureSite({"/m/back.jpg": Route(back, "image/jpeg"),
                      "/m/quiet.jpg": Route(b"this file was removed", "text/plain")}) as site:
        for label, data in [("back", back), ("quiet", quiet), ("recent", recent)]:
            confirmed(store, person, data, [(f"{site.base}/m/{label}.jpg",
                                             f"{site.base}/p/{label}.html")])
        first = sent_items(store, settings, when_days_ago=20)
        for item in first:
            days = 2 if "recent" in item.media_url else 10
            mark(store, item.batch_id, item.item_id, "removed", ACTOR,
                 when=utcnow() - timedelta(days=days))
        report = recheck(store, settings, ACTOR)
        again = recheck(store, settings, ACTOR)  # the next night: nothing due any more

    assert (report.checked, report.came_back, report.not_due) == (2, 1, 1)
    assert (report.same, report.changed) == (1, 1) and report.marked_removed == 0
    came_back = by_url(store, f"{site.base}/m/back.jpg")
    assert came_back.status == "pending" and came_back.check_result == "same"
    placeholder = by_url(store, f"{site.base}/m/quiet.jpg")
    assert placeholder.status == "removed" and placeholder.check_result == "changed"
    assert again.checked == 0 and again.not_due == 2  # back is pending now, not followed
    [hit] = [h for h in store.hits() if h.media_id == came_back.media_sha256]
    assert hit.review_state == "confirmed"  # served again: not taken down any more
    [event] = [e for e in store.audit_events(came_back.item_id)
               if e.action == "takedown.recheck"]
    assert event.detail["reupload"] is True and event.detail["now"] == "pending"

    batch = build_batch(store, settings, ACTOR)
    [line] = store.takedown_items(batch.batch_id)
    assert line.media_url == came_back.media_url and line.status == "pending"
    assert (line.note or "").startswith("re-upload: removed")


def test_same_bytes_at_a_new_url_join_the_next_batch_without_anything_new(
        store: SqliteStore, settings: Settings, person: Person) -> None:
    hit = confirmed(store, person, b"known", [("https://a.example/m/1.jpg",
                                               "https://a.example/p/1.html")])
    sent_items(store, settings)
    # the crawler found the same bytes elsewhere: same media id, one more sighting
    assert not store.upsert_media(make_media(b"known"))
    store.add_sighting(make_sighting(hit.media_id, media_url="https://b.example/m/x.jpg",
                                     page_url="https://b.example/p/x.html"))
    assert confirm_reuploads(store, [hit.media_id]) == []  # it is the confirmed media itself
    batch = build_batch(store, settings, ACTOR)
    [line] = store.takedown_items(batch.batch_id)
    assert (line.media_url, line.origin, line.hit_ids) == (
        "https://b.example/m/x.jpg", "review", [hit.hit_id])


# ----------------------------------------------------------------------------- escalation ---
def test_unanswered_notices_move_host_registrar_regulator_then_nowhere(
        store: SqliteStore, settings: Settings, person: Person) -> None:
    confirmed(store, person, b"quiet host", [("https://c.example/m/1.jpg",
                                              "https://c.example/p/1.html")])
    confirmed(store, person, b"answered", [("https://c.example/m/2.jpg",
                                            "https://c.example/p/2.html")])
    items = sent_items(store, settings, when_days_ago=0)
    silent, answered = sorted(items, key=lambda i: i.media_url)
    store.update_takedown_batch(silent.batch_id, recipients={"c.example": HostRecipients(
        "c.example", contacts=[Contact("registrar", "abuse@registrar.example")])})
    mark(store, answered.batch_id, answered.item_id, "acknowledged", ACTOR)
    sent = silent.sent_at
    assert sent is not None

    assert due_escalations(store, settings, sent + timedelta(days=6)) == []
    [notice] = escalate(store, settings, ACTOR, sent + timedelta(days=8))
    assert (notice.step, notice.item_ids, notice.to) == (
        "registrar", [silent.item_id], ["abuse@registrar.example"])
    moved = by_url(store, silent.media_url)
    assert (moved.status, moved.escalation, moved.sent_to) == ("sent", "registrar", None)
    assert escalate(store, settings, ACTOR, sent + timedelta(days=9)) == []  # awaits its notice

    record_sent(store, silent.item_id, "abuse@registrar.example", "registrar", ACTOR,
                at=sent + timedelta(days=9))
    [notice] = escalate(store, settings, ACTOR, sent + timedelta(days=17))
    assert (notice.step, notice.to) == ("regulator", ["kcsc@example.org"])
    record_sent(store, silent.item_id, "kcsc@example.org", "regulator", ACTOR,
                at=sent + timedelta(days=18))
    [last] = escalate(store, settings, ACTOR, sent + timedelta(days=30))
    assert (last.step, last.note, last.item_ids) == (None, NO_FURTHER_STEP, [silent.item_id])
    assert by_url(store, silent.media_url).escalation == "regulator"
    steps = [e.detail["to"] for e in store.audit_events(silent.item_id)
             if e.action == "takedown.escalate"]
    assert steps == ["registrar", "regulator", NO_FURTHER_STEP]
    assert by_url(store, answered.media_url).escalation == "hosting"  # it was answered


# ----------------------------------------------------------------------------- re-uploads ---
def test_a_pdq_near_image_is_confirmed_by_family_and_becomes_a_family_line(
        store: SqliteStore, settings: Settings, person: Person) -> None:
    known = confirmed(store, person, b"original", [("https://a.example/m/o.jpg",
                                                    "https://a.example/p/o.html")])
    sent_items(store, settings)
    own = unit_vector(0)
    near = enriched(store, b"re-encoded", ("https://b.example/m/r.jpg",
                                           "https://b.example/p/r.html"),
                    [unit_vector(42), own], pdq=flipped(PDQ, 20), pdq_quality=90)
    far = enriched(store, b"another picture", ("https://b.example/m/f.jpg",
                                               "https://b.example/p/f.html"),
                   [own], pdq=flipped(PDQ, 40), pdq_quality=90)

    [hit] = confirm_reuploads(store, [near.media_id, far.media_id], actor=ACTOR)

    assert (hit.media_id, hit.person_id, hit.review_state, hit.reviewer) == (
        near.media_id, person.person_id, "confirmed", FAMILY_REVIEWER)
    assert hit.review_note == f"re-upload of {known.media_id}"
    assert hit.face_id == make_face(near.media_id, index=1).face_id  # her face, not the other
    stored = {h.hit_id: h for h in store.hits()}[hit.hit_id]
    assert stored.reviewer == FAMILY_REVIEWER and stored.reviewed_at is not None
    assert store.get_media(near.media_id).family_id == known.media_id  # type: ignore[union-attr]
    assert [h for h in store.hits() if h.media_id == far.media_id] == []
    assert store.alerts() == []  # no new alert for a family hit
    [event] = store.audit_events(hit.hit_id)
    assert event.action == "hit.family_confirmed" and event.actor == ACTOR
    assert confirm_reuploads(store, [near.media_id]) == []  # idempotent

    batch = build_batch(store, settings, ACTOR)
    [line] = store.takedown_items(batch.batch_id)
    assert (line.media_url, line.origin, line.family_of) == (
        "https://b.example/m/r.jpg", "family", known.media_id)


def test_a_video_of_a_confirmed_family_is_confirmed_and_a_decided_hit_is_left_alone(
        store: SqliteStore, settings: Settings, person: Person) -> None:
    video: dict[str, Any] = {"kind": "video", "content_type": "video/mp4", "duration": 6.0}
    original = make_media(b"video original", **video).media_id
    known = confirmed(store, person, b"video original", [("https://a.example/v/o.mp4",
                                                          "https://a.example/p/v.html")],
                      family_id=original, **video)
    copy = enriched(store, b"video re-encoded", ("https://b.example/v/c.webm",
                                                 "https://b.example/p/c.html"),
                    [unit_vector(0)], family_id=original, **video)
    other = enriched(store, b"other video", ("https://b.example/v/x.webm",
                                             "https://b.example/p/x.html"),
                     [unit_vector(0)], **video)
    rejected = enriched(store, b"video cut", ("https://b.example/v/r.webm",
                                              "https://b.example/p/r.html"),
                        [unit_vector(0)], family_id=original, **video)
    face = make_face(rejected.media_id, index=0, frame_ts=0.0, track=0)
    decided = make_hit(person.person_id, face, track=0)
    store.upsert_hit(decided)
    store.set_review_state(decided.hit_id, "rejected", reviewer="operator-2")

    hits = confirm_reuploads(store, [copy.media_id, other.media_id, rejected.media_id])

    assert [(h.media_id, h.track, h.frame_times) for h in hits] == [(copy.media_id, 0, [0.0])]
    assert hits[0].review_note == f"re-upload of {known.media_id}"
    assert {h.hit_id: h.review_state for h in store.hits()}[decided.hit_id] == "rejected"
    batch = build_batch(store, settings, ACTOR)
    lines = {i.media_url: (i.origin, i.family_of) for i in store.takedown_items(batch.batch_id)}
    assert lines == {"https://a.example/v/o.mp4": ("review", None),
                     "https://b.example/v/c.webm": ("family", original)}


def test_matching_confirms_re_uploads_right_after_it_matches(
        store: SqliteStore, settings: Settings, person: Person) -> None:
    known = confirmed(store, person, b"original", [("https://a.example/m/o.jpg",
                                                    "https://a.example/p/o.html")])
    store.mark_faces_matched([make_face(known.media_id).face_id])
    near = enriched(store, b"re-encoded", ("https://b.example/m/r.jpg",
                                           "https://b.example/p/r.html"),
                    [unit_vector(0)], pdq=flipped(PDQ, 8), pdq_quality=90)

    report = match_stage(settings, store)

    assert report.faces == 1 and report.hits == 1 and report.family_hits == 1
    [hit] = [h for h in store.hits() if h.media_id == near.media_id]
    assert (hit.review_state, hit.reviewer) == ("confirmed", FAMILY_REVIEWER)
    assert store.alerts() == []  # review_first: matching alerts nobody, the family neither
    assert match_stage(settings, store).family_hits == 0  # nothing new the second time


# ------------------------------------------------------------------ scheduler and command ---
def test_the_housekeeping_task_and_the_commands(tmp_path: Path, capsys, monkeypatch) -> None:
    settings = crawl_settings(str(tmp_path))
    settings.evidence.allow_private = True
    monkeypatch.setenv("JIKIMI_CRAWL__ALLOW_PRIVATE", "true")  # the commands' settings
    monkeypatch.setenv("JIKIMI_EVIDENCE__ALLOW_PRIVATE", "true")  # … and the re-check's fetches
    with FixtureSite({"/m/kept.jpg": Route(image_bytes(8), "image/jpeg")}) as site:
        with closing(registry.open_store(settings)) as opened:
            ana = make_person("Ana Secretname")
            opened.add_person(ana, [make_template(ana.person_id)])
            for label, data in [("kept", image_bytes(8)), ("gone", image_bytes(9))]:
                confirmed(opened, ana, data, [(f"{site.base}/m/{label}.jpg",
                                               f"{site.base}/p/{label}.html")])
            [gone, kept] = sorted(sent_items(opened, settings, when_days_ago=9),
                                  key=lambda i: i.media_url)
        result = tasks.recheck_takedowns(None, settings)
        assert (result["checked"], result["gone"], result["same"]) == (2, 1, 1)
        assert result["escalated"] == 1 and result["errors"] == 0
        assert result["next_notices"][0]["step"] == "registrar"
        json.dumps(result)  # what XCom carries

        cli = ["--data-dir", str(tmp_path)]
        assert main([*cli, "takedown", "recheck", "--json"]) == 0
        again = json.loads(capsys.readouterr().out)
        assert again["recheck"]["same"] == 1 and again["escalations"] == []
    assert main([*cli, "takedown", "mark", kept.batch_id, kept.item_id,
                 "--acknowledged"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "acknowledged"
    assert main([*cli, "takedown", "status", "--json"]) == 0
    rows = {r["item_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert (rows[kept.item_id]["status"], rows[kept.item_id]["escalation"],
            rows[kept.item_id]["check_result"]) == ("acknowledged", "registrar", "same")
    assert rows[gone.item_id]["status"] == "removed" and rows[gone.item_id]["removed_at"]
    assert rows[gone.item_id]["origin"] == "review"
    assert main([*cli, "takedown", "status", "--host", "elsewhere.example"]) == 0
    assert capsys.readouterr().out.strip() == "(none)"
    with closing(registry.open_store(settings)) as opened, pytest.raises(NotFound):
        build_batch(opened, settings, ACTOR)  # every URL is followed: nothing to send again


# --------------------------------------------------------------------- through a real crawl ---
def reencoded(data: bytes) -> bytes:
    """The same photo made 10 % smaller and saved again at JPEG quality 70 (PDQ-near)."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    out = io.BytesIO()
    image.resize((image.width * 9 // 10, image.height * 9 // 10)).save(out, "JPEG", quality=70)
    return out.getvalue()


def test_a_crawled_re_upload_becomes_a_family_line_and_the_removed_url_is_found_gone(
        tmp_path: Path, capsys, monkeypatch) -> None:
    """Enroll, crawl, confirm, send; the host removes the photo and it reappears re-encoded
    under another name on another page: the next crawl confirms it by family and the next
    batch has its line, and the re-check finds the old URL gone."""
    photo = photo_bytes("person_a_2.jpg")
    (tmp_path / "a.jpg").write_bytes(photo_bytes("person_a_1.jpg"))
    jikimi = cli_runner(capsys, tmp_path / "data")

    with FixtureSite({"/p/a.html": Route(b'<img src="/m/a.jpg">'),
                      "/m/a.jpg": Route(photo, "image/jpeg")}) as site:
        jikimi("enroll", "--name", "Ana Secretname", str(tmp_path / "a.jpg"))
        first = jikimi("run", "--url", f"{site.base}/p/a.html", "--allow-private")
        assert first["hits"] == 1 and first["family_hits"] == 0
        [row] = jikimi("review", "list", "--json")
        jikimi("review", "decide", row["hit_id"], "--confirm")
        batch = jikimi("takedown", "build", "--json")
        jikimi("takedown", "mark", batch["batch_id"], f"{site.base}/m/a.jpg", "--sent")

        del site.routes["/m/a.jpg"]  # removed by the host, and re-uploaded elsewhere
        site.routes["/p/b.html"] = Route(b'<img src="/m/renamed.jpg">')
        site.routes["/m/renamed.jpg"] = Route(reencoded(photo), "image/jpeg")
        second = jikimi("run", "--url", f"{site.base}/p/b.html", "--allow-private")
        assert second["media_new"] == 1 and second["family_hits"] == 1
        assert second["for_review"] == 0  # confirmed by its family: no operator needed
        assert jikimi("review", "list", "--json") == []  # nothing waits for review
        again = jikimi("takedown", "build", "--json")
        monkeypatch.setenv("JIKIMI_EVIDENCE__ALLOW_PRIVATE", "true")  # the re-check's fetches
        followed = jikimi("takedown", "recheck", "--json")
    rows = jikimi("takedown", "status", "--json")
    lines = {r["media_url"].rsplit("/", 1)[1]: r for r in rows}
    assert lines["renamed.jpg"]["batch_id"] == again["batch_id"]
    assert lines["renamed.jpg"]["origin"] == "family"
    assert lines["renamed.jpg"]["family_of"] == hashlib.sha256(photo).hexdigest()
    assert followed["recheck"]["gone"] == 1 and lines["a.jpg"]["status"] == "removed"
    text = jikimi("takedown", "status")  # for a person: one block per URL, only facts that exist
    removed, family = text.strip().split("\n\n")
    assert "REMOVED" in removed and f"media  {site.base}/m/a.jpg" in removed
    assert "found gone" in removed and "None" not in text
    assert f"PENDING  re-upload of {lines['renamed.jpg']['family_of'][:12]}" in family
    assert "not sent yet" in family
