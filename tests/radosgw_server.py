"""The real S3 server for tests: Ceph radosgw started once per test session by the project's own
script (`infra/radosgw/radosgw.sh`), on free ports, in a throwaway folder, stopped at exit.

Tests skip with the script's message only when this machine cannot run Ceph (not installed and
no root/apt to install it). Set JIKIMI_REQUIRE_RADOSGW=1 (CI does) to make that a failure.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from kernel.settings import S3Settings
from search.blobs.s3 import S3BlobStore
from search.blobs.s3_client import ensure_bucket, make_client, parse_s3_uri, transfer_config
from tests.alerts_servers import free_port

SCRIPT = Path(__file__).resolve().parents[1] / "infra" / "radosgw" / "radosgw.sh"
CANNOT_RUN = 3  # the script's exit status when Ceph is missing and cannot be installed


@dataclass(frozen=True)
class Radosgw:
    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    kms_key_id: str
    folder: Path

    def s3_settings(self, **overrides: object) -> S3Settings:
        fields: dict[str, object] = {
            "endpoint_url": self.endpoint_url,
            "region": "default",
            "access_key_id": self.access_key_id,
            "secret_access_key": self.secret_access_key,
            "create_buckets": True,
        }
        return S3Settings.model_validate(fields | overrides)

    def env(self) -> dict[str, str]:
        """JIKIMI_S3__* variables for a CLI run against this server."""
        return {
            "JIKIMI_S3__ENDPOINT_URL": self.endpoint_url,
            "JIKIMI_S3__REGION": "default",
            "JIKIMI_S3__ACCESS_KEY_ID": self.access_key_id,
            "JIKIMI_S3__SECRET_ACCESS_KEY": self.secret_access_key,
            "JIKIMI_S3__CREATE_BUCKETS": "true",
        }

    def blobs(self, bucket: str = "jikimi-tests", **settings: object) -> S3BlobStore:
        """An empty blob store: a fresh random prefix in `bucket`."""
        s3 = self.s3_settings(**settings)
        client = make_client(s3)
        location = parse_s3_uri(f"s3://{bucket}/{uuid.uuid4().hex}")
        ensure_bucket(client, location.bucket)
        return S3BlobStore(client, location, transfer_config(s3))


_state: dict[str, Radosgw | str] = {}


def _stop(folder: Path, port: int) -> None:
    subprocess.run(
        [str(SCRIPT), "stop", str(folder), str(port)], capture_output=True, timeout=120, check=False
    )


def _start() -> Radosgw | str:
    folder = Path(tempfile.mkdtemp(prefix="jikimi-radosgw-"))
    port = free_port()
    done = subprocess.run(
        [str(SCRIPT), "start", str(folder), str(port)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode == CANNOT_RUN:
        return done.stderr.strip() or "Ceph radosgw is not available on this machine"
    atexit.register(_stop, folder, port)
    if done.returncode != 0:
        logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in folder.glob("log/*.log"))
        raise RuntimeError(f"radosgw.sh start failed ({done.returncode}):\n{done.stderr}\n{logs}")
    env = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return Radosgw(
        env["JIKIMI_S3__ENDPOINT_URL"],
        env["JIKIMI_S3__ACCESS_KEY_ID"],
        env["JIKIMI_S3__SECRET_ACCESS_KEY"],
        env["RADOSGW_KMS_KEY_ID"],
        folder,
    )


@pytest.fixture(scope="session")
def radosgw() -> Radosgw:
    """The session's radosgw (started on first use, once per process even if this fixture is
    imported into several test modules)."""
    if "server" not in _state:
        _state["server"] = _start()
    server = _state["server"]
    if isinstance(server, str):
        if os.environ.get("JIKIMI_REQUIRE_RADOSGW") == "1":
            pytest.fail(f"radosgw required (JIKIMI_REQUIRE_RADOSGW=1) but: {server}")
        pytest.skip(f"S3 tests need Ceph radosgw: {server}")
    return server
