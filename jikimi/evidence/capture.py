"""The capture record: what was fetched, from where, when, by whom, and the hash of every part.

Keys are content-addressed: media bytes under `media/<sha256>`, page HTML under
`pages/<sha256>.html`, and the record under `captures/<sha256 of the record>.json`, so a key
proves its own content and storing the same thing twice is one object. The record is canonical
JSON (sorted keys, UTF-8) so its hash is reproducible by anyone who holds it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from crawlers.refetch import Fetched
from jikimi import __version__

SCHEMA = "jikimi-evidence-capture/1"
CAPTURE_PREFIX = "captures/"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def media_key(sha256: str) -> str:
    return f"media/{sha256}"


def page_key(sha256: str) -> str:
    return f"pages/{sha256}.html"


def capture_key(record_bytes: bytes) -> str:
    return f"{CAPTURE_PREFIX}{sha256_hex(record_bytes)}.json"


def canonical_json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def part(fetched: Fetched, key: str) -> dict[str, Any]:
    """One fetched part (media or page) as the record describes it."""
    return {
        "url": fetched.url,
        "final_url": fetched.final_url,
        "redirects": fetched.redirects,
        "status": fetched.status,
        "headers": [[name, value] for name, value in fetched.headers],
        "fetched_at": _utc(fetched.fetched_at),
        "content_type": fetched.content_type,
        "bytes": len(fetched.body),
        "sha256": sha256_hex(fetched.body),
        "key": key,
    }


def capture_record(
    *, hit_id: str, expected_sha256: str, operator: str, captured_at: datetime,
    media: dict[str, Any], page: dict[str, Any], locker_uri: str, immutable: bool,
) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "captured_at": _utc(captured_at),
        "tool": f"jikimi {__version__}",
        "operator": operator,
        "hit_id": hit_id,
        "expected_media_sha256": expected_sha256,
        "media_matches_hit": media["sha256"] == expected_sha256,
        "media": media,
        "page": page,
        "locker": {"uri": locker_uri, "immutable": immutable},
    }


def _utc(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
