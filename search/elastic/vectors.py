"""How the faces index stores its kNN vectors, per field, and what that means for a search.

`elasticsearch.knn_index_type` names one `dense_vector` index type for every model; the type a
field really gets depends on its dims: Elasticsearch accepts `bbq_*` (1-bit) only from 64 dims,
so a smaller field falls back to the `int8_*` of the same family, and says so in the log.

Quantized types score on an approximation of each vector, so (a) a kNN request on them asks for
`rescore_vector` (the cluster re-ranks the oversampled candidates on the float vectors), and (b)
its `similarity` cut-off, which may be applied to the approximate score, sits further below the
threshold: each answer is re-scored exactly from the stored float32 embedding anyway, so a wider
margin costs only a few more candidates, while a narrow one could drop a true match.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

INDEX_TYPES = ("int8_hnsw", "bbq_hnsw", "hnsw", "int8_flat", "flat")
BBQ_MIN_DIMS = 64  # Elasticsearch refuses bbq_hnsw / bbq_flat below this
DEFAULT_INDEX_TYPE = "int8_hnsw"
GRAPH_OPTIONS = ("m", "ef_construction")  # HNSW graph settings, kept from the mapping file
# Below the threshold, the `similarity` asked of the cluster: its float cosine is not numpy's,
# and quantized scores are estimates (int8: about 1/100 of the range; 1-bit: far coarser).
SIMILARITY_MARGIN = {"float": 0.01, "int8": 0.03, "int4": 0.06, "bbq": 0.15}


def quantization(index_type: str) -> str:
    """"float", "int8", "int4" or "bbq" for a `dense_vector` index type."""
    prefix = index_type.split("_", 1)[0]
    return prefix if prefix in ("int8", "int4", "bbq") else "float"


def is_quantized(index_type: str) -> bool:
    return quantization(index_type) != "float"


def similarity_margin(index_type: str) -> float:
    return SIMILARITY_MARGIN[quantization(index_type)]


def type_for_dims(wanted: str, dims: int) -> str:
    """The index type a field of `dims` gets when `wanted` is asked for."""
    if quantization(wanted) == "bbq" and dims < BBQ_MIN_DIMS:
        fallback = wanted.replace("bbq_", "int8_", 1)
        log.warning("%d-dim vectors: %s needs at least %d dims, using %s", dims, wanted,
                    BBQ_MIN_DIMS, fallback)
        return fallback
    return wanted


def index_options(wanted: str, dims: int, base: dict[str, Any]) -> dict[str, Any]:
    """`index_options` for a field of `dims`: the type for those dims, with the mapping file's
    HNSW graph settings (`base`) where the type builds a graph."""
    index_type = type_for_dims(wanted, dims)
    options: dict[str, Any] = {"type": index_type}
    if index_type.endswith("hnsw"):
        options |= {k: base[k] for k in GRAPH_OPTIONS if k in base}
    return options


def field_types(mappings: dict[str, Any]) -> dict[str, str]:
    """{field: index type} of the `dense_vector` fields of a mapping (as a cluster returns it)."""
    return {
        field: str((props.get("index_options") or {}).get("type", "hnsw"))
        for field, props in mappings.get("properties", {}).items()
        if props.get("type") == "dense_vector"
    }
