"""What every FaceSearch adapter must do: the int8 index over SQLite, Elasticsearch's own search.

Subclasses provide fixtures: `store` (empty), `settings` (a throwaway data folder) and
`open_search` (a new FaceSearch over `store`, as a new process would open it); adapters with
files override `damage_index`. Worlds are small (about a thousand faces): the speed is the
benchmark's business (benchmarks/bench_face_index.py), the answers are these tests'.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from jikimi.erasure import forget_person
from kernel.errors import StoreError
from kernel.ports import FaceSearch, Store
from kernel.records import Face, Template
from kernel.settings import Settings
from tests.factories import at_cosine, make_face, make_media, make_person, make_template

OpenSearch = Callable[[], FaceSearch]
THRESHOLD = 0.3
COSINES = (0.25, 0.299, 0.301, 0.35, 0.5, 0.9, 1.0)  # around the threshold, and her very face


def stored(store: Store, tag: str, vectors: list[np.ndarray]) -> list[Face]:
    media = make_media(tag.encode())
    store.upsert_media(media)
    faces = [make_face(media.media_id, i, embedding=v) for i, v in enumerate(vectors)]
    store.save_enrichment(media, faces)
    return faces


def world(store: Store, template: Template, noise: int = 1000) -> list[Face]:
    """`noise` random faces in media of 50, and one medium per cosine with a face at it."""
    rng = np.random.default_rng(42)
    faces: list[Face] = []
    for start in range(0, noise, 50):
        rows = rng.standard_normal((50, template.embedding.shape[0])).astype(np.float32)
        faces += stored(store, f"noise-{start}", list(rows / np.linalg.norm(rows, axis=1)[:, None]))
    for n, cosine in enumerate(COSINES):
        faces += stored(store, f"near-{cosine}", [at_cosine(template.embedding, cosine, n)])
    return faces


def expected(faces: list[Face], templates: list[Template]) -> dict[tuple[str, int], float]:
    """The exact answer, from a plain numpy product."""
    similarity = np.stack([f.embedding for f in faces]) @ np.stack(
        [t.embedding for t in templates]).T
    return {(faces[fi].face_id, int(qi)): float(similarity[fi, qi])
            for fi, qi in zip(*np.nonzero(similarity >= THRESHOLD), strict=True)}


def found(search: FaceSearch, templates: list[Template]) -> dict[tuple[str, int], float]:
    return {(face.face_id, qi): s for face, qi, s in search.search_faces(templates, THRESHOLD)}


def enrolled(store: Store, seeds: tuple[int, ...] = (1, 2)) -> list[Template]:
    person = make_person()
    templates = [make_template(person.person_id, seed) for seed in seeds]
    store.add_person(person, templates)
    return templates


class FaceSearchContract:
    def damage_index(self, settings: Settings) -> None:
        pytest.skip("this adapter keeps no index files of its own")

    def test_finds_every_face_at_or_above_the_threshold_scored_exactly(
            self, store: Store, open_search: OpenSearch) -> None:
        templates = enrolled(store)
        faces = world(store, templates[0])
        answer = found(open_search(), templates)
        exact = expected(faces, templates)
        assert set(answer) == set(exact) and len(exact) >= 4  # 0.301 … 1.0
        for pair, similarity in exact.items():
            assert answer[pair] == pytest.approx(similarity, abs=1e-6)

    def test_refuses_templates_not_enrolled_for_their_person(
            self, store: Store, open_search: OpenSearch) -> None:
        (template,) = enrolled(store, (1,))
        world(store, template, noise=50)
        stranger = make_template(template.person_id, 99)  # an arbitrary face, never stored
        impostor = make_template("someone-else", 1, template_id=template.template_id)
        for templates in ([template, stranger], [impostor]):
            with pytest.raises(StoreError, match="not enrolled"):
                list(open_search().search_faces(templates, THRESHOLD))

    def test_faces_deleted_by_retention_are_never_found_again(
            self, store: Store, open_search: OpenSearch) -> None:
        (template,) = enrolled(store, (1,))
        before = expected(world(store, template, noise=200), [template])
        search = open_search()
        assert set(found(search, [template])) == set(before)
        (gone,) = stored(store, "retained-face", [template.embedding.copy()])  # her vector
        assert (gone.face_id, 0) in found(search, [template])
        assert store.delete_media([gone.media_id])["faces"] == 1
        for after in (search, open_search()):
            assert set(found(after, [template])) == set(before)

    def test_after_erasure_her_templates_find_nothing(
            self, store: Store, open_search: OpenSearch, settings: Settings) -> None:
        templates = enrolled(store)
        world(store, templates[0], noise=100)
        assert found(open_search(), templates)
        forget_person(store, settings, templates[0].person_id)
        with pytest.raises(StoreError, match="not enrolled"):
            list(open_search().search_faces(templates, THRESHOLD))

    def test_catches_up_with_faces_added_after_it_was_opened(
            self, store: Store, open_search: OpenSearch) -> None:
        (template,) = enrolled(store, (1,))
        search = open_search()
        assert found(search, [template]) == {}
        faces = world(store, template, noise=100)
        assert set(found(search, [template])) == set(expected(faces, [template]))

    def test_survives_a_deleted_or_damaged_index_by_rebuilding(
            self, store: Store, open_search: OpenSearch, settings: Settings) -> None:
        templates = enrolled(store)
        faces = world(store, templates[0], noise=300)
        assert set(found(open_search(), templates)) == set(expected(faces, templates))
        self.damage_index(settings)
        assert set(found(open_search(), templates)) == set(expected(faces, templates))
