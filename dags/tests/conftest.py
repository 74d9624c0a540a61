"""Set up a throwaway Airflow (SQLite metadata in a temp AIRFLOW_HOME) before any test imports it.

Run these tests with the Airflow venv: `.venv-airflow/bin/python -m pytest dags/tests` (made by
`make airflow`; tests/test_airflow_dags.py runs them from the main suite). Airflow reads its
configuration when first imported, so everything is set in `pytest_configure`, before collection:
the environment for Airflow and jikimi, then `airflow db migrate` and `airflow pools import` of
the project's pools file, as a deployment would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
POOLS_FILE = REPO / "infra" / "airflow" / "pools.json"
_STATE: dict[str, Path] = {}


def pytest_configure(config: pytest.Config) -> None:
    root = Path(tempfile.mkdtemp(prefix="jikimi-airflow-test-"))
    _STATE["root"] = root
    for name in [n for n in os.environ if n.startswith(("JIKIMI_", "AIRFLOW"))]:
        del os.environ[name]
    os.environ.update({
        "AIRFLOW_HOME": str(root / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "JIKIMI_DATA_DIR": str(root / "data"),
        "JIKIMI_CRAWL__ALLOW_PRIVATE": "true",  # the fixture site is on 127.0.0.1
        "JIKIMI_EVIDENCE__ALLOW_PRIVATE": "true",  # housekeeping re-checks fetch it again
        "JIKIMI_SCHEDULER__ENRICH_BATCH": "3",  # the demo's 8 media → 3 mapped batches
        "JIKIMI_SECURITY__ALLOW_KEY_IN_DATA_DIR": "true",  # throwaway data: key beside it
    })
    # Airflow's own deprecation noise (its .airflowignore matcher, its test client import).
    config.addinivalue_line("filterwarnings", "ignore:GitWildMatchPattern:DeprecationWarning")
    config.addinivalue_line("filterwarnings", "ignore:Using `httpx` with `starlette")
    airflow = Path(sys.executable).parent / "airflow"
    for args in (["db", "migrate"], ["pools", "import", str(POOLS_FILE)]):
        done = subprocess.run([str(airflow), *args], capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            raise pytest.UsageError(f"airflow {' '.join(args)} failed:\n{done.stderr[-3000:]}")


def pytest_unconfigure(config: pytest.Config) -> None:
    root = _STATE.pop("root", None)
    if root is not None:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return Path(os.environ["JIKIMI_DATA_DIR"])
