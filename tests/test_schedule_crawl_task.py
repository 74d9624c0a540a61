"""The crawl task from a host process whose main script must not run twice, as in Airflow.

An Airflow 3 worker runs tasks under the `airflow` script; the crawler's spawned child would
re-import it (spawn re-runs the parent's main script), and that import needs Airflow's database,
which task processes are not given: the crawl died there. `crawl_site` starts the child without
the parent's main script; here a main script that refuses to be re-imported stands in for Airflow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jikimi.demo.site import build_site, serve

HOST_SCRIPT = textwrap.dedent("""
    import json, sys
    if __name__ != "__main__":  # spawn re-running this script in the crawl's child
        sys.exit("the crawl child re-ran the host's main script")
    from jikimi.schedule.tasks import crawl_site
    print(json.dumps(crawl_site("fixture")))
""")


@pytest.mark.slow
def test_crawl_task_never_reruns_the_hosts_main_script(tmp_path):
    root = tmp_path / "site"
    build_site(root)
    server = serve(root)
    try:
        data = tmp_path / "data"
        (data / "sites").mkdir(parents=True)
        (data / "sites" / "fixture.yaml").write_text(
            f"start_urls: ['{server.base_url}/index.html']\ndelay: 0\nconcurrency: 4\n")
        script = tmp_path / "host.py"
        script.write_text(HOST_SCRIPT)
        env = {k: v for k, v in os.environ.items() if not k.startswith("JIKIMI_")}
        env |= {"JIKIMI_DATA_DIR": str(data), "JIKIMI_CRAWL__ALLOW_PRIVATE": "1",
                "JIKIMI_SECURITY__ALLOW_KEY_IN_DATA_DIR": "1"}
        done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                              text=True, timeout=120, cwd=Path(__file__).resolve().parents[1])
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["site"] == "fixture" and report["pages"] >= 6 and report["media_new"] == 8
