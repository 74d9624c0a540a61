"""`kernel.ports.IndexAdmin` on Elasticsearch: migrate and inspect the indices, write Kibana's
saved objects. What `jikimi es …` and `jikimi kibana export` run, through the registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kernel.settings import ElasticsearchSettings
from search.crypto import TemplateCipher
from search.elastic.bulk import BulkPolicy
from search.elastic.client import open_client
from search.elastic.errors import store_errors
from search.elastic.kibana import DEFAULT_REVIEW_URL
from search.elastic.kibana_objects import write_saved_objects
from search.elastic.migrate import alias_holders, migrate
from search.elastic.schema import load_specs


class ElasticIndexAdmin:
    def __init__(self, settings: ElasticsearchSettings,
                 cipher: Callable[[], TemplateCipher] | None = None) -> None:
        self.settings = settings
        self.cipher = cipher  # opens sealed face embeddings when a migration must read them

    def migrate(
        self, *, keep_old: bool, progress: Callable[[str], None] | None = None
    ) -> list[dict[str, Any]]:
        es = self.settings
        client = open_client(es)
        try:
            steps = migrate(client, es.index_prefix, keep_old=keep_old,
                            policy=BulkPolicy.of(es), progress=progress, cipher=self.cipher,
                            index_type=es.knn_index_type)
        finally:
            client.close()
        return [asdict(step) for step in steps]

    def status(self) -> list[dict[str, Any]]:
        es = self.settings
        client = open_client(es)
        rows = []
        try:
            for spec in load_specs().values():
                alias = spec.alias(es.index_prefix)
                holders = alias_holders(client, alias)
                count = None
                if holders:
                    with store_errors(f"counting {alias}"):
                        count = int(client.count(index=alias)["count"])
                rows.append({"alias": alias, "indices": holders, "expected": spec.index(
                    es.index_prefix), "current": holders == [spec.index(es.index_prefix)],
                    "documents": count})
        finally:
            client.close()
        return rows

    def write_dashboards(self, out: Path, review_url: str | None) -> int:
        return write_saved_objects(out, self.settings.index_prefix,
                                   review_url or DEFAULT_REVIEW_URL)
