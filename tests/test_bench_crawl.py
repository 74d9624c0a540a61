"""The crawl benchmark's figures are real: a re-crawl of an unchanged site requests no image.

Scaled down (a few pages of tiny noise images), this checks what `jikimi bench` reports for the
crawl: the first crawl downloads every image once; the re-crawl from the linked pages reads the
pages again but sends no image request at all (fresh media are decided per page in one store
call, crawlers.fresh_batch) and refreshes every sighting; the re-crawl from the sitemap reads the
sitemap only.
"""

from __future__ import annotations

from jikimi.bench.crawl import measure_crawl


def test_recrawl_sends_no_image_request_and_reads_the_sitemap_only(tmp_path, monkeypatch):
    # no key setting in the environment: the bench's throwaway folders keep their own key
    monkeypatch.delenv("JIKIMI_SECURITY__ALLOW_KEY_IN_DATA_DIR", raising=False)
    result = measure_crawl(tmp_path, pages=3, images_per_page=4, image_px=32)
    pages, sitemap = result["pages"], result["sitemap"]
    assert result["crawl_site_media"] == 12
    for shape in (pages, sitemap):
        assert shape["media_new"] == 12 and shape["first_image_requests"] == 12
        assert shape["recrawl_image_requests"] == 0 and shape["recrawl_bytes"] == 0
    assert pages["recrawl_pages"] == 4 and pages["recrawl_media_skipped"] == 12
    assert sitemap["recrawl_pages"] == 1 and sitemap["recrawl_unchanged_entries"] == 3
    assert pages["recrawl_speedup"] > 0 and sitemap["first_pages_per_s"] > 0


def test_bench_command_prints_one_json_object_and_refuses_unknown_parts(tmp_path, capsys,
                                                                         monkeypatch):
    from jikimi.cli import main
    from tests.cli_runner import cli_runner

    monkeypatch.setenv("JIKIMI_SECURITY__ALLOW_KEY_IN_DATA_DIR", "true")  # the CLI's own folder
    jikimi = cli_runner(capsys, tmp_path / "data")
    result = jikimi("bench", "--only", "crawl", "--crawl-pages", "2",
                    "--crawl-latency-ms", "0", "--json", "--work-dir", str(tmp_path / "new" / "w"))
    assert result["crawl"]["pages"]["recrawl_image_requests"] == 0
    assert result["search"] == [] and result["enrich"] is None
    assert result["stored_faces"] is None and result["machine"]["cores"] >= 1
    assert main(["--data-dir", str(tmp_path / "data"), "bench", "--only", "gpu"]) == 2
    assert main(["--data-dir", str(tmp_path / "data"), "bench", "--faces", "lots"]) == 2
    assert "unknown part" in capsys.readouterr().err
