"""Redacting an erased person's ids out of audit events, for every store backend alike.

An audit event about her evidence names her hit ids (subject or detail) and sometimes her person
id. Erasure must leave no link from the log back to her, yet the log must still show that
something happened and when: so the ids are replaced in place by a fixed placeholder, and the
actions, actors, times and counts stay.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

REDACTED = "[erased]"


def redact(value: Any, ids: Collection[str]) -> Any:
    """`value` (JSON-like) with every string that contains one of `ids` replaced."""
    if isinstance(value, str):
        return REDACTED if any(i in value for i in ids) else value
    if isinstance(value, list):
        return [redact(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: redact(v, ids) for k, v in value.items()}
    return value


def mentions(text: str, ids: Collection[str]) -> bool:
    return any(i in text for i in ids)
