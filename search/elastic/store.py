"""ElasticStore: the Store port on Elasticsearch, joined from its parts like the SQLite store.

Opening checks the cluster once: every alias must point at the schema version of the mapping
files (otherwise: "run `jikimi es migrate`", and nothing is written), and the faces index's
mapping says whether retroactive search can use kNN (logged). Closing refreshes what this store
wrote, so another process reads it at once.
"""

from __future__ import annotations

import logging

from elasticsearch import Elasticsearch

from kernel.errors import StoreError
from kernel.settings import ElasticsearchSettings
from search.crypto import TemplateCipher
from search.elastic.account_store import ElasticAccountStore
from search.elastic.at_rest import ElasticAtRest
from search.elastic.bulk import BulkPolicy
from search.elastic.case_store import ElasticCaseStore
from search.elastic.client import open_client
from search.elastic.crawl_marks import ElasticCrawlMarkStore
from search.elastic.errors import store_errors
from search.elastic.face_search import ElasticFaceSearch
from search.elastic.hit_store import ElasticHitStore
from search.elastic.indices import ElasticIndices, Source
from search.elastic.knn import KnnPlan
from search.elastic.media_store import ElasticMediaStore
from search.elastic.person_store import ElasticPersonStore
from search.elastic.preference_store import ElasticPreferenceStore
from search.elastic.schema import IndexSpec, load_specs, vector_fields
from search.elastic.takedown_store import ElasticTakedownStore
from search.elastic.vectors import field_types

log = logging.getLogger(__name__)

_STATS: dict[str, tuple[str, Source | None]] = {
    "media": ("media", None),
    "media_error": ("media", {"term": {"status": "error"}}),
    "sightings": ("sightings", None),
    "faces": ("faces", None),
    "persons": ("persons", None),
    "templates": ("templates", None),
    "hits": ("hits", None),
    "alerts": ("alerts", None),
    "alerts_pending": ("alerts", {"term": {"status": "pending"}}),
}


class ElasticStore(ElasticMediaStore, ElasticPersonStore, ElasticCaseStore, ElasticHitStore,
                   ElasticAccountStore, ElasticTakedownStore, ElasticPreferenceStore,
                   ElasticFaceSearch, ElasticAtRest, ElasticCrawlMarkStore):
    """`ElasticStore(client, cipher, prefix=…)`, or `ElasticStore.open(settings, cipher)`."""

    def __init__(self, client: Elasticsearch, cipher: TemplateCipher, *, prefix: str = "jikimi",
                 specs: dict[str, IndexSpec] | None = None, policy: BulkPolicy | None = None,
                 knn: KnnPlan | None = None) -> None:
        self._es = ElasticIndices(client, prefix, specs or load_specs(), policy or BulkPolicy())
        self._cipher = cipher
        self._knn_plan = knn or KnnPlan()
        self._knn_rescore = True
        self._closed = False
        self._es.require_aliases()
        self._vector_fields, self._vector_types = self._detect_vectors()

    @classmethod
    def open(cls, settings: ElasticsearchSettings, cipher: TemplateCipher) -> ElasticStore:
        client = open_client(settings)
        try:
            return cls(client, cipher, prefix=settings.index_prefix,
                       policy=BulkPolicy.of(settings), knn=KnnPlan.of(settings))
        except BaseException:
            client.close()
            raise

    @property
    def prefix(self) -> str:
        return self._es.prefix

    def _detect_vectors(self) -> tuple[dict[str, int], dict[str, str]]:
        """{field: dims} and {field: index type} of the faces index's dense_vector fields."""
        alias = self._es.alias("faces")
        with store_errors(f"reading the mapping of {alias}"):
            found = self._es.client.indices.get_mapping(index=alias).body
        fields: dict[str, int] = {}
        types: dict[str, str] = {}
        for info in found.values():
            fields |= vector_fields(info.get("mappings", {}))
            types |= field_types(info.get("mappings", {}))
        if fields:
            log.info("%s has dense_vector fields %s: retroactive search uses kNN", alias,
                     ", ".join(f"{f} ({d} dims, {types[f]})" for f, d in sorted(fields.items())))
        else:
            log.info("%s has no dense_vector field (cluster without it): retroactive search "
                     "scans faces exactly", alias)
        return fields, types

    def stats(self) -> dict[str, int]:
        return {name: self._es.count(index, query) for name, (index, query) in _STATS.items()}

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._es.refresh()  # only speeds up visibility: what was written is stored
        except StoreError as exc:
            log.warning("closing the Elasticsearch store: %s", exc)
        finally:
            self._es.client.close()

    def __enter__(self) -> ElasticStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ElasticStore(prefix={self._es.prefix!r})"
