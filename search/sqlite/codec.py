"""How values are written to SQLite columns and read back, in one place.

Datetimes are fixed-width ISO-8601 UTC strings (so `MAX()` and `ORDER BY` on the text agree with
time order) and come back as aware datetimes; embeddings are little-endian float32 blobs, so a
database file means the same on every machine.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np

from kernel.errors import StoreError

_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"


def dt_to_db(value: datetime) -> str:
    """Aware datetimes are converted to UTC; naive ones are taken to be UTC already."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(_ISO_FORMAT)


def dt_from_db(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def opt_dt_from_db(text: str | None) -> datetime | None:
    return None if text is None else dt_from_db(text)


def vector_to_db(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def vector_from_db(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


def json_to_db(value: Any, what: str) -> str:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"cannot store {what} as JSON: {exc}") from None


def json_from_db(text: str) -> Any:
    return json.loads(text)
