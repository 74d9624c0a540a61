"""`jikimi demo` runs the whole flow and checks its own result (exit 0: the right pages)."""

from __future__ import annotations

import json

from jikimi.cli import main
from jikimi.demo.site import PAGES_WITH_PERSON


def test_demo_alerts_exactly_the_pages_with_the_person(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "demo"]) == 0
    out = capsys.readouterr().out
    assert "alerts before review: 0" in out  # review first
    assert "once confirmed, exactly the pages showing the demo person alerted" in out
    assert "confirmed 3 hits through the portal" in out  # the operator's step, over HTTPS
    assert "sign in as    demo-operator / demo-" in out and "https://127.0.0.1:" in out
    outbox = sorted((tmp_path / "demo" / "outbox").glob("*.json"))
    assert len(outbox) == 3
    for path in outbox:
        alert = json.loads(path.read_text(encoding="utf-8"))
        assert "Demo Person" not in path.read_text(encoding="utf-8")
        assert alert["payload"]["page_url"].endswith(PAGES_WITH_PERSON)
    assert "at 0:02–0:04" in out and "(provenance)" in out
    # It ends with the takedown batch, its host's recipients, the evidence and the notices.
    assert "takedown batch  td-" in out and "3 URLs, legal basis kr" in out
    assert "hosting    abuse@hosting.jikimi-demo.test" in out
    assert "evidence        6/6 URLs captured" in out
    [letters] = (tmp_path / "demo" / "takedown").glob("td-*/notices/127.0.0.1")
    assert f"notices         1 letter (ko, en, .eml) in {letters.parent}" in out
    english = (letters / "hosting-1.en.txt").read_text(encoding="utf-8")
    assert english.count("Evidence: bundle:td-") == 3 and "Demo Person" not in english
    # Raw media was not kept after enrichment, and no enrollment photo was written anywhere.
    assert not any(p.is_file() for p in (tmp_path / "demo" / "blobs").rglob("*"))
    # A second demo starts from a clean folder and gives the same answer.
    assert main(["--data-dir", str(tmp_path), "demo"]) == 0
