"""Group a video's faces into tracks: the same person across sampled frames.

A hit on a video is then one hit per (person, track) listing every matching frame's time, rather
than dozens of near-identical hits. Grouping is greedy and deterministic (frames in time order,
faces in detection order): a face joins the track whose most recent face is most similar to it
(cosine of the embeddings, at least `min_similarity`), one face per track per frame; otherwise it
opens a new track. Similarity of embeddings, not box overlap, so a cut back to the same person
continues her track, and two people crossing do not swap tracks.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

import numpy as np

from kernel.records import Face


def assign_tracks(faces: Sequence[Face], min_similarity: float) -> int:
    """Set `track` on every face (in place); return the number of tracks."""
    tails: list[np.ndarray] = []  # the latest embedding of each track
    ordered = sorted(faces, key=lambda f: (f.frame_ts or 0.0, f.index))
    for _, frame_faces in groupby(ordered, key=lambda f: f.frame_ts or 0.0):
        taken: set[int] = set()
        for face in frame_faces:
            track = _best_track(face.embedding, tails, taken, min_similarity)
            if track is None:
                track = len(tails)
                tails.append(face.embedding)
            else:
                tails[track] = face.embedding
            taken.add(track)
            face.track = track
    return len(tails)


def _best_track(
    embedding: np.ndarray, tails: list[np.ndarray], taken: set[int], min_similarity: float
) -> int | None:
    if not tails:
        return None
    similarity = np.stack(tails) @ embedding
    for track in np.argsort(-similarity, kind="stable").tolist():
        if similarity[track] < min_similarity:
            return None
        if track not in taken:
            return int(track)
    return None
