"""The int8 face index beyond the FaceSearch contract: what it keeps on disk, when it rebuilds,
how it follows the store, and how the registry and matching use it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from jikimi import registry
from kernel.ports import FaceIndex, Store
from kernel.settings import Settings
from search.crypto import TemplateCipher
from search.faceindex.catch_up import SyncOptions
from search.faceindex.face_search import IndexedFaceSearch
from search.faceindex.index import Int8FaceIndex
from search.faceindex.quantize import code_rows
from search.sqlite.store import SqliteStore
from tests.contracts.face_search_contract import enrolled, expected, found, stored, world
from tests.factories import MODEL_ID, unit_vector


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, index={"at_rest": "plain"})


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    store = registry.open_store(settings)
    yield store
    store.close()


def index(settings: Settings, store: Store, cipher: TemplateCipher | None = None,
          rows: int = 131072) -> IndexedFaceSearch:
    """A new index object over the folder, as another process would open it."""
    return IndexedFaceSearch(Int8FaceIndex(settings.face_index_dir, cipher,
                                           SyncOptions(block_rows=rows)), store)


def block_bytes(settings: Settings) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(settings.face_index_dir.glob("*/*.blk")))


def test_retention_purges_the_deleted_vector_from_the_files(
        settings: Settings, store: Store) -> None:
    (template,) = enrolled(store, (1,))
    world(store, template, noise=100)
    (gone,) = stored(store, "retained", [unit_vector(777)])
    search = index(settings, store)
    search.sync()
    code = code_rows(gone.embedding[None]).vectors.tobytes()
    assert code in block_bytes(settings)  # plain blocks: the int8 code as it is
    store.delete_media([gone.media_id])
    counts = search.sync(compact=True)
    assert counts["removed"] == counts["purged"] == 1
    assert code not in block_bytes(settings)
    assert isinstance(store, SqliteStore)
    assert store.face_feed().trimmed == store.face_feed().mark  # the removal log is gone too


def test_sealed_blocks_hold_no_code_in_the_clear(settings: Settings, store: Store) -> None:
    enrolled(store, (1,))
    (face,) = stored(store, "one", [unit_vector(5)])
    index(settings, store, TemplateCipher.generate()).sync()
    assert block_bytes(settings) and code_rows(face.embedding[None]).vectors.tobytes() not in (
        block_bytes(settings))


@pytest.mark.parametrize("damage", ["key", "other store", "count", "meta"])
def test_a_stale_index_is_rebuilt_from_the_store(
        settings: Settings, store: Store, tmp_path: Path, damage: str) -> None:
    templates = enrolled(store)
    faces = world(store, templates[0], noise=200)
    cipher = TemplateCipher.generate()
    index(settings, store, cipher).sync()
    meta_path = next(settings.face_index_dir.glob("*/meta.json"))
    if damage == "key":
        cipher = TemplateCipher.generate()
    elif damage == "other store":  # the folder copied beside another database
        other = Settings(data_dir=tmp_path / "other", index={"at_rest": "plain"})
        store = registry.open_store(other)  # closed with the test's tmp folder
        templates = enrolled(store)
        faces = world(store, templates[0], noise=200)
        shutil.copytree(settings.face_index_dir, other.face_index_dir)
        settings = other
    elif damage == "count":  # a live face marked removed: the index holds one face too few
        meta = json.loads(meta_path.read_text())
        meta_path.write_text(json.dumps(meta | {"dead": [3]}))
    else:
        meta_path.write_text("{not json")
    search = index(settings, store, cipher)
    assert search.sync()["rebuilt"] == 1
    assert set(found(search, templates)) == set(expected(faces, templates))


def test_a_replaced_embedding_is_followed(settings: Settings, store: Store) -> None:
    (template,) = enrolled(store, (1,))
    (face,) = stored(store, "redone", [unit_vector(300)])
    search = index(settings, store)
    assert found(search, [template]) == {}
    stored(store, "redone", [template.embedding.copy()])  # re-enriched: same face id
    assert list(found(search, [template])) == [(face.face_id, 0)]
    assert search.sync() == {"models": 1, "added": 0, "removed": 0, "purged": 0, "rebuilt": 0}


def test_processes_sharing_the_folder_read_each_others_writes(
        settings: Settings, store: Store) -> None:
    (template,) = enrolled(store, (1,))
    first, second = index(settings, store, rows=64), index(settings, store, rows=64)
    faces = world(store, template, noise=300)
    assert second.sync()["added"] == len(faces)
    assert first.sync() == {"models": 1, "added": 0, "removed": 0, "purged": 0, "rebuilt": 0}
    faces += stored(store, "later", [template.embedding.copy()])
    assert set(found(second, [template])) == set(expected(faces, [template]))
    assert set(found(first, [template])) == set(expected(faces, [template]))
    meta = json.loads(next(settings.face_index_dir.glob("*/meta.json")).read_text())
    assert [b["rows"] for b in meta["blocks"]] == [64] * (len(faces) // 64) + [len(faces) % 64]


def test_the_registry_opens_the_index_for_sqlite(settings: Settings, store: Store) -> None:
    search = registry.open_face_search(settings, store)
    assert isinstance(search, FaceIndex)
    again = registry.open_face_search(settings, store)
    assert isinstance(again, IndexedFaceSearch) and isinstance(search, IndexedFaceSearch)
    assert again.index is search.index  # loaded once per process
    assert registry.open_face_search(settings.model_copy(
        update={"index": settings.index.model_copy(update={"backend": "none"})}), store) is None
    memory = SqliteStore(":memory:", TemplateCipher.generate())
    in_memory = registry.open_face_search(settings, memory)
    assert isinstance(in_memory, IndexedFaceSearch) and in_memory.index.root is None
    memory.close()


def test_templates_of_another_model_are_kept_apart(settings: Settings, store: Store) -> None:
    (template,) = enrolled(store, (1,))
    stored(store, "mine", [template.embedding.copy()])
    assert len(found(index(settings, store), [template])) == 1
    assert index(settings, store).index.model_ids() == [MODEL_ID]
    with pytest.raises(Exception, match="one model"):
        list(index(settings, store).search_faces([template, template.__class__(
            "x", template.person_id, "other-model", template.embedding)], 0.3))


class WrittenWhileCounting:
    """The store, with enrichment saving one more face while the index counts faces."""

    def __init__(self, store: Store) -> None:
        self.store, self.pending = store, 2

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def face_count(self, model_id: str) -> int:
        if self.pending:  # committed after the index read the feed's mark: counted, not fed
            stored(self.store, f"meanwhile-{self.pending}", [unit_vector(self.pending)])
            self.pending -= 1
        return int(self.store.face_count(model_id))  # type: ignore[attr-defined]


def test_faces_saved_while_it_counts_cause_no_rebuild(settings: Settings, store: Store) -> None:
    (template,) = enrolled(store, (1,))
    world(store, template, noise=100)
    busy = WrittenWhileCounting(store)
    index = Int8FaceIndex(settings.face_index_dir, None)
    search = IndexedFaceSearch(index, busy)  # type: ignore[arg-type]
    counts = search.sync()
    assert counts["rebuilt"] == 0 and counts["added"] == 107 + 2
    assert search.sync() == {"models": 1, "added": 0, "removed": 0, "purged": 0, "rebuilt": 0}


def test_a_key_rotation_rewriting_every_face_rebuilds_instead_of_doubling(
        settings: Settings, store: Store) -> None:
    (template,) = enrolled(store, (1,))
    faces = world(store, template, noise=100)
    search = index(settings, store)
    search.sync()
    assert isinstance(store, SqliteStore)
    store.reencrypt()  # every embedding rewritten under the (same) key: all removed and re-added
    counts = search.sync()
    assert counts["rebuilt"] == 1 and counts["added"] == len(faces) == counts["purged"]
    assert set(found(search, [template])) == set(expected(faces, [template]))
