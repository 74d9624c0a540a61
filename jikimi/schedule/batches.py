"""Split a site's newly crawled media into batches of ids for fanned-out enrichment.

Airflow maps one enrichment task over each batch (dynamic task mapping). A batch is the unit of
retry and of GPU scheduling: small enough that a failed batch costs little to redo, large enough
that loading the face models is paid for. The number of batches is capped (Airflow caps mapped
tasks too), and past the cap batches grow instead of media being left out.
"""

from __future__ import annotations

import math

from kernel.ports import MediaStore


def new_media_of_site(store: MediaStore, site: str) -> list[str]:
    """Ids of media waiting for enrichment ("new") that were seen on `site`, oldest first.

    Media left "new" by an earlier failed run of the same site is included, so a later run picks
    it up; media seen only on other sites is left to their runs."""
    return [
        media.media_id
        for media in store.media_to_enrich()
        if any(s.site == site for s in store.sightings(media.media_id))
    ]


def batches(ids: list[str], size: int, max_batches: int) -> list[list[str]]:
    """`ids` in order, in at most `max_batches` batches of `size` ids (more when capped)."""
    if size < 1 or max_batches < 1:
        raise ValueError("batch size and batch count must be positive")
    if not ids:
        return []
    size = max(size, math.ceil(len(ids) / max_batches))
    return [ids[i:i + size] for i in range(0, len(ids), size)]
