"""Reuse the faces of an already enriched image whose decoded pixels are identical.

Media ids are SHA-256 of the bytes, so the same file is never enriched twice (the crawler keeps
one row per id, and only "new" rows are enriched). The same *picture* in other bytes is common:
a re-upload with its metadata stripped or rewritten. Its faces would come out the same, so they
are copied from the earlier image (new face ids under the new media id; matching treats them as
new faces) and `media.info["reused_faces_from"]` names the source. Signals still run on the new
file: its provenance metadata is its own.

Why not on an exact PDQ match alone: PDQ keeps only the coarse structure of a picture, and a
face swapped into a photo changes a small region, so a deepfake of an enriched photo can have
the *same* PDQ, and crafted collisions are published. Copying faces on PDQ equality would give a
deepfake its original's faces and hide the victim. So PDQ (and the size) only finds candidates by
index (`PdqLookup`); a candidate is used only when its pixel digest (`enrichment.pixel_digest`,
equal only for identical decoded pixels) is equal too, and every one of its faces is still
stored for the same face model.
"""

from __future__ import annotations

from dataclasses import replace

from enrichment.analyze import StillImage
from kernel.ports import MediaStore, PdqLookup
from kernel.records import Face, Media, derive_id


class IdenticalImages:
    """`enrichment.batch.Reuse` over a store: (source media id, faces) or None."""

    def __init__(self, store: MediaStore, model_id: str) -> None:
        self.store = store
        self.model_id = model_id
        self.reused = 0

    def __call__(self, still: StillImage) -> tuple[str, list[Face]] | None:
        if not isinstance(self.store, PdqLookup):
            return None
        for source in self.store.media_with_pdq(still.pdq):
            if not _same_picture(source, still):
                continue
            faces = self._faces_of(source, still.media.media_id)
            if faces is not None:
                self.reused += 1
                return source.media_id, faces
        return None

    def _faces_of(self, source: Media, media_id: str) -> list[Face] | None:
        faces = []
        for index in range(source.face_count):
            face_id = derive_id("face", source.media_id, self.model_id, "", str(index))
            face = self.store.get_face(face_id)
            if face is None:  # another model's faces, or erased since: detect afresh
                return None
            faces.append(replace(face, media_id=media_id, face_id="", track=None))
        return faces


def _same_picture(source: Media, still: StillImage) -> bool:
    return (source.media_id != still.media.media_id and source.status == "enriched"
            and source.frame_count == 1 and source.duration is None
            and (source.width, source.height) == still.image.full_size
            and source.info.get("pixel_digest") == still.digest)
