"""The client built from settings: the plain-JSON compatibility node, secrets, auth options."""

from __future__ import annotations

import pytest
from elasticsearch import ApiError

from kernel.errors import ConfigError, StoreError
from kernel.settings import ElasticsearchSettings, Settings
from search.crypto import TemplateCipher
from search.elastic.client import PlainJsonNode, open_client, plain_media_type
from search.elastic.store import ElasticStore
from tests.elastic.conftest import es_settings
from tests.factories import make_media


def test_plain_media_types() -> None:
    assert plain_media_type("application/vnd.elasticsearch+json; compatible-with=9") == (
        "application/json")
    assert plain_media_type("application/vnd.elasticsearch+x-ndjson; compatible-with=8") == (
        "application/x-ndjson")
    assert plain_media_type("application/json") == "application/json"


def test_the_compatibility_node_is_off_by_default_and_needed_by_osmem(es_url: str) -> None:
    assert ElasticsearchSettings().plain_json_headers is False
    standard = open_client(ElasticsearchSettings(url=es_url))
    assert not any(isinstance(n, PlainJsonNode) for n in standard.transport.node_pool.all())
    store = ElasticStore(standard, TemplateCipher.generate())  # requests without a body pass
    with pytest.raises(StoreError, match="406") as caught:
        store.upsert_media(make_media(b"versioned media type"))
    assert isinstance(caught.value.__cause__, ApiError)
    store.close()
    compatible = open_client(es_settings(es_url))
    assert all(isinstance(n, PlainJsonNode) for n in compatible.transport.node_pool.all())
    ElasticStore(compatible, TemplateCipher.generate()).close()


def test_secrets_stay_secret_and_auth_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIKIMI_ELASTICSEARCH__API_KEY", "key-123-secret")
    settings = Settings()
    assert "key-123" not in repr(settings.elasticsearch) + str(settings.model_dump())
    client = open_client(settings.elasticsearch)
    assert client.transport.node_pool.all()[0].base_url == "http://127.0.0.1:9200"
    client.close()
    monkeypatch.setenv("JIKIMI_ELASTICSEARCH__USERNAME", "jikimi")
    monkeypatch.setenv("JIKIMI_ELASTICSEARCH__PASSWORD", "pw-456-secret")
    with pytest.raises(ConfigError, match="only set one"):
        open_client(Settings().elasticsearch)  # API key or user and password, not both
    with pytest.raises(ConfigError, match="password"):
        open_client(ElasticsearchSettings(username="jikimi"))
