"""The index administration port: what an operator runs on the search index itself.

The store never creates or changes its own schema (a write that auto-creates an index gets a
dynamic mapping and, on some servers, unbounded memory), so creating, migrating and inspecting
indices, and writing the dashboards that read them, are explicit operator commands
(`jikimi es migrate|status`, `jikimi kibana export`) behind this port.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class IndexAdmin(Protocol):
    def migrate(
        self, *, keep_old: bool, progress: Callable[[str], None] | None = None
    ) -> list[dict[str, Any]]:
        """Create missing indices and aliases and move aliases to new schema versions; one row
        per step taken. Idempotent."""

    def status(self) -> list[dict[str, Any]]:
        """One row per alias: the indices it points at, the expected one, whether it is
        current, and its document count."""

    def write_dashboards(self, out: Path, review_url: str | None) -> int:
        """Write the operators' saved objects (data views, searches, dashboard) as NDJSON to
        `out`, with media links opening `review_url`; return how many were written."""
