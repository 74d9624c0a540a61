"""`jikimi sites list`'s crawl history read from the Elasticsearch audit index: the same
recorded crawls give the same last crawl and new media per day as on SQLite."""

from __future__ import annotations

from pathlib import Path

from kernel.settings import Settings
from tests.elastic.conftest import on_es
from tests.test_sites_cli import seven_days_of_crawls


def test_list_reads_the_crawl_history_from_elasticsearch(tmp_path: Path, es_url: str) -> None:
    seven_days_of_crawls(Settings.model_validate({"data_dir": tmp_path} | on_es(es_url)))
