"""The victim's statuses and her preference form, without a portal: every review state reads
as she should read it, and a form never changes what it did not show."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from jikimi.portal.victim_forms import minutes, preferences_from_form, preferences_view
from jikimi.takedown import build_batch, mark
from jikimi.victim import findings, victim_status
from jikimi.victim_prefs import mask_email
from kernel.errors import ConfigError
from kernel.preferences import NotificationPreferences
from kernel.records import ReviewState
from kernel.settings import Settings
from kernel.takedown import TakedownItem
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.factories import make_case, make_face, make_hit, make_media, make_person
from tests.takedown_fixtures import add_hit, media_url

EXPECTED = {"new": "under_review", "escalated": "under_review", "confirmed": "confirmed",
            "taken_down": "removed", "rejected": None, "not_sexual": None}


def test_every_review_state_reads_as_she_should_read_it() -> None:
    assert set(EXPECTED) == set(get_args(ReviewState))  # a new state must be decided here
    face = make_face(make_media(b"x").media_id)
    for state, status in EXPECTED.items():
        assert victim_status(make_hit("p", face, review_state=state)) == status, state


def test_the_form_changes_only_what_it_showed() -> None:
    before = NotificationPreferences("c", email=True, webhook=False, quiet_start=60,
                                     quiet_end=120)
    after = preferences_from_form({"mode": "digest", "digest_hour": "21", "quiet_start": "",
                                   "quiet_end": "", "timezone": "UTC"}, before,
                                  {"email": "a•••@example.org"})
    assert (after.email, after.webhook) == (False, False)  # e-mail unticked; webhook not shown
    assert (after.mode, after.digest_hour, after.timezone) == ("digest", 21, "UTC")
    assert (after.quiet_start, after.quiet_end) == (None, None)
    ticked = preferences_from_form({"email": "on"}, before, {"email": "x"})
    assert ticked.email and ticked.quiet_start is None


@pytest.mark.parametrize(("form", "key"), [({"quiet_start": "22:00"}, "quiet_both"),
                                           ({"quiet_start": "08:00", "quiet_end": "08:00"},
                                            "quiet_same")])
def test_her_mistakes_come_back_as_words_she_can_read(form: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        preferences_from_form(form, NotificationPreferences("c"), {})


def test_times_of_day() -> None:
    assert minutes("07:30") == 450 and minutes("") is None and minutes("23:00") == 1380
    for bad in ("24:00", "7:75", "noon", "-1:00"):
        with pytest.raises(ConfigError):
            minutes(bad)


def test_the_view_keeps_odd_stored_values_choosable() -> None:
    prefs = NotificationPreferences("c", quiet_start=22 * 60 + 30, quiet_end=6 * 60,
                                    timezone="Europe/Berlin")
    view = preferences_view(prefs, {})
    assert (22 * 60 + 30, "22:30") in view["times"] and "Europe/Berlin" in view["zones"]


def test_addresses_are_masked() -> None:
    assert mask_email("kim.jihyun@example.org") == "k•••@example.org"
    assert mask_email("broken") == "•••"


def test_takedown_marks_read_as_progress_on_a_confirmed_finding() -> None:
    face = make_face(make_media(b"taken").media_id)
    hit = make_hit("p", face, review_state="confirmed")

    def item(status: str, *hits: str) -> TakedownItem:
        return TakedownItem("b", f"https://h.example/{status}.jpg", "https://h.example/p",
                            "h.example", face.media_id, list(hits), status=status)  # type: ignore[arg-type]

    assert victim_status(hit, [item("pending", hit.hit_id)]) == "confirmed"
    assert victim_status(hit, [item("sent", hit.hit_id)]) == "takedown_sent"
    assert victim_status(hit, [item("removed", hit.hit_id), item("pending", hit.hit_id)]) \
        == "takedown_sent"
    assert victim_status(hit, [item("sent", hit.hit_id), item("refused", hit.hit_id)]) \
        == "refused"
    assert victim_status(hit, [item("refused", "someone-else")]) == "confirmed"


def test_her_findings_follow_the_takedown_of_their_urls(tmp_path: Path) -> None:
    store = SqliteStore(":memory:", TemplateCipher.generate())
    person = make_person()
    store.add_person(person, [])
    case = make_case(person.person_id)
    store.add_case(case)
    hit = add_hit(store, person, "clip", host="h.example")
    store.set_review_state(hit.hit_id, "confirmed", reviewer="op")
    [shown] = findings(store, case)
    assert shown.status == "confirmed"
    batch = build_batch(store, Settings(data_dir=tmp_path), "takedown-team")
    mark(store, batch.batch_id, media_url("clip", "h.example"), "sent", "takedown-team")
    [shown] = findings(store, case)
    assert shown.status == "takedown_sent"
