"""A delivery killed in the middle of sending alerts loses none and duplicates none when restarted.

The kill is real: after the run and the operator's confirmations, a real SMTP server (aiosmtpd)
SIGKILLs the `jikimi match` process that delivers the alerts while it sends its first e-mail.
The restarted `jikimi match` must deliver every alert, the store must hold exactly one alert per
(person, media), and any re-sent mail must carry the same Message-ID so the receiver can drop
the duplicate.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from contextlib import closing
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from jikimi import registry
from jikimi.demo.site import PAGES_WITH_PERSON, build_site, photo_bytes, serve
from jikimi.review import decide
from kernel.settings import Settings
from tests.alerts_servers import free_port


class KillingHandler:
    def __init__(self) -> None:
        self.victim: subprocess.Popen[bytes] | None = None
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        if self.victim is not None and self.victim.poll() is None:
            os.kill(self.victim.pid, signal.SIGKILL)  # dies before the 250 reply
            self.victim = None
            return "451 killed"
        self.messages.append(envelope.content)
        return "250 OK"


def confirm_without_delivering(data: Path) -> None:
    with closing(registry.open_store(Settings(data_dir=data))) as store:
        for hit in store.hits():
            decide(store, hit.hit_id, "confirm", "test-operator")


def cli(data: Path, env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "jikimi.cli", "--data-dir", str(data), *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_killed_during_delivery_then_restarted(tmp_path):
    root = tmp_path / "site"
    build_site(root)
    server = serve(root)
    handler = KillingHandler()
    smtp = Controller(handler, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        env = dict(os.environ, JIKIMI_ALERTS__SMTP_HOST="127.0.0.1",
                   JIKIMI_ALERTS__SMTP_SECURITY="insecure",
                   JIKIMI_ALERTS__SMTP_PORT=str(smtp.port),
                   JIKIMI_ALERTS__SMTP_TIMEOUT="10",
                   PYTHONPATH=str(Path(__file__).resolve().parents[1]))
        data = tmp_path / "data"
        photo = tmp_path / "me.jpg"
        photo.write_bytes(photo_bytes("person_a_1.jpg"))
        enroll = cli(data, env, "enroll", "--name", "Victim", "--email", "v@example.org",
                     str(photo))
        out, err = enroll.communicate(timeout=120)
        assert enroll.returncode == 0, err.decode()

        run = cli(data, env, "run", "--url", f"{server.base_url}/index.html", "--allow-private")
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0 and json.loads(out)["alerts_sent"] == 0, err.decode()
        confirm_without_delivering(data)  # review first: the operator's decisions record alerts

        deliver = cli(data, env, "match")  # delivers them, and is killed on its first e-mail
        handler.victim = deliver
        deliver.communicate(timeout=300)
        assert deliver.returncode == -signal.SIGKILL

        restart = cli(data, env, "match")
        out, err = restart.communicate(timeout=120)
        assert restart.returncode == 0, err.decode()

        listing = cli(data, env, "alerts", "--json")
        out, _ = listing.communicate(timeout=60)
        alerts = json.loads(out)
    finally:
        smtp.stop()
        server.stop()

    assert len(alerts) == len(PAGES_WITH_PERSON)
    assert sorted(a["page_url"].split("/", 3)[3] for a in alerts) == sorted(PAGES_WITH_PERSON)
    assert all(a["status"] == "sent" and "email" in a["delivered_channels"] for a in alerts)
    ids = {message_from_bytes(m)["Message-ID"] for m in handler.messages}
    assert len(ids) == len(alerts)  # every alert mailed; a re-send would repeat its Message-ID
    assert len(list((data / "outbox").glob("*.json"))) == len(alerts)
