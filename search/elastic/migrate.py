"""`jikimi es migrate`: create missing indices, and move aliases to new schema versions safely.

For each mapping file: if its alias is missing, the versioned index is created with the alias in
the same request. If the alias points at an older version, the new index is created beside it,
the old one is made read-only (writers get a clear error instead of writing into an index about
to be left behind), every document is copied, the counts are compared, and only then does one
atomic alias update move reads and writes to the new index; the old index is deleted unless
`keep_old` (it may hold erased people's data otherwise). On any failure the new index is
removed, the old one writable again and the alias untouched. Running it again is a no-op.

The copy is a client-side reindex (scroll + bulk) rather than `_reindex`, because documents may
need fields derived in Python: a faces index that gains `dense_vector` fields gets each face's
kNN copy from its stored float32 embedding. It works on any cluster, without scripts or ingest
pipelines. `dense_vector` support is detected by creating the faces index with the configured
vector index type (`knn_index_type`, per dims): a cluster that refuses that type (older than its
release) gets plain `hnsw`, one that refuses `dense_vector` itself (OpenSearch, osmem-server) the
fallback mapping without it; each step is logged and what was built recorded in `_meta`.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from elasticsearch import ApiError, Elasticsearch, helpers

from kernel.errors import ConfigError, StoreError
from search.crypto import FACE_PREFIX, TemplateCipher
from search.elastic.bulk import BulkPolicy, bulk_write
from search.elastic.codec import vector_from_doc
from search.elastic.errors import describe, store_errors
from search.elastic.schema import IndexSpec, index_version, load_specs, vector_fields
from search.elastic.vectors import DEFAULT_INDEX_TYPE, field_types, type_for_dims

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass
class MigrationStep:
    index: str  # logical name, e.g. "hits"
    alias: str
    target: str
    action: str  # "created", "current" or "migrated"
    source: str | None = None
    documents: int = 0
    vectors: str | None = None  # faces: "dense_vector" or "none"
    vector_index: dict[str, str] | None = None  # faces: {field: index type} where dense_vector


def migrate(client: Elasticsearch, prefix: str = "jikimi",
            specs: dict[str, IndexSpec] | None = None, *, keep_old: bool = False,
            policy: BulkPolicy | None = None, progress: Progress | None = None,
            cipher: Callable[[], TemplateCipher] | None = None,
            index_type: str = DEFAULT_INDEX_TYPE) -> list[MigrationStep]:
    """`cipher` (asked for only when needed) opens sealed face embeddings, from which a new
    index's kNN copies are derived when the old index had none. `index_type` is the
    `dense_vector` index type new faces indices get (per dims)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", prefix):
        raise ConfigError(f"elasticsearch.index_prefix {prefix!r}: use lowercase a-z, 0-9, _.-")
    steps = []
    for spec in (specs or load_specs()).values():
        step = _migrate_one(client, spec, prefix, keep_old, policy or BulkPolicy(), cipher,
                            index_type)
        if progress:
            vectors = step.vector_index or step.vectors
            progress(f"{step.alias}: {step.action} ({step.target}"
                     f"{f', {step.documents} documents copied' if step.source else ''}"
                     f"{f', vectors: {vectors}' if vectors else ''})")
        steps.append(step)
    return steps


def alias_holders(client: Elasticsearch, alias: str) -> list[str]:
    with store_errors(f"reading alias {alias}"):
        if not client.indices.exists_alias(name=alias):
            return []
        return sorted(client.indices.get_alias(name=alias).body)


def _migrate_one(client: Elasticsearch, spec: IndexSpec, prefix: str, keep_old: bool,
                 policy: BulkPolicy, cipher: Callable[[], TemplateCipher] | None,
                 index_type: str) -> MigrationStep:
    alias, target = spec.alias(prefix), spec.index(prefix)
    holders = alias_holders(client, alias)
    step = MigrationStep(spec.name, alias, target, "current")
    if holders == [target]:
        _variant(client, spec, target, step, index_type)
        return step
    with store_errors(f"checking {alias}"):
        if not holders and client.indices.exists(index=alias):
            raise StoreError(f"{alias} is an index, not an alias (auto-created by a write?): "
                             "delete it, then run `jikimi es migrate` again")
        target_exists = bool(client.indices.exists(index=target))
    if len(holders) > 1:
        raise StoreError(f"alias {alias} points at several indices: {', '.join(holders)}")
    if not holders:
        if target_exists:  # left by an interrupted migration whose old index is gone
            with store_errors(f"adding alias {alias}"):
                client.indices.put_alias(index=target, name=alias)
            _variant(client, spec, target, step, index_type)
        else:
            _create(client, spec, target, alias, step, index_type)
        step.action = "created"
        return step
    old = holders[0]
    old_version = index_version(old, spec, prefix)
    if old_version is None:
        raise StoreError(f"alias {alias} points at {old}, which is not a {alias}-vN index")
    if old_version > spec.version:
        raise StoreError(f"{old} is newer than this jikimi's schema v{spec.version}: upgrade "
                         "jikimi instead")
    if target_exists:  # an earlier attempt failed before its alias flip: start over
        with store_errors(f"removing the unfinished {target}"):
            client.indices.delete(index=target)
    _create(client, spec, target, None, step, index_type)
    step.source, step.action = old, "migrated"
    step.documents = _switch(client, spec, alias, old, target, policy, cipher)
    if not keep_old:
        with store_errors(f"deleting {old}"):
            client.indices.delete(index=old)
    return step


def _create(client: Elasticsearch, spec: IndexSpec, index: str, alias: str | None,
            step: MigrationStep, index_type: str) -> None:
    """Create `index` (with `alias` when given), stepping down from `index_type` to plain
    `hnsw` to no vectors while the cluster refuses them; `step` records what was built."""
    aliases: dict[str, Any] | None = {alias: {}} if alias else None
    bodies = [spec.body(vectors=True, index_type=index_type)]
    if spec.vector_fields():
        if index_type != "hnsw":
            bodies.append(spec.body(vectors=True, index_type="hnsw"))
        bodies.append(spec.body(vectors=False))
    n = 0
    while True:
        try:
            with store_errors(f"creating {index}"):
                client.indices.create(index=index, aliases=aliases, **bodies[n])
            break
        except StoreError as exc:
            reason = describe(exc.__cause__) if isinstance(exc.__cause__, ApiError) else ""
            if n + 1 == len(bodies) or not _VECTOR_REFUSAL.search(reason):
                raise
            refused = "dense_vector" if "dense_vector" in reason else index_type
            n = len(bodies) - 1 if refused == "dense_vector" else n + 1
            log.warning("%s: the cluster refused %s (%s); creating it %s", index, refused,
                        reason, "without kNN fields (retroactive search will scan exactly)"
                        if n + 1 == len(bodies) else "with float hnsw vectors")
    meta = bodies[n]["mappings"]["_meta"]["jikimi"]
    if spec.vector_fields():
        step.vectors, step.vector_index = meta["vectors"], meta.get("vector_index")


# A cluster refusing `dense_vector` itself, or only the index type asked for.
_VECTOR_REFUSAL = re.compile(r"dense_vector|index.options|bbq|int8", re.IGNORECASE)


def _variant(client: Elasticsearch, spec: IndexSpec, index: str, step: MigrationStep,
             index_type: str) -> None:
    """Record what an existing index holds; warn when settings ask for another vector type."""
    if not spec.vector_fields():
        return
    with store_errors(f"reading the mapping of {index}"):
        mapping = client.indices.get_mapping(index=index).body[index]["mappings"]
    held = field_types(mapping)
    step.vectors, step.vector_index = ("dense_vector", held) if held else ("none", None)
    for field, dims in vector_fields(mapping).items():
        wanted = type_for_dims(index_type, dims)
        if held[field] != wanted:
            log.warning("%s holds %s as %s, settings ask for %s: that takes effect when the "
                        "faces index is next built (a new schema version)", index, field,
                        held[field], wanted)


def _switch(client: Elasticsearch, spec: IndexSpec, alias: str, old: str, new: str,
            policy: BulkPolicy, cipher: Callable[[], TemplateCipher] | None) -> int:
    """Copy old → new with old read-only, verify, flip the alias; undo everything on failure."""
    try:
        with store_errors(f"migrating {old} to {new}"):
            client.indices.put_settings(index=old, settings={"index.blocks.write": True})
            client.indices.refresh(index=old)
            fields = vector_fields(client.indices.get_mapping(index=new).body[new]["mappings"])
            copied = bulk_write(client, _copies(client, old, new, fields, cipher), policy,
                                f"copying {old} to {new}", require_alias=False)
            client.indices.refresh(index=new)
            before = int(client.count(index=old)["count"])
            after = int(client.count(index=new)["count"])
            if before != after:
                raise StoreError(f"migrating {old} to {new}: {after} documents in the new index, "
                                 f"{before} in the old one; alias left on {old}")
            client.indices.update_aliases(actions=[
                {"remove": {"index": old, "alias": alias}},
                {"add": {"index": new, "alias": alias}},
            ])
        return copied
    except BaseException:
        _undo(client, old, new)
        raise


def _undo(client: Elasticsearch, old: str, new: str) -> None:
    for action in (lambda: client.indices.delete(index=new, ignore_unavailable=True),
                   lambda: client.indices.put_settings(
                       index=old, settings={"index.blocks.write": False})):
        try:
            action()
        except ApiError as exc:  # report, and let the original failure propagate
            log.error("undoing the migration %s → %s: %s", old, new, describe(exc))


def _copies(client: Elasticsearch, old: str, new: str, fields: dict[str, int],
            cipher: Callable[[], TemplateCipher] | None) -> Iterator[dict[str, Any]]:
    opened: list[TemplateCipher] = []
    for hit in helpers.scan(client, index=old, query={"query": {"match_all": {}}}, size=1000):
        source = {k: v for k, v in hit["_source"].items()
                  if not k.startswith("vector_") or k in fields}
        if fields and "embedding" in source:  # faces: derive kNN copies the old index lacked
            vector = _embedding(source["embedding"], cipher, opened)
            for field, dims in fields.items():
                if field not in source and vector.shape == (dims,):
                    source[field] = [float(v) for v in np.asarray(vector, dtype=np.float32)]
        yield {"_op_type": "index", "_index": new, "_id": hit["_id"], "_source": source}


def _embedding(text: str, cipher: Callable[[], TemplateCipher] | None,
               opened: list[TemplateCipher]) -> np.ndarray:
    """A face document's embedding, opened with the template key when it is sealed."""
    raw = base64.b64decode(text)
    if not raw.startswith(FACE_PREFIX):
        return vector_from_doc(text)  # written before faces were encrypted
    if cipher is None:
        raise StoreError("migrating sealed face embeddings into a kNN index needs the template "
                         "key (run `jikimi es migrate` with the security settings)")
    if not opened:
        opened.append(cipher())
    return opened[0].open_vector(raw)
