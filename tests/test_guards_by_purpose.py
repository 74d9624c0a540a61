"""Issue 13, finding 1: each address guard has its own switch, and none implies another.

`jikimi run --allow-private` used to set `crawl.allow_private` for the whole process, and the
webhook sender reused it, so signed alerts reached an internal receiver. Now the flag means crawl
targets only: the crawl of the loopback fixture site works, the alert to a webhook on 127.0.0.1
is refused, the receiver gets nothing, and the refusal is recorded on the alert.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.cli import build_parser, main, settings_for
from jikimi.demo.site import build_site, photo_bytes, serve
from kernel.settings import Settings
from tests.alerts_servers import WEBHOOK_SECRET, WebhookReceiver, webhook_server


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    root = tmp_path_factory.mktemp("site")
    build_site(root)
    server = serve(root)
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_server() as server:
        yield server


def jikimi(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    rc = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_run_allow_private_does_not_let_alerts_reach_a_loopback_webhook(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    site: object, receiver: WebhookReceiver,
) -> None:
    data, photo = tmp_path / "data", tmp_path / "person_a_1.jpg"
    photo.write_bytes(photo_bytes("person_a_1.jpg"))
    monkeypatch.setenv("JIKIMI_ALERTS__WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("JIKIMI_REVIEW__POLICY", "strong_direct")  # alerts sent by `run` itself
    hook = f"{receiver.base_url}/internal/hook"
    # The webhook was accepted once, under the webhook's own test switch (as a person enrolled
    # before the enrollment check, or whose host now resolves inward, would be) …
    monkeypatch.setenv("JIKIMI_ALERTS__WEBHOOK_ALLOW_PRIVATE", "1")
    rc, out, err = jikimi(capsys, data, "enroll", "--name", "Demo Person", "--webhook", hook,
                          str(photo))
    assert rc == 0, err
    # … and the switch is off for the run: only the crawl's --allow-private is given.
    monkeypatch.delenv("JIKIMI_ALERTS__WEBHOOK_ALLOW_PRIVATE")
    rc, out, err = jikimi(capsys, data, "run", "--url", f"{site.base_url}/index.html",  # type: ignore[attr-defined]
                          "--allow-private")
    assert rc == 1, err  # partial (exit codes): the refused webhook deliveries are errors
    summary = json.loads(out)
    assert summary["hits"] >= 1  # the loopback crawl target was allowed …
    assert summary["new_alerts"] >= 1  # … and strong hits alert within the same process
    assert receiver.requests == []  # not one signed POST reached the internal receiver
    settings = settings_for(build_parser().parse_args(["--data-dir", str(data), "alerts"]))
    with closing(registry.open_store(settings)) as store:
        alerts = store.alerts()
    assert alerts and all("webhook" not in a.delivered_channels for a in alerts)
    for alert in alerts:
        assert alert.last_error is not None
        assert "non-public address 127.0.0.1" in alert.last_error
        assert "alerts.webhook_allow_private" in alert.last_error
        assert "/internal/hook" not in alert.last_error  # the URL may carry a token: host only


@pytest.mark.parametrize(("argv", "section"), [
    (["run", "--url", "http://127.0.0.1/", "--allow-private"], "crawl"),
    (["crawl", "--url", "http://127.0.0.1/", "--allow-private"], "crawl"),
    (["evidence", "preserve", "h-1", "--operator", "kim", "--allow-private"], "evidence"),
    (["evidence", "bundle", "b-1", "--operator", "kim", "--allow-private"], "evidence"),
])
def test_each_allow_private_flag_lifts_its_own_guard_only(
    argv: list[str], section: str, tmp_path: Path,
) -> None:
    settings = settings_for(build_parser().parse_args(["--data-dir", str(tmp_path), *argv]))
    lifted = {"crawl": settings.crawl.allow_private,
              "evidence": settings.evidence.allow_private,
              "webhook": settings.alerts.webhook_allow_private,
              "portal": settings.portal.allow_private_media,
              "rdap": settings.takedown.rdap_allow_private}
    assert [name for name, on in lifted.items() if on] == [section]


def test_every_guard_is_on_by_default() -> None:
    defaults = Settings()
    assert not any([defaults.crawl.allow_private, defaults.evidence.allow_private,
                    defaults.alerts.webhook_allow_private, defaults.portal.allow_private_media,
                    defaults.takedown.rdap_allow_private])
