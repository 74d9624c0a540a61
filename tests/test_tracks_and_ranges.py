"""Face tracks across video frames, and the time ranges alerts and exports show."""

from __future__ import annotations

import numpy as np

from enrichment.tracks import assign_tracks
from kernel.timeranges import clock, format_ranges, merge_times
from tests.factories import make_face, unit_vector


def _noisy(seed: int, noise_seed: int, amount: float = 0.15) -> np.ndarray:
    vector = unit_vector(seed) + amount * unit_vector(1000 + noise_seed)
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def test_two_people_keep_their_tracks_across_frames_and_a_cut() -> None:
    faces = []
    for t in range(6):
        people = [0, 1] if t < 3 else [1] if t < 5 else [1, 0]  # person 0 leaves and returns
        for index, person in enumerate(people):
            faces.append(make_face("v", index, frame_ts=float(t),
                                   embedding=_noisy(person, t * 10 + index)))
    persons = [0, 1, 0, 1, 0, 1, 1, 1, 1, 0]
    assert assign_tracks(faces, min_similarity=0.5) == 2
    tracks = {p: {f.track for f, q in zip(faces, persons, strict=True) if q == p} for p in (0, 1)}
    assert tracks == {0: {0}, 1: {1}}


def test_a_stranger_opens_a_new_track_and_one_track_never_takes_two_faces_of_a_frame() -> None:
    same = unit_vector(5)
    faces = [make_face("v", 0, frame_ts=0.0, embedding=same),
             make_face("v", 0, frame_ts=1.0, embedding=same),
             make_face("v", 1, frame_ts=1.0, embedding=same),  # a twin in the same frame
             make_face("v", 2, frame_ts=1.0, embedding=unit_vector(6))]
    assert assign_tracks(faces, min_similarity=0.5) == 3
    assert [f.track for f in faces] == [0, 0, 1, 2]


def test_tracks_are_deterministic_whatever_the_input_order() -> None:
    faces = [make_face("v", i % 2, frame_ts=float(i // 2), embedding=_noisy(i % 2, i))
             for i in range(8)]
    assign_tracks(faces, 0.5)
    first = [(f.face_id, f.track) for f in faces]
    shuffled = list(reversed(faces))
    assign_tracks(shuffled, 0.5)
    assert sorted((f.face_id, f.track) for f in shuffled) == sorted(first)


def test_merge_times_joins_consecutive_samples_only() -> None:
    assert merge_times([5.0, 3.0, 4.0, 12.0, 3.0], max_gap=1.5) == [(3.0, 5.0), (12.0, 12.0)]
    assert merge_times([], 1.5) == []


def test_clock_and_format() -> None:
    assert (clock(7.9), clock(62.0), clock(3723.0)) == ("0:07", "1:02", "1:02:03")
    assert format_ranges([(3.0, 7.0), (12.0, 12.4)]) == "0:03–0:07, 0:12"
