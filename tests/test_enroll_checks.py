"""Enrollment checks what it is given: a verdict per photo, one person across the photos, and no
second enrollment of a face already enrolled unless an operator checked it (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jikimi import registry
from jikimi.enroll_photos import photo_verdicts
from jikimi.enrollment import EnrollmentDeclined, Photo, enroll, photo_template
from kernel.errors import EnrollmentRefused
from kernel.ports import FaceEngine
from kernel.settings import Settings
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.face_photos import PHOTOS, engine_settings
from tests.factories import make_face, make_media


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return engine_settings(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def engine(settings: Settings) -> FaceEngine:
    return registry.open_face_engine(settings)


@pytest.fixture
def store() -> SqliteStore:
    return SqliteStore(":memory:", TemplateCipher.generate())


def photos(*names: str) -> list[Path]:
    return [PHOTOS / f"{name}.jpg" for name in names]


def test_photos_of_one_person_are_enrolled_with_a_verdict_each(store, engine, settings) -> None:
    result = enroll(store, engine, settings, name="Ana", actor="op",
                    photos=photos("person_a_1", "person_a_2"))
    assert result.templates == 2 and [v.code for v in result.photos] == ["ok", "ok"]
    assert all(v.as_dict()["message"] is None for v in result.photos)


def test_photos_of_two_people_are_refused_naming_the_photos_that_disagree(
    store, engine, settings
) -> None:
    given = photos("person_a_1", "person_a_2", "person_b_1")
    with pytest.raises(EnrollmentDeclined) as refused:
        enroll(store, engine, settings, name="Ana", photos=given, actor="op")
    declined = refused.value
    assert declined.code == "photos_disagree"
    assert str(given[2]) in str(declined) and "same person" in str(declined)
    assert [v.code for v in declined.photos] == ["disagrees"] * 3  # b disagrees with both a's
    assert str(given[0]) in declined.photos[2].en and declined.photos[2].ko
    assert "a_2" not in declined.photos[0].en  # the two a photos agree with each other
    assert store.list_persons() == [] and store.list_cases() == []


def test_a_refused_photo_does_not_sink_the_others(store, engine, settings, tmp_path) -> None:
    blank = tmp_path / "blank.jpg"
    blank.write_bytes(b"not an image at all")
    result = enroll(store, engine, settings, name="Ana", actor="op",
                    photos=[*photos("person_a_1"), blank, *photos("person_a_1"),
                            tmp_path / "missing.jpg"])
    assert [v.code for v in result.photos] == ["ok", "unreadable", "repeated", "unopenable"]
    assert result.templates == 1
    for verdict in result.photos[1:]:
        assert verdict.as_dict()["ok"] is False and verdict.en and verdict.ko


def test_one_to_five_photos(store, engine, settings) -> None:
    with pytest.raises(EnrollmentRefused, match="at least one photo"):
        enroll(store, engine, settings, name="Ana", photos=[], actor="op")
    with pytest.raises(EnrollmentRefused, match="1 to 5 photos"):
        enroll(store, engine, settings, name="Ana", photos=photos("person_a_1") * 6, actor="op")


def test_the_same_face_enrolled_again_is_flagged_and_refused(store, engine, settings) -> None:
    first = enroll(store, engine, settings, name="Ana", actor="op-1",
                   photos=photos("person_a_1"))
    with pytest.raises(EnrollmentDeclined) as refused:
        enroll(store, engine, settings, name="Someone", actor="op-2",
               photos=photos("person_a_1"))
    declined = refused.value
    assert declined.code == "already_enrolled"
    [duplicate] = declined.duplicates
    assert (duplicate.person_id, duplicate.ref, duplicate.case_id) == (
        first.person_id, first.ref, first.case.case_id)
    assert duplicate.similarity > 0.99
    assert first.ref in str(declined) and "--allow-duplicate" in str(declined)
    assert first.ref not in declined.en + declined.ko  # the person enrolling learns nothing
    assert "Ana" not in str(declined)
    assert len(store.list_persons()) == 1
    [event] = [e for e in store.audit_events(first.case.case_id)
               if e.action == "enroll.duplicate_refused"]
    assert event.actor == "op-2"


def test_a_lookalike_photo_of_the_same_person_is_flagged_too(store, engine, settings) -> None:
    enroll(store, engine, settings, name="Ana", actor="op", photos=photos("person_a_1"))
    with pytest.raises(EnrollmentDeclined, match="already enrolled"):
        enroll(store, engine, settings, name="Ana again", actor="op",
               photos=photos("person_a_2"))
    enroll(store, engine, settings, name="Bo", actor="op", photos=photos("person_b_1"))
    assert len(store.list_persons()) == 2  # another person is not a duplicate


def test_an_operator_may_allow_a_checked_duplicate_and_it_is_audited(
    store, engine, settings
) -> None:
    first = enroll(store, engine, settings, name="Twin A", actor="op",
                   photos=photos("person_b_1"))
    second = enroll(store, engine, settings, name="Twin B", actor="op-checked",
                    photos=photos("person_b_2"), allow_duplicate=True)
    assert [d.person_id for d in second.duplicates_allowed] == [first.person_id]
    [allowed] = [e for e in store.audit_events(first.case.case_id)
                 if e.action == "enroll.duplicate_allowed"]
    assert allowed.actor == "op-checked"
    assert allowed.detail["new_case_id"] == second.case.case_id
    [enrolled] = [e for e in store.audit_events(second.case.case_id)
                  if e.action == "case.enroll"]
    assert enrolled.detail["duplicates_allowed"][0]["person_id"] == first.person_id


def test_duplicates_are_looked_for_among_enrolled_templates_only(
    store, engine, settings
) -> None:
    # A crawled face identical to her photo is no enrolled person: not a duplicate.
    data = (PHOTOS / "person_a_1.jpg").read_bytes()
    same = photo_template(data, "a", "nobody", engine, settings).embedding
    media = make_media(b"crawled copy")
    store.upsert_media(media)
    store.save_enrichment(media, [make_face(media.media_id, model_id=engine.model_id,
                                            embedding=same)])
    result = enroll(store, engine, settings, name="Ana", actor="op",
                    photos=photos("person_a_1"))
    assert result.duplicates_allowed == [] and result.templates == 1
    assert result.retroactive.hits == 1  # the crawled copy is found as a match instead


def test_photo_file_names_are_not_stored(store, engine, settings, tmp_path) -> None:
    named = tmp_path / "kim_jihyun_passport.jpg"
    named.write_bytes((PHOTOS / "person_a_1.jpg").read_bytes())
    result = enroll(store, engine, settings, name="Kim", actor="op", photos=[named])
    stored = repr(store.audit_events()) + repr(store.list_cases())
    assert "kim_jihyun" not in stored and result.templates == 1


def test_photos_in_memory_are_enrolled_like_files(store, engine, settings) -> None:
    # The portal hands over uploads as bytes with a label: no temporary file is written.
    data = [(PHOTOS / f"{n}.jpg").read_bytes() for n in ("person_a_1", "person_a_2")]
    result = enroll(store, engine, settings, name="Ana", actor="op",
                    photos=[Photo("#1", data[0]), Photo("#2", b"not a photo"),
                            Photo("#3", data[1])])
    assert [(v.photo, v.code) for v in result.photos] == [
        ("#1", "ok"), ("#2", "unreadable"), ("#3", "ok")]
    assert result.templates == 2 and result.photos[1].en.startswith("#2:")
    assert "data=" not in repr(Photo("#1", data[0]))  # bytes stay out of reprs and logs


def test_a_file_that_is_not_an_image_is_named_and_called_not_an_image(
    store, engine, settings, tmp_path
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("a text file given by mistake\n")
    [verdict] = photo_verdicts([text], "person-x", engine, settings)
    assert verdict.code == "unreadable"
    assert verdict.en.startswith(f"{text}: not an image (") and "JPEG" in verdict.en
    assert "<_io" not in verdict.en and "BytesIO" not in verdict.en
    assert verdict.ko.startswith(f"{text}: 이미지 파일이 아닙니다")
