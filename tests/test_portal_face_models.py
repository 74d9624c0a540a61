"""The routes behind in-browser enrollment (jikimi/portal/face_models.py): the config names the
engine's own model files by SHA-256 and serves those exact bytes, only to a signed-in account;
only /enroll pages may compile WebAssembly; when the browser cannot do it, the config says why."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from enrichment.faces.model_fix import fixed_sface, fixed_yunet
from jikimi import registry
from jikimi.accounts import Accounts
from jikimi.portal import face_models
from jikimi.portal.app import create_app
from kernel.settings import Settings
from tests.portal_fixtures import PASSWORD, portal_settings, sign_in


def signed_in_client(settings: Settings) -> Iterator[TestClient]:
    with closing(registry.open_store(settings)) as store:
        Accounts(store, settings.accounts).create_account("victim-face", PASSWORD, "operator",
                                                          actor="test")
    with TestClient(create_app(settings), base_url="https://testserver",
                    follow_redirects=False) as client:
        sign_in(client, "victim-face")
        yield client


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return portal_settings(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    yield from signed_in_client(settings)


@pytest.fixture(autouse=True)
def _vendored() -> None:
    if face_models.runtime_missing() is not None:
        pytest.skip("onnxruntime-web is not vendored: make web")


def test_the_models_served_are_the_engines_own_files(client: TestClient,
                                                     settings: Settings) -> None:
    config = client.get("/enroll/face-config.json").json()
    assert config["available"] and config["model_id"] == "yunet-2023mar+sface-2021dec"
    assert config["dims"] == 128
    assert config["threshold"] == settings.faces.threshold_for(config["model_id"])
    assert config["quality"]["min_face_px"] == settings.matching.enroll_min_face_px
    for part, path in (("detector", fixed_yunet(settings.model_cache_dir)),
                       ("recognizer", fixed_sface(settings.model_cache_dir))):
        answer = client.get(config[part]["url"])
        assert answer.status_code == 200
        assert answer.content == path.read_bytes()
        assert hashlib.sha256(answer.content).hexdigest() == config[part]["sha256"]
        assert "immutable" in answer.headers["cache-control"]
    assert client.get(f"/enroll/models/{'0' * 64}.onnx").status_code == 404
    assert client.get(config["ort"]["script"]).status_code == 200
    assert client.get(config["ort"]["wasm"]).headers["content-type"] == "application/wasm"


def test_the_texts_are_the_servers_with_placeholders(client: TestClient) -> None:
    messages = client.get("/enroll/face-config.json").json()["messages"]
    assert messages["several_faces"]["en"] == (
        "{photo}: {count} faces found; use a photo that shows only the person enrolling")
    assert "{size}" in messages["too_small"]["ko"] and "{least}" in messages["too_small"]["en"]
    assert set(messages) >= {"no_face", "several_faces", "poor_quality", "unreadable",
                             "too_small", "blurred", "turned", "hard_to_see"}


def test_only_enroll_pages_may_compile_wasm(client: TestClient) -> None:
    assert "'wasm-unsafe-eval'" in client.get(
        "/enroll/face-config.json").headers["content-security-policy"]
    for path in ("/login", "/review"):
        assert "wasm" not in client.get(path).headers["content-security-policy"]


def test_anonymous_visitors_get_nothing(settings: Settings) -> None:
    with TestClient(create_app(settings), base_url="https://testserver",
                    follow_redirects=False) as anonymous:
        assert anonymous.get("/enroll/face-config.json").status_code == 303
        assert anonymous.get(f"/enroll/models/{'0' * 64}.onnx").status_code == 303


def test_another_engine_or_no_runtime_sends_enrollment_to_the_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = portal_settings(tmp_path / "a", faces={"engine": "insightface"})
    for client in signed_in_client(other):  # a pack the server cannot load either
        config = client.get("/enroll/face-config.json").json()
        assert not config["available"] and "insightface_root" in config["reason"]
    monkeypatch.setattr(registry, "browser_face_models", lambda settings: None)
    for client in signed_in_client(portal_settings(tmp_path / "c")):
        config = client.get("/enroll/face-config.json").json()
        assert config == {"available": False, "messages": config["messages"],
                          "reason": "the configured face engine runs on the server only"}
    monkeypatch.setattr(face_models, "STATIC", tmp_path / "empty")
    for client in signed_in_client(portal_settings(tmp_path / "b")):
        config = client.get("/enroll/face-config.json").json()
        assert not config["available"] and "make web" in config["reason"]
