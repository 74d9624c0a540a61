"""Client exceptions become the project's StoreError, with one line a person can act on.

The original exception stays attached as `__cause__`, so adapter code can still tell a version
conflict (409) or a missing document (404) from a real failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from elasticsearch import ApiError, TransportError

from kernel.errors import StoreError


@contextmanager
def store_errors(what: str) -> Iterator[None]:
    try:
        yield
    except ApiError as exc:
        raise StoreError(f"{what}: {describe(exc)}") from exc
    except TransportError as exc:
        raise StoreError(f"{what}: cannot reach Elasticsearch ({exc.message})") from exc


def describe(exc: ApiError) -> str:
    """`404 index_not_found_exception: no such index [x]` from an API error's body."""
    body = exc.body
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return f"{exc.status_code} {error.get('type')}: {error.get('reason')}"
    return f"{exc.status_code} {error or exc.message}"
