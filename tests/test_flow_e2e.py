"""The whole embedded flow through the CLI, on the demo's fixture site served on 127.0.0.1."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from jikimi.cli import main
from jikimi.demo.site import CLIP_PERSON_RANGE, PAGES_WITH_PERSON, build_site, photo_bytes, serve

PHOTOS_DIR = Path(__file__).resolve().parents[1] / "jikimi" / "demo" / "photos"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    build_site(root)
    server = serve(root)
    yield server
    server.stop()


@pytest.fixture
def photos(tmp_path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("person_a_1.jpg", "person_b_1.jpg"):
        (folder / name).write_bytes(photo_bytes(name))
    return folder


def jikimi(capsys, data: Path, *args: str) -> tuple[int, str, str]:
    rc = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return rc, out, err


def confirm_in_the_queue(capsys, data: Path, expected: int) -> None:
    """The operator's step through the CLI: list the queue, confirm each hit; each confirmation
    sends that (person, media)'s alert at once."""
    rc, out, _ = jikimi(capsys, data, "review", "list", "--json")
    queue = json.loads(out)
    assert rc == 0 and len(queue) == expected
    assert all(row["hit_id"] and row["review_state"] == "new" for row in queue)
    for row in queue:
        rc, out, _ = jikimi(capsys, data, "review", "decide", row["hit_id"], "--confirm",
                            "--note", "checked blurred")
        outcome = json.loads(out)
        assert rc == 0 and outcome["review_state"] == "confirmed" and outcome["alert"]
        assert outcome["alerts_sent"] == 1
    rc, out, _ = jikimi(capsys, data, "review", "list", "--json")
    assert json.loads(out) == []


def alerted_pages(capsys, data: Path) -> list[str]:
    rc, out, _ = jikimi(capsys, data, "alerts", "--json")
    assert rc == 0
    return sorted(a["page_url"].split("/", 3)[3] for a in json.loads(out))


def test_enroll_run_alerts_hits_export_forget(capsys, tmp_path, site, photos):
    data = tmp_path / "data"
    rc, out, _ = jikimi(capsys, data, "enroll", "--name", "Demo Person",
                        str(photos / "person_a_1.jpg"))
    assert rc == 0
    person_id = json.loads(out)["person_id"]

    rc, out, _ = jikimi(capsys, data, "run", "--url", f"{site.base_url}/index.html",
                        "--allow-private")
    assert rc == 0, out
    summary = json.loads(out)
    assert summary["pages"] >= 6 and summary["faces"] >= 7
    # review first: every hit waits for an operator, nobody is alerted and nothing is exported
    assert summary["hits"] >= 3 and summary["for_review"] == summary["hits"]
    assert summary["new_alerts"] == 0 and alerted_pages(capsys, data) == []
    rc, _, _ = jikimi(capsys, data, "export", "--format", "json", "--out", str(tmp_path / "0.json"))
    assert json.loads((tmp_path / "0.json").read_text())["count"] == 0
    confirm_in_the_queue(capsys, data, expected=3)

    rc, out, _ = jikimi(capsys, data, "alerts", "--json")
    alerts = json.loads(out)
    assert len(alerts) == 3
    for alert in alerts:
        assert alert["person_id"] == person_id and alert["model"]
        assert alert["similarity"] >= 0.4 and alert["created_at"]
        assert alert["media_url"].startswith(site.base_url)
        assert alert["status"] == "sent" and alert["delivered_channels"] == ["outbox"]
    assert alerted_pages(capsys, data) == sorted(PAGES_WITH_PERSON)
    outbox = sorted((data / "outbox").glob("*.json"))
    assert len(outbox) == 3
    # Exactly one alert is about the video, and it names where she appears in it.
    texts = [json.loads(p.read_text(encoding="utf-8")) for p in outbox]
    video = [t for t in texts if t["payload"]["time_ranges"]]
    assert len(video) == 1 and video[0]["payload"]["time_ranges"] == [list(CLIP_PERSON_RANGE)]
    assert "Appears in the video at: 0:02–0:04" in video[0]["text"]
    assert video[0]["payload"]["page_url"].endswith("/gallery/5.html")

    rc, out, _ = jikimi(capsys, data, "hits", "--json")
    hits = json.loads(out)
    assert len(hits) == 3 and {h["person_id"] for h in hits} == {person_id}
    for hit in hits:  # every hit carries the synthetic-media assessment and its evidence
        assert {"fake_score", "score_basis", "evidence"} <= hit.keys()
        assert hit["evidence"] and all(e["explanation"] for e in hit["evidence"])
    by_kind = {h["kind"]: h for h in hits if h["kind"] == "video"}
    assert by_kind["video"]["frame_times"] == [2.0, 3.0, 4.0]
    assert by_kind["video"]["time_ranges"] == [list(CLIP_PERSON_RANGE)]
    declared = [h for h in hits if h["media_url"].endswith("collage.png")]
    assert declared[0]["score_basis"] == "provenance" and declared[0]["fake_score"] >= 0.9
    photo = [h for h in hits if h["media_url"].endswith("person_a_2.jpg")][0]
    assert photo["score_basis"] == "none" and photo["fake_score"] is None
    assert any(e["name"] == "no_provenance" and "proves nothing" in e["explanation"]
               for e in photo["evidence"])

    rc, _, _ = jikimi(capsys, data, "export", "--format", "json", "--out", str(tmp_path / "b.json"))
    doc = json.loads((tmp_path / "b.json").read_text())
    assert doc["count"] == 3 and [h["host"] for h in doc["hosts"]] == ["127.0.0.1"]
    rows = doc["hosts"][0]["items"]
    assert [r["time_ranges"] for r in rows if r["kind"] == "video"] == ["0:02–0:04"]
    assert "Demo Person" not in (tmp_path / "b.json").read_text()

    # A second run fetches no known media again and creates no new alert.
    rc, out, _ = jikimi(capsys, data, "run", "--url", f"{site.base_url}/index.html",
                        "--allow-private")
    assert json.loads(out)["media_new"] == 0 and json.loads(out)["new_alerts"] == 0
    assert len(alerted_pages(capsys, data)) == 3

    rc, out, _ = jikimi(capsys, data, "forget", person_id)
    erased = json.loads(out)
    assert erased["persons"] == 1 and erased["alerts"] == 3 and erased["outbox_files"] == 3
    assert alerted_pages(capsys, data) == []
    rc, out, _ = jikimi(capsys, data, "persons", "--json")
    assert json.loads(out) == []


def test_retroactive_matching_alerts_a_newly_enrolled_person(capsys, tmp_path, site, photos):
    data = tmp_path / "data"
    rc, out, _ = jikimi(capsys, data, "run", "--url", f"{site.base_url}/index.html",
                        "--allow-private")
    assert rc == 0 and json.loads(out)["new_alerts"] == 0
    rc, out, _ = jikimi(capsys, data, "enroll", "--name", "Late Enroller",
                        str(photos / "person_a_1.jpg"))
    result = json.loads(out)
    assert result["retroactive_hits"] >= 3 and result["alerts"] == 0
    assert result["for_review"] == result["retroactive_hits"] and result["alerts_sent"] == 0
    assert alerted_pages(capsys, data) == []
    confirm_in_the_queue(capsys, data, expected=3)
    assert alerted_pages(capsys, data) == sorted(PAGES_WITH_PERSON)


def test_crawl_refuses_loopback_without_the_flag(capsys, tmp_path, site):
    rc, out, err = jikimi(capsys, tmp_path, "crawl", "--url", f"{site.base_url}/index.html")
    assert rc == 2 and out == ""
    assert "refused" in err and "127.0.0.1" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def _jpeg(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG")
    return buf.getvalue()


def test_enrollment_refuses_unusable_photos_and_keeps_nothing(capsys, tmp_path, site):
    data = tmp_path / "data"
    blank = tmp_path / "blank.jpg"
    blank.write_bytes(_jpeg(Image.new("RGB", (400, 400), (128, 140, 150))))
    two = tmp_path / "two.jpg"
    a = Image.open(io.BytesIO(photo_bytes("person_b_1.jpg"))).convert("RGB").resize((300, 400))
    b = Image.open(io.BytesIO(photo_bytes("impostor_1.jpg"))).convert("RGB").resize((300, 400))
    canvas = Image.new("RGB", (640, 420), (255, 255, 255))
    canvas.paste(a, (10, 10))
    canvas.paste(b, (330, 10))
    two.write_bytes(_jpeg(canvas))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(photo_bytes("person_b_1.jpg")[:300])

    for photo, message in [(blank, "no face"), (two, "2 faces"), (broken, "cannot read"),
                           (tmp_path / "missing.jpg", "cannot open")]:
        rc, out, err = jikimi(capsys, data, "enroll", "--name", "X", str(photo))
        assert rc == 2 and message in err and "Traceback" not in err, err
    good = str(PHOTOS_DIR / "person_b_1.jpg")
    for flag, value in [("--email", "not-an-address"), ("--webhook", "ftp://x.example/")]:
        rc, _, err = jikimi(capsys, data, "enroll", "--name", "X", flag, value, good)
        assert rc == 2 and value in err
    rc, out, _ = jikimi(capsys, data, "persons", "--json")
    assert json.loads(out) == []
    stored = [p for p in data.rglob("*") if p.is_file() and p.suffix in {".jpg", ".png"}]
    assert stored == []


def test_crawl_and_enrich_a_named_site_definition(capsys, tmp_path, site):
    data = tmp_path / "data"
    (data / "sites").mkdir(parents=True)
    (data / "sites" / "fixture.yaml").write_text(
        f"name: fixture\nstart_urls: ['{site.base_url}/index.html']\nmax_pages: 2\n"
        "delay: 0\nschedule: '*/30 * * * *'\n", encoding="utf-8")
    rc, out, _ = jikimi(capsys, data, "crawl", "fixture", "--allow-private")
    report = json.loads(out)
    assert rc == 0 and report["site"] == "fixture"
    assert report["pages"] == 2  # the site's own page limit
    rc, out, _ = jikimi(capsys, data, "enrich")
    enriched = json.loads(out)
    assert rc == 0 and enriched["enriched"] == enriched["media"] >= 2 and not enriched["errors"]
