"""The Airflow DAG tests (dags/tests), run in the Airflow venv from the main suite.

Airflow 3.3 lives in its own venv (`make airflow` → .venv-airflow; its pins are not jikimi's), so
this test runs that venv's pytest in a subprocess: DagBag imports every DAG file, and `dag.test()`
runs crawl → enrich → match → alert on the demo's fixture site and the housekeeping DAG. It skips,
saying how to create the venv, when the venv is absent.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("JIKIMI_AIRFLOW_VENV", REPO / ".venv-airflow"))


@pytest.mark.slow
def test_dags_under_airflow():
    python = VENV / "bin" / "python"
    if not python.is_file():
        pytest.skip(f"no Airflow venv at {VENV}: run `make airflow` to create it")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIKIMI_", "AIRFLOW"))}
    done = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "dags/tests"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    output = (done.stdout + done.stderr)[-20000:]
    assert done.returncode == 0, output
    assert " passed" in done.stdout and "failed" not in done.stdout.splitlines()[-1], output
