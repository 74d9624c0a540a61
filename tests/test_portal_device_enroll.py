"""Enrollment from templates computed on her device (issue 16): the endpoint takes only numbers,
checks them (model, length, finite, unit norm, count, no unknown fields), then runs the server
path's own checks (same person, duplicates, contacts, retroactive search), and the case says
that its templates were computed on the device. Who may enroll: operators into any open case,
her own victim account into her own case only."""

from __future__ import annotations

import base64
import json
import re
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from jikimi import registry
from jikimi.accounts import Accounts
from jikimi.demo.site import FixtureServer, photo_bytes
from jikimi.enrollment import photo_template
from tests import evidence_site
from tests.device_templates import device_template, enrollment, post, vector_b64
from tests.factories import make_face, make_media
from tests.intake_steps import open_case, text_of, upload
from tests.portal_fixtures import PASSWORD, Portal, seeded_portal, sign_in

demo_site = evidence_site.demo_site  # fixture


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")  # the face models, fixed once for the module


@pytest.fixture
def portal(demo_site: FixtureServer, tmp_path: Path, models: Path) -> Portal:
    return seeded_portal(tmp_path / "data", demo_site.base_url,
                         faces={"cache_dir": str(models)})


def person_of(portal: Portal, case_id: str) -> str | None:
    with closing(registry.open_store(portal.settings)) as store:
        case = store.get_case(case_id)
        assert case is not None
        return case.person_id


def test_an_operator_enrolls_from_device_templates_and_the_case_says_so(portal: Portal) -> None:
    settings = portal.settings
    engine = registry.open_face_engine(settings)
    crawled = photo_template(photo_bytes("person_a_1.jpg"), "x", "nobody", engine, settings)
    with closing(registry.open_store(settings)) as store:  # a copy of her photo, crawled
        media = make_media(b"crawled copy of her photo")
        store.upsert_media(media)
        store.save_enrichment(media, [make_face(media.media_id, model_id=engine.model_id,
                                                embedding=crawled.embedding)])
    body = enrollment(settings, "person_a_1.jpg", "person_a_2.jpg")
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        case_id = open_case(client, csrf)
        answer = post(client, csrf, case_id, body)
        assert answer.status_code == 200, answer.text
        result = answer.json()
        assert result["ok"] and result["templates_from"] == "device"
        assert result["templates"] == 2 and result["ref"].startswith("P-")
        assert [p["code"] for p in result["photos"]] == ["ok", "ok"]
        assert result["retroactive"]["to_review"] == 1  # the crawled copy waits for review
        page = client.get(f"/cases/{case_id}")
        assert 'id="templates-from" data-from="device"' in page.text
        assert "기기에서 계산됨" in text_of(page.text)
    with closing(registry.open_store(settings)) as store:
        case = store.get_case(case_id)
        assert case is not None and case.person_id is not None
        stored = [t for t in store.templates(engine.model_id) if t.person_id == case.person_id]
        sent = [np.frombuffer(base64.b64decode(t["vector"]), dtype="<f4")
                for t in body["templates"]]
        assert len(stored) == 2
        for vector in sent:
            assert any(np.allclose(t.embedding, vector, atol=1e-6) for t in stored)
        [event] = [e for e in store.audit_events(case_id) if e.action == "case.enroll"]
        assert event.detail["templates_from"] == "device"
        assert event.detail["model"] == engine.model_id
        assert store.alerts() == []  # review first: nobody is alerted
        [hit] = [h for h in store.hits() if h.media_id == media.media_id]
        assert hit.person_id == case.person_id and hit.review_state == "new"


def test_a_server_enrollment_is_marked_as_computed_on_the_server(portal: Portal) -> None:
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        case_id = open_case(client, csrf)
        assert upload(client, csrf, case_id, [("a.jpg", photo_bytes("person_a_1.jpg"))]) \
            .status_code == 200
        page = client.get(f"/cases/{case_id}")
        assert 'data-from="server"' in page.text and "서버에서 계산됨" in text_of(page.text)


def test_only_an_operator_or_her_own_victim_account_may_enroll(portal: Portal) -> None:
    body = enrollment(portal.settings, "person_b_1.jpg")
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        case_id = open_case(client, csrf)
        other = open_case(client, csrf)
        assert post(client, "", case_id, body).status_code == 403  # no CSRF token
    with closing(registry.open_store(portal.settings)) as store:
        accounts = Accounts(store, portal.settings.accounts)
        accounts.create_account("victim-new", PASSWORD, "victim", actor="test",
                                case_id=case_id)  # made before enrollment (jikimi users add)
    with portal.client() as anonymous:
        assert post(anonymous, "", case_id, body).status_code == 401
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["takedown"])
        assert post(client, csrf, case_id, body).status_code == 403
    with portal.client() as client:  # a victim of another case ("case-1")
        csrf = sign_in(client, portal.usernames["victim"])
        assert post(client, csrf, case_id, body).status_code == 403
    with portal.client() as client:
        csrf = sign_in(client, "victim-new")
        assert post(client, csrf, other, body).status_code == 403  # not her case
        assert post(client, csrf, other, {"junk": 1}).status_code == 403  # before the body
        refused = post(client, csrf, case_id, body | {"allow_duplicate": True})
        assert refused.status_code == 403 and refused.json()["code"] == "operator_only"
        assert client.get("/me").text.count('href="/me/enroll"') == 1
        page = client.get("/me/enroll")
        assert page.status_code == 200 and 'id="device-enroll"' in page.text
        assert 'id="server-fallback"' not in page.text  # the upload is an operator's tool
        answer = post(client, csrf, case_id, body | {"email": "ana@example.org"})
        assert answer.status_code == 422, answer.text  # no mail server: contact checks apply
        answer = post(client, csrf, case_id, body)
        assert answer.status_code == 200, answer.text
        result = answer.json()
        assert result["templates_from"] == "device" and "ref" not in result
        assert client.get("/me/enroll").status_code == 303  # enrolled: back to her findings
    assert person_of(portal, case_id) is not None and person_of(portal, other) is None
    with closing(registry.open_store(portal.settings)) as store:
        refusals = [e for e in store.audit_events() if e.action == "portal.refused"]
        assert any(e.subject == f"/cases/{other}/enroll/device" for e in refusals)


def test_her_refusals_name_no_similarity_and_nobody_else(portal: Portal) -> None:
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        enrolled = open_case(client, csrf)
        assert post(client, csrf, enrolled, enrollment(portal.settings, "person_b_1.jpg")) \
            .status_code == 200
        case_id = open_case(client, csrf)
    with closing(registry.open_store(portal.settings)) as store:
        Accounts(store, portal.settings.accounts).create_account(
            "victim-new", PASSWORD, "victim", actor="test", case_id=case_id)
    with portal.client() as client:
        csrf = sign_in(client, "victim-new")
        two = post(client, csrf, case_id,
                   enrollment(portal.settings, "person_a_1.jpg", "impostor_1.jpg"))
        assert two.status_code == 422 and two.json()["code"] == "photos_disagree"
        assert "similarity" not in two.text and "유사도" not in two.text
        assert "같은 사람으로 보이지 않습니다" in two.json()["ko"]
        assert [p["code"] for p in two.json()["photos"]] == ["disagrees", "disagrees"]
        again = post(client, csrf, case_id, enrollment(portal.settings, "person_b_2.jpg"))
        assert again.status_code == 422 and again.json()["code"] == "already_enrolled"
        assert enrolled not in again.text and "P-" not in again.text
        assert "duplicates" not in again.json() and "operator" not in again.json()


def malformed(settings_body: dict[str, object], dims: int) -> dict[str, object]:
    """Bodies that must each be refused, by the code they must be refused with."""
    template = settings_body["templates"][0]  # type: ignore[index]
    vector = np.frombuffer(base64.b64decode(template["vector"]), dtype="<f4").copy()
    nan = vector.copy()
    nan[3] = np.nan
    with_ = lambda **fields: settings_body | fields  # noqa: E731
    one = lambda **fields: with_(templates=[template | fields])  # noqa: E731
    return {
        "wrong_model": with_(model_id="insightface-buffalo_l"),
        "wrong_dims": one(vector=vector_b64(np.r_[vector, vector][: dims + 1] / 1.0)),
        "not_finite": one(vector=vector_b64(nan)),
        "bad_norm": one(vector=vector_b64(vector * 1.01)),
        "bad_vector": one(vector="not base64 at all!"),
        "template_count": with_(templates=[template] * 6),
        "unknown_field": with_(photo="data:image/jpeg;base64,/9j/"),
        "unknown_field ": one(image="…"),
        "name_required": with_(name="  "),
    }


def test_templates_that_are_not_what_the_model_gives_are_refused(portal: Portal) -> None:
    body = enrollment(portal.settings, "person_a_1.jpg")
    dims = registry.face_model(portal.settings).dims
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        case_id = open_case(client, csrf)
        for code, bad in malformed(body, dims).items():
            answer = post(client, csrf, case_id, bad)
            assert answer.status_code == 422, (code, answer.text)
            refused = answer.json()
            assert refused["code"] == code.strip(), (code, refused)
            assert refused["en"] and refused["ko"] and refused["ko"] != refused["en"]
        empty = post(client, csrf, case_id, body | {"templates": []}).json()
        assert empty["code"] == "template_count"
        nan_quality = re.sub(r'"yaw": [^,}]+', '"yaw": NaN', json.dumps(body), count=1)
        answer = client.post(f"/cases/{case_id}/enroll/device", content=nan_quality,
                             headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
        assert answer.status_code == 422 and answer.json()["code"] == "bad_request"
        assert "yaw" in answer.json()["en"]
    assert person_of(portal, case_id) is None


def test_two_people_are_refused_like_the_server_path(portal: Portal) -> None:
    body = enrollment(portal.settings, "person_a_1.jpg", "impostor_1.jpg")
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        case_id = open_case(client, csrf)
        answer = post(client, csrf, case_id, body)
        assert answer.status_code == 422
        refused = answer.json()
        assert refused["code"] == "photos_disagree"
        assert [p["code"] for p in refused["photos"]] == ["disagrees", "disagrees"]
        assert "같은 사람으로 보이지 않습니다" in refused["ko"] and "#1 and #2" in refused["en"]
    assert person_of(portal, case_id) is None
    with closing(registry.open_store(portal.settings)) as store:
        last = store.audit_events(case_id)[-1]
        assert last.action == "case.enroll_refused" and last.detail["templates_from"] == "device"


def test_a_face_enrolled_already_is_refused_until_an_operator_allows_it(portal: Portal) -> None:
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        first = open_case(client, csrf)
        assert post(client, csrf, first, enrollment(portal.settings, "person_b_1.jpg")) \
            .status_code == 200
        second = open_case(client, csrf)
        body = enrollment(portal.settings, "person_b_2.jpg")
        refused = post(client, csrf, second, body)
        assert refused.status_code == 422 and refused.json()["code"] == "already_enrolled"
        assert [d["case_id"] for d in refused.json()["duplicates"]] == [first]
        assert "담당자가 확인한 뒤에" in refused.json()["ko"]
        allowed = post(client, csrf, second, body | {"allow_duplicate": True})
        assert allowed.status_code == 200 and allowed.json()["duplicates_allowed"]
    with closing(registry.open_store(portal.settings)) as store:
        on_first = [e.action for e in store.audit_events(first)]
        assert "enroll.duplicate_refused" in on_first and "enroll.duplicate_allowed" in on_first


def test_each_template_gets_its_verdict_like_a_photo(portal: Portal) -> None:
    good = device_template(portal.settings, "person_a_1.jpg")
    other = device_template(portal.settings, "person_a_2.jpg")
    small = other | {"quality": other["quality"] | {"face_px": 12.0}}
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        case_id = open_case(client, csrf)
        refused = post(client, csrf, case_id, enrollment(portal.settings) | {
            "templates": [small]})
        assert refused.status_code == 422 and refused.json()["code"] == "no_usable_photo"
        answer = post(client, csrf, case_id, enrollment(portal.settings) | {
            "templates": [good, good, small]})
        assert answer.status_code == 200, answer.text
        photos = answer.json()["photos"]
        assert [p["code"] for p in photos] == ["ok", "repeated", "poor_quality"]
        assert "#2: #1와(과) 같은 사진입니다" in photos[1]["message"]["ko"]
        assert "얼굴이 너무 작습니다" in photos[2]["message"]["ko"]
        assert "too small" in photos[2]["message"]["en"]
        assert answer.json()["templates"] == 1


def test_the_case_page_offers_enrollment_on_the_device_first(portal: Portal) -> None:
    with portal.client() as client:
        csrf = sign_in(client, portal.usernames["operator"])
        case_id = open_case(client, csrf)
        page = client.get(f"/cases/{case_id}?lang=ko")
        html = page.text
        assert "wasm-unsafe-eval" in page.headers["content-security-policy"]
        assert html.index('id="device-enroll"') < html.index('id="server-fallback"')
        assert "사진은 이 기기를 떠나지 않습니다" in html
        assert "The photo never leaves this device" in html  # both languages, always
        assert "오래된 휴대폰" in html and 'id="enroll-form"' in html  # the upload, behind it
        assert 'src="/static/enroll/page.js"' in html and 'type="module"' in html
        for tag in (m for m in html.split("<input")[1:] if 'type="file"' in m.split(">")[0]):
            attributes = tag.split(">")[0]
            if 'id="device-' in attributes:
                assert " name=" not in attributes, attributes  # nothing the browser submits
        assert 'capture="user"' in html and 'accept="image/*" multiple' in html
        device_form = html[html.index('id="device-form"'):html.index("</form>",
                                                                     html.index('id="device-form"'))]
        assert " name=" not in device_form
        texts = json.loads(html.split('id="device-texts">')[1].split("</script>")[0])
        assert texts["device_loading"].startswith("얼굴 모델을")
        english = client.get(f"/cases/{case_id}?lang=en").text
        assert "Older phones: send the photos to the server" in english
        worker = client.get("/enroll-sw.js")
        assert worker.status_code == 200 and "javascript" in worker.headers["content-type"]
        assert 'request.method !== "GET"' in worker.text
    with portal.client() as anonymous:
        assert anonymous.get("/enroll-sw.js").status_code == 200  # no session needed
        assert anonymous.get("/static/enroll/page.js").status_code == 200


def test_the_openapi_document_describes_the_body(portal: Portal) -> None:
    with portal.client() as client:
        spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/cases/{case_id}/enroll/device"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"name", "model_id", "templates"}
    assert schema["properties"]["templates"]["maxItems"] == 5
