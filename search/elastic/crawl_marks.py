"""The CrawlMarkStore half on Elasticsearch: a small index of its own, one document per mark.

The document id is a hash of (site, key), so setting a mark twice replaces it and keys may be
long URLs; reads of a site's marks page through `search_after` sorted by key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from kernel.records import utcnow
from search.elastic.codec import dt_to_doc
from search.elastic.indices import ElasticIndices

INDEX = "crawl_marks"


class ElasticCrawlMarkStore:
    _es: ElasticIndices

    def crawl_marks(self, site: str, prefix: str = "") -> dict[str, str]:
        query: dict[str, object] = {"bool": {"filter": [
            {"term": {"site": site}}, *([{"prefix": {"key": prefix}}] if prefix else [])]}}
        return {doc["key"]: doc["value"]
                for doc in self._es.scan(INDEX, query, [{"key": "asc"}])}

    def set_crawl_marks(self, site: str, marks: Mapping[str, str]) -> None:
        if not marks:
            return
        now = dt_to_doc(utcnow())
        self._es.bulk((INDEX,), ({
            "_op_type": "index", "_index": self._es.alias(INDEX), "_id": _mark_id(site, key),
            "_source": {"site": site, "key": key, "value": value, "updated_at": now},
        } for key, value in marks.items()), "crawl marks")

    def delete_crawl_marks(self, site: str) -> int:
        return self._es.delete_where(INDEX, {"term": {"site": site}})


def _mark_id(site: str, key: str) -> str:
    return hashlib.sha256(f"{site}\n{key}".encode()).hexdigest()
