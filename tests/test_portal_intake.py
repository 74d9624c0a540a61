"""Enrollment in the portal (issue 11): photos uploaded into a case are read into memory only and
leave nothing on disk; every photo gets its verdict in Korean and English; photos of two people
and a face already enrolled are refused (a duplicate only until an operator allows it, audited);
the faces already collected are searched and the hits wait for review, alerting nobody."""

from __future__ import annotations

import ipaddress
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import starlette.formparsers

from jikimi import contacts, registry
from jikimi.demo.site import FixtureServer, photo_bytes
from jikimi.enrollment import photo_template
from tests import evidence_site
from tests.factories import make_face, make_media
from tests.intake_steps import open_case, text_of, upload
from tests.portal_fixtures import Portal, seeded_portal, sign_in

demo_site = evidence_site.demo_site  # fixture


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")  # the face models, fixed once for the module


@pytest.fixture
def portal(demo_site: FixtureServer, tmp_path: Path, models: Path) -> Portal:
    return seeded_portal(tmp_path / "data", demo_site.base_url,
                         faces={"cache_dir": str(models)})


@pytest.fixture
def temp_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every temporary file made while the test runs (Starlette spools uploads over 1 MiB)."""
    made: list[str] = []

    def recording(name: str, original: Any) -> Any:
        def make(*args: Any, **kwargs: Any) -> Any:
            made.append(name)
            return original(*args, **kwargs)
        return make

    for name in ("TemporaryFile", "NamedTemporaryFile", "SpooledTemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, name, recording(name, getattr(tempfile, name)))
    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile",
                        recording("starlette spool", starlette.formparsers.SpooledTemporaryFile))
    yield made


def phone_sized(name: str) -> bytes:
    """A demo photo grown past 1.5 MB (random bytes after the JPEG's end, which decoders skip):
    as large as a phone's photo, and unique, so any copy of it on disk is found."""
    return photo_bytes(name) + os.urandom(1_500_000)


def pieces(data: bytes) -> list[bytes]:
    """Five 48-byte samples from across `data` (long enough that none is found by chance)."""
    step = len(data) // 6
    return [data[i:i + 48] for i in range(step, 6 * step, step)]


def files_holding(folder: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            found += [str(path) for needle in needles if needle in content]
    return found


def test_enrollment_leaves_no_photo_on_disk_and_its_hits_wait_for_review(
        portal: Portal, temp_files: list[str]) -> None:
    settings = portal.settings
    first, second = phone_sized("person_a_1.jpg"), phone_sized("person_a_2.jpg")
    engine = registry.open_face_engine(settings)
    crawled = photo_template(photo_bytes("person_a_1.jpg"), "x", "nobody", engine, settings)
    with closing(registry.open_store(settings)) as store:  # a copy of her photo, crawled
        media = make_media(b"crawled copy of her photo")
        store.upsert_media(media)
        store.save_enrichment(media, [make_face(media.media_id, model_id=engine.model_id,
                                                embedding=crawled.embedding)])
    temp_files.clear()
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        case_id = open_case(client, csrf)
        page = upload(client, csrf, case_id, [("kim_passport.jpg", first), ("b.jpg", second)])
        assert page.status_code == 200, page.text
        shown = text_of(page.text)
        assert "등록되었습니다" in shown and page.text.count('data-code="ok"') == 2
        assert "2장이 모두 같은 사람" in shown and "닮은 얼굴이 없습니다" in shown
        assert "검토를 기다리는 항목: 1건" in shown and "/review?case=P-" in page.text
        assert client.get("/review").text.count('href="/review/') >= 4  # 3 seeded + hers

    assert temp_files == []  # the uploads were never spooled to a temporary file
    needles = [*pieces(first), *pieces(second), b"kim_passport",
               *pieces(photo_bytes("person_a_1.jpg")), *pieces(photo_bytes("person_a_2.jpg"))]
    assert files_holding(settings.data_dir, needles) == []
    with closing(registry.open_store(settings)) as store:
        assert store.alerts() == []  # review first: nobody is alerted
        [hit] = [h for h in store.hits() if h.media_id == media.media_id]
        assert hit.review_state == "new"
        case = store.get_case(case_id)
        assert case is not None and case.person_id == hit.person_id
        [event] = [e for e in store.audit_events(case_id) if e.action == "case.enroll"]
        assert event.actor.startswith("account:") and event.detail["photos"] == ["ok", "ok"]
    assert not settings.outbox_dir.exists() or not any(settings.outbox_dir.iterdir())


def test_the_webhook_secret_is_shown_once_in_the_enrollment_answer(
        portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13 (5): her webhook gets its own signing secret, handed over by the operator."""
    # the receiver's name is an example: answer it with a public address, as DNS would
    monkeypatch.setattr(contacts, "resolve", lambda host: [ipaddress.ip_address("93.184.216.34")])
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        case_id = open_case(client, csrf)
        page = upload(client, csrf, case_id, [("a.jpg", photo_bytes("person_a_1.jpg"))],
                      webhook="https://hooks.ngo.example/in")
        assert page.status_code == 200, page.text
        [secret] = re.findall(r'<code id="webhook-secret" class="secret">([^<]+)</code>',
                              page.text)
        assert "X-Jikimi-Signature" in page.text
        assert secret not in client.get(f"/cases/{case_id}").text
    with closing(registry.open_store(portal.settings)) as store:
        case = store.get_case(case_id)
        assert case is not None and case.person_id
        person = store.get_person(case.person_id)
        assert person is not None and person.webhook_secret == secret


def test_every_photo_gets_its_verdict_in_korean_and_english(portal: Portal) -> None:
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        case_id = open_case(client, csrf)
        page = upload(client, csrf, case_id, [
            ("a.jpg", photo_bytes("person_a_1.jpg")), ("junk.jpg", b"not a photo"),
            ("again.jpg", photo_bytes("person_a_1.jpg"))])
        assert page.status_code == 200
        for code in ("ok", "unreadable", "repeated"):
            assert f'data-code="{code}"' in page.text
        shown = text_of(page.text)
        assert "#2: 이미지 파일이 아닙니다" in shown and "#2: not an image (" in shown
        assert "#3: #1와(과) 같은 사진입니다" in shown and "#3: the same photo as #1" in shown
        assert "One usable photo" in shown or "1장이라" in shown


def test_photos_of_two_people_are_refused_and_nothing_is_stored(portal: Portal) -> None:
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        case_id = open_case(client, csrf)
        page = upload(client, csrf, case_id, [("a.jpg", photo_bytes("person_a_1.jpg")),
                                              ("b.jpg", photo_bytes("person_b_1.jpg"))])
        assert page.status_code == 422
        assert page.text.count('data-code="disagrees"') == 2
        assert "같은 사람으로 보이지 않습니다" in text_of(page.text)
        assert 'id="enroll-form"' in page.text  # she can try again with other photos
    with closing(registry.open_store(portal.settings)) as store:
        case = store.get_case(case_id)
        assert case is not None and case.person_id is None
        assert [e.action for e in store.audit_events(case_id)][-1] == "case.enroll_refused"


def test_a_duplicate_is_refused_until_an_operator_checks_and_allows_it(portal: Portal) -> None:
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        first = open_case(client, csrf)
        assert upload(client, csrf, first, [("b1.jpg", photo_bytes("person_b_1.jpg"))]) \
            .status_code == 200
        second = open_case(client, csrf)
        photos = [("b2.jpg", photo_bytes("person_b_2.jpg"))]
        refused = upload(client, csrf, second, photos)
        assert refused.status_code == 422
        assert f'href="/cases/{first}"' in refused.text  # the operator sees whose case
        assert 'name="allow_duplicate"' in refused.text and "Kim Ana" in refused.text
        allowed = upload(client, csrf, second, photos, allow_duplicate="yes")
        assert allowed.status_code == 200 and 'id="duplicates"' in allowed.text
    with closing(registry.open_store(portal.settings)) as store:
        on_first = [(e.action, e.actor) for e in store.audit_events(first)]
        assert ("enroll.duplicate_refused", "account:") in [(a, b[:8]) for a, b in on_first]
        assert "enroll.duplicate_allowed" in [a for a, _ in on_first]
        case = store.get_case(second)
        assert case is not None and case.person_id is not None


def test_the_form_needs_its_csrf_token_and_one_to_five_photos(portal: Portal) -> None:
    one = [("a.jpg", photo_bytes("person_a_1.jpg"))]
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        case_id = open_case(client, csrf)
        assert upload(client, "", case_id, one).status_code == 403
        assert upload(client, csrf[::-1], case_id, one).status_code == 403
        assert upload(client, csrf, case_id, one * 6).status_code == 413
        none = upload(client, csrf, case_id, [("", b"")])  # a file input left empty
        assert none.status_code == 400 and "at least one photo" in none.text
        assert upload(client, csrf, "nothing", one).status_code == 404
        plain = client.post(f"/cases/{case_id}/enroll", data={"csrf": csrf, "name": "x"})
        assert plain.status_code == 415  # not multipart: refused before anything is read
    with closing(registry.open_store(portal.settings)) as store:
        case = store.get_case(case_id)
        assert case is not None and case.person_id is None
        assert len(store.list_persons()) == 1  # the seeded one
