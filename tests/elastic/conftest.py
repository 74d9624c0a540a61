"""One osmem-server per test session, its indices created once by `migrate`; every test gets a
fresh clone (a copy-on-write cluster on its own port, ~1 ms), so tests are independent and fast.

osmem-server is an in-memory server speaking the Elasticsearch REST API (PyPI `osmem-server`,
installed with the dev extra); no real Elasticsearch can run in CI.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch
from osmem_server import OsmemServer

from kernel.settings import ElasticsearchSettings
from search.crypto import TemplateCipher
from search.elastic.client import open_client
from search.elastic.migrate import migrate
from search.elastic.store import ElasticStore

PREFIX = "jikimi"


def es_settings(url: str, **overrides: object) -> ElasticsearchSettings:
    return ElasticsearchSettings.model_validate(
        {"url": url, "plain_json_headers": True, "request_timeout": 10.0} | overrides)


def on_es(url: str) -> dict[str, object]:
    """Settings fields that put a whole deployment's store on this cluster (portal tests)."""
    return {"store": {"backend": "elasticsearch"},
            "elasticsearch": {"url": url, "plain_json_headers": True, "index_prefix": PREFIX}}


@pytest.fixture(scope="session")
def osmem_base() -> Iterator[OsmemServer]:
    server = OsmemServer.start(japanese=False)
    client = open_client(es_settings(server.url))
    migrate(client, PREFIX)
    client.close()
    server.freeze()
    yield server
    server.close()


@pytest.fixture
def es_url(osmem_base: OsmemServer) -> Iterator[str]:
    """A fresh cluster holding the current schema's empty indices."""
    clone = osmem_base.clone()
    yield clone.url
    clone.close()


@pytest.fixture
def es_client(es_url: str) -> Iterator[Elasticsearch]:
    client = open_client(es_settings(es_url))
    yield client
    client.close()


@pytest.fixture
def cipher() -> TemplateCipher:
    return TemplateCipher.generate()


@pytest.fixture
def es_store(es_url: str, cipher: TemplateCipher) -> Iterator[ElasticStore]:
    store = ElasticStore.open(es_settings(es_url), cipher)
    yield store
    store.close()
