"""Media families: a re-encoded, resized or re-uploaded copy of a known video is the same media.

SHA-256 tells identical files apart only; takedown teams need "this is the video we already
reported" across re-encodes. A new sequence (video or animated image) is compared, by its
per-frame PDQ hashes and vPDQ's matching rule, with the sequences already stored, oldest first;
it joins the family of the first one that matches, or starts its own (family id = its media id).
The scan is exact and linear — fine for the embedded store's scale; a large index would pre-filter
candidates by frame hash.
"""

from __future__ import annotations

from enrichment.video import FrameHash, compare_videos
from kernel.ports import MediaStore
from kernel.records import Media


def frame_hashes(media: Media) -> list[FrameHash]:
    """The per-frame PDQ hashes enrichment stored in `info["frame_pdq"]`."""
    stored = media.info.get("frame_pdq", [])
    return [FrameHash(float(ts), str(pdq), int(q)) for ts, pdq, q in stored]


def find_family(store: MediaStore, media: Media) -> str:
    """The family id for a freshly analysed sequence (its own media id when it is new)."""
    mine = frame_hashes(media)
    if not mine:
        return media.media_id
    for known in store.sequences():
        if known.media_id == media.media_id:
            continue
        theirs = frame_hashes(known)
        if theirs and compare_videos(mine, theirs).is_same_family:
            return known.family_id or known.media_id
    return media.media_id
