"""The official Elasticsearch client, built from `settings.elasticsearch`.

Secrets stay `SecretStr` until this point. `plain_json_headers` is a compatibility switch for
servers that speak the Elasticsearch REST API but refuse the client's versioned media type
(`application/vnd.elasticsearch+json; compatible-with=9`), such as osmem-server and some
OpenSearch-compatible services: a transport node then sends plain `application/json` (and
`application/x-ndjson` for bulk). Real clusters keep the standard headers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from elastic_transport import HttpHeaders, Urllib3HttpNode
from elastic_transport.client_utils import DEFAULT, DefaultType
from elasticsearch import Elasticsearch

from kernel.errors import ConfigError
from kernel.settings import ElasticsearchSettings

if TYPE_CHECKING:
    from elastic_transport._node._base import NodeApiResponse

_VENDOR_TYPE = re.compile(r"application/vnd\.elasticsearch\+([\w.-]+)(\s*;.*)?$", re.IGNORECASE)


def plain_media_type(value: str) -> str:
    """`application/vnd.elasticsearch+x-ndjson; compatible-with=9` → `application/x-ndjson`."""
    match = _VENDOR_TYPE.match(value.strip())
    return f"application/{match.group(1).lower()}" if match else value


class PlainJsonNode(Urllib3HttpNode):
    """A urllib3 node that rewrites the versioned Accept/Content-Type to the plain ones."""

    def perform_request(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        request_timeout: DefaultType | float | None = DEFAULT,
    ) -> NodeApiResponse:
        if headers is not None:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                if name in headers:
                    headers[name] = plain_media_type(headers[name])
        return super().perform_request(method, target, body=body, headers=headers,
                                       request_timeout=request_timeout)


def open_client(settings: ElasticsearchSettings) -> Elasticsearch:
    """A client for `settings.url` with API-key or basic authentication and CA settings."""
    options: dict[str, Any] = {
        "request_timeout": settings.request_timeout,
        "verify_certs": settings.verify_certs,
    }
    if settings.api_key is not None:
        options["api_key"] = settings.api_key.get_secret_value()
    if settings.username is not None:
        if settings.password is None:
            raise ConfigError("elasticsearch.username is set but elasticsearch.password is not")
        options["basic_auth"] = (settings.username, settings.password.get_secret_value())
    if settings.ca_certs is not None:
        options["ca_certs"] = str(settings.ca_certs)
    if not settings.verify_certs:
        options["ssl_show_warn"] = False
    if settings.plain_json_headers:
        options["node_class"] = PlainJsonNode
    try:
        return Elasticsearch(settings.url, **options)
    except ValueError as exc:
        raise ConfigError(f"elasticsearch settings: {exc}") from None
