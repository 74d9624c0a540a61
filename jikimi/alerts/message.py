"""The words a victim reads: a short, calm, bilingual alert (Korean first, then English).

Why it looks the way it does:
- It is read by someone who may be in distress, so it opens with a content warning, says what was
  found and what happens next (NGO operators review and help with the takedown), says plainly that
  a face match is not proof (a lookalike or a synthetic image is possible), tells the reader she
  does not have to open the links herself, and ends with where to get support.
- It never carries imagery: no attachment, no inline or base64 image, only the two URLs.
- It names nobody, the recipient included: the text is written to the outbox on disk and travels
  through mail servers, while the name is stored encrypted; the payload uses the pseudonymous
  `person.ref`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit

from kernel.ports import AlertMessage
from kernel.records import Alert, Person
from kernel.settings import Settings
from kernel.timeranges import format_ranges

KST = timezone(timedelta(hours=9), "KST")

SUBJECT = "[jikimi] 확인이 필요한 게시물 알림 / A possible match needs review"

_TEMPLATE = """\
※ 주의: 디지털 성범죄(성적 합성물)와 관련된 알림입니다. 이미지는 포함되어 있지 않습니다.
※ Content warning: this alert concerns possible image-based sexual abuse (a sexual deepfake).
  It contains no images.

[한국어]
지킴이(jikimi) 모니터링에서 회원님으로 보이는 얼굴이 담긴 미디어를 {host}에서 발견했습니다.
- 게시 페이지: {page_url}
- 미디어 주소: {media_url}
- 발견 시각: {found_kst}
- 유사도: {similarity} (얼굴 인식 모델: {model}){when_ko}
NGO 운영자가 이 결과를 직접 검토한 뒤 삭제 요청(테이크다운)을 도와드립니다.
링크를 직접 열어 보실 필요는 없습니다.
얼굴이 비슷하다는 결과가 본인이라는 증거는 아닙니다. 닮은 사람이거나 인공지능으로 합성된
이미지일 수 있습니다.
도움이 필요하시면 언제든 연락하세요: {support}

[English]
jikimi monitoring found media on {host} that appears to show you.
- Page: {page_url}
- Media URL: {media_url}
- Found: {found_utc}
- Similarity: {similarity} (face model: {model}){when_en}
NGO operators will review this result and help you with the takedown.
You do not need to open the links yourself.
A match is not proof that it is you: it may be a lookalike or a synthetic (AI-generated) image.
Support is available: {support}

alert: {alert_id}
"""


def render_message(
    alert: Alert, person: Person, settings: Settings,
    time_ranges: Sequence[tuple[float, float]] = (),
) -> AlertMessage:
    """Build the bilingual text and the JSON-safe payload for one alert to one person.

    `time_ranges` (seconds) are where in a video the matching face appears; empty for images.
    """
    found = _as_utc(alert.created_at)
    when = format_ranges(time_ranges)
    text = _TEMPLATE.format(
        when_ko=f"\n- 영상 속 등장 시간: {when}" if when else "",
        when_en=f"\n- Appears in the video at: {when}" if when else "",
        host=site_host(alert.page_url or alert.media_url),
        page_url=alert.page_url,
        media_url=alert.media_url,
        found_kst=found.astimezone(KST).strftime("%Y-%m-%d %H:%M KST"),
        found_utc=found.strftime("%Y-%m-%d %H:%M UTC"),
        similarity=f"{alert.similarity:.2f}",
        model=alert.model_id,
        support=settings.alerts.support_text,
        alert_id=alert.alert_id,
    )
    payload: dict[str, object] = {
        "alert_id": alert.alert_id,
        "person_ref": person.ref,
        "media_id": alert.media_id,
        "media_url": alert.media_url,
        "page_url": alert.page_url,
        "site": site_host(alert.page_url or alert.media_url),
        "similarity": round(float(alert.similarity), 4),
        "model": alert.model_id,
        "created_at": found.isoformat(),
        "time_ranges": [[round(a, 3), round(b, 3)] for a, b in time_ranges],
    }
    return AlertMessage(alert_id=alert.alert_id, subject=SUBJECT, text=text, payload=payload)


def site_host(url: str) -> str:
    """The host a URL points at (lower-case, no port), or a neutral phrase when there is none."""
    host = urlsplit(url).hostname
    return host or "an unknown site / 알 수 없는 사이트"


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # records are UTC; a naive value from an old store is UTC too
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
