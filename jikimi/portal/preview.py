"""What a reviewer sees of a hit's media: a blurred, greyscale still by default; the original only
on an explicit, audited click. Nothing of it is ever written to disk.

Raw crawled media is not kept, so the bytes come from the evidence locker when the hit was
preserved (its media object, by SHA-256), else from the media URL again through the crawler's
address guard (`crawlers.refetch`). Bytes that no longer hash to the hit's media are still shown
(the reviewer must see what the URL serves now) but flagged. A video shows the frame where her
face matched first. Each step holds bytes in memory only, and every response says `no-store`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageOps

from crawlers.refetch import fetch
from enrichment.decode import decode_image
from enrichment.video import sample_video
from jikimi.evidence.capture import media_key, sha256_hex
from kernel.errors import JikimiError, NotFound
from kernel.ports import EvidenceLocker, Store
from kernel.records import Hit
from kernel.settings import Settings

PREVIEW_SIDE = 480  # px, longest side of a preview


@dataclass
class MediaBytes:
    data: bytes
    source: str  # "evidence" or the URL it was fetched from
    matches_hit: bool  # the bytes hash to the hit's media id


def media_bytes(store: Store, locker: EvidenceLocker | None, hit: Hit,
                settings: Settings) -> MediaBytes:
    """The hit's media: preserved evidence first, else fetched again through the guard."""
    if locker is not None:
        key = media_key(hit.media_id)
        if locker.exists(key):
            return MediaBytes(locker.get(key), "evidence", True)
    errors = []
    for sighting in sorted(store.sightings(hit.media_id), key=lambda s: s.first_seen):
        try:
            got = fetch(sighting.media_url, allow_private=settings.portal.allow_private_media,
                        max_bytes=settings.video.max_bytes, timeout=settings.evidence.fetch_timeout,
                        user_agent=settings.crawl.user_agent,
                        setting="portal.allow_private_media")
        except JikimiError as exc:
            errors.append(str(exc))
            continue
        if 200 <= got.status < 300:
            return MediaBytes(got.body, sighting.media_url, sha256_hex(got.body) == hit.media_id)
        errors.append(f"{sighting.media_url} answered HTTP {got.status}")
    raise NotFound("the media is no longer available" + (f": {errors[0]}" if errors else ""))


def still_of(data: bytes, hit: Hit, settings: Settings) -> Image.Image:
    """A still to preview: the image itself, or the video frame where her face matched first."""
    try:
        return Image.fromarray(decode_image(data, max_pixels=settings.media.max_pixels).rgb)
    except JikimiError:
        pass
    sample = sample_video(data, settings.video)
    if not sample.frames:
        raise NotFound("no frame could be decoded from this media")
    wanted = hit.frame_times[0] if hit.frame_times else 0.0
    frame = min(sample.frames, key=lambda f: abs((f.ts or 0.0) - wanted))
    return Image.fromarray(frame.rgb)


def blurred_jpeg(still: Image.Image, radius: float) -> bytes:
    """Greyscale and blurred enough that nothing explicit can be made out."""
    small = ImageOps.contain(still.convert("L"), (PREVIEW_SIDE, PREVIEW_SIDE))
    return _jpeg(small.filter(ImageFilter.GaussianBlur(radius)))


def plain_jpeg(still: Image.Image) -> bytes:
    return _jpeg(ImageOps.contain(still.convert("RGB"), (PREVIEW_SIDE * 2, PREVIEW_SIDE * 2)))


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()
