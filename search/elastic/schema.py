"""Index definitions: the versioned JSON mappings, and the names derived from them.

Every logical index ("hits") has one mapping file with a schema version. The concrete index is
named with that version (`jikimi-hits-v1`) and everything reads and writes through the alias
(`jikimi-hits`), so `jikimi es migrate` can build `-v2` beside `-v1` and flip the alias only once
the copy is complete. The files are the single source of truth; the adapter reads field lists
from them rather than repeating them in code.

The faces mapping has `dense_vector` fields for kNN. Clusters without that type (OpenSearch,
osmem-server) get the same mapping without them: the *fallback* variant, recorded in the index's
`_meta` so the adapter knows which one the cluster holds. The vector fields' index type comes
from settings (`elasticsearch.knn_index_type`), chosen per dims when the index is created.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernel.errors import ConfigError
from search.elastic.vectors import field_types, index_options

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
INDEX_NAMES = (
    "media", "sightings", "fetches", "faces", "persons", "templates", "calibrations", "cases",
    "hits", "alerts", "deliveries", "audit", "accounts", "api_tokens", "web_sessions",
    "takedown_batches", "takedown_items",
    "notification_prefs",  # issue 11: notification preferences
    "crawl_marks",  # issue 14: notes a crawl leaves for the next one
)
VECTOR_TYPE = "dense_vector"


@dataclass(frozen=True)
class IndexSpec:
    """One logical index: its name, schema version, settings and mappings."""

    name: str
    version: int
    settings: dict[str, Any]
    mappings: dict[str, Any]

    def alias(self, prefix: str) -> str:
        return f"{prefix}-{self.name}"

    def index(self, prefix: str) -> str:
        return f"{prefix}-{self.name}-v{self.version}"

    def vector_fields(self) -> dict[str, int]:
        """`dense_vector` fields of this mapping and their dims ({} in the fallback variant)."""
        return vector_fields(self.mappings)

    def body(self, *, vectors: bool, index_type: str | None = None) -> dict[str, Any]:
        """The create-index body; `vectors=False` is the fallback without `dense_vector`.
        `index_type` (e.g. "int8_hnsw") replaces each vector field's index type, chosen per
        dims (see search.elastic.vectors); None keeps the mapping file's."""
        mappings = copy.deepcopy(self.mappings)
        properties = mappings["properties"]
        for field, dims in vector_fields(mappings).items():
            if not vectors:
                del properties[field]
            elif index_type is not None:
                base = properties[field].get("index_options") or {}
                properties[field]["index_options"] = index_options(index_type, dims, base)
        types = field_types(mappings)
        mappings["_meta"] = {"jikimi": {"index": self.name, "schema_version": self.version,
                                        "vectors": VECTOR_TYPE if types else "none"}}
        if types:
            mappings["_meta"]["jikimi"]["vector_index"] = types
        return {"settings": copy.deepcopy(self.settings), "mappings": mappings}


def vector_fields(mappings: dict[str, Any]) -> dict[str, int]:
    return {
        field: int(props["dims"]) for field, props in mappings.get("properties", {}).items()
        if props.get("type") == VECTOR_TYPE
    }


def load_specs(mappings_dir: Path | None = None) -> dict[str, IndexSpec]:
    """Read every index's mapping file; a missing or malformed file is a ConfigError."""
    folder = mappings_dir or MAPPINGS_DIR
    specs: dict[str, IndexSpec] = {}
    for name in INDEX_NAMES:
        path = folder / f"{name}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            spec = IndexSpec(name=name, version=int(data["version"]),
                             settings=dict(data.get("settings") or {}),
                             mappings=dict(data["mappings"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"Elasticsearch mapping {path}: {exc}") from None
        if data.get("index") != name or spec.version < 1:
            raise ConfigError(f"Elasticsearch mapping {path}: wrong index name or version")
        if spec.mappings.get("dynamic") != "strict":
            raise ConfigError(f"Elasticsearch mapping {path}: must be `dynamic: strict`")
        specs[name] = spec
    return specs


def index_version(index: str, spec: IndexSpec, prefix: str) -> int | None:
    """The schema version in a concrete index name of this spec (`jikimi-hits-v3` → 3)."""
    stem = f"{spec.alias(prefix)}-v"
    if index.startswith(stem) and index[len(stem):].isdigit():
        return int(index[len(stem):])
    return None
