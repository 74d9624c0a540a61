"""The words a victim reads: a short, calm, bilingual alert (Korean first, then English).

Why it looks the way it does:
- It is read by someone who may be in distress, so it opens with a content warning, says what was
  found, that a reviewer confirmed it (or, where a deployment lets strong matches through
  unreviewed, that nobody has looked yet), what happens next (NGO operators help with the
  takedown), says plainly that a face match is not proof (a lookalike or a synthetic image is
  possible), tells the reader she does not have to open the links herself, and ends with where to
  get support.
- It calls nothing a deepfake unless the file itself declares AI generation (the score basis is
  provenance or a watermark), and shows no similarity, score or model name.
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

SUBJECT_CONFIRMED = "[jikimi] 검토자가 확인한 게시물 알림 / A reviewer confirmed a match"
SUBJECT_UNREVIEWED = "[jikimi] 자동 탐지 알림 (검토 전) / An automatic match, not yet reviewed"
# Only a basis that *declares* AI generation lets the text say so; a detector's number does not.
DECLARING_BASES = frozenset({"provenance", "watermark"})

_WARNING = """\
※ 주의: 성적 이미지와 관련될 수 있는 알림입니다. 이미지는 포함되어 있지 않습니다.
※ Content warning: this alert may concern sexual imagery. It contains no images.
"""

_CONFIRMED_KO = "지킴이 검토자가 {host}에서 회원님으로 보이는 얼굴이 담긴 미디어를 확인했습니다."
_CONFIRMED_EN = "A jikimi reviewer confirmed media on {host} that appears to show you."
_UNREVIEWED_KO = (
    "지킴이 자동 탐지에서 {host}에 회원님으로 보이는 얼굴이 담긴 미디어가 발견되었습니다.\n"
    "아직 사람이 검토하지 않았습니다. NGO 운영자가 곧 검토합니다."
)
_UNREVIEWED_EN = (
    "jikimi's automatic matching found media on {host} that appears to show you.\n"
    "No person has reviewed it yet: an NGO operator will."
)
_DECLARED_KO = "\n- 이 파일에는 인공지능으로 만들어졌다는 표시가 있습니다."
_DECLARED_EN = "\n- The file itself declares that it was made with AI."

_TEMPLATE = """\
{warning}
[한국어]
{found_ko}
- 게시 페이지: {page_url}
- 미디어 주소: {media_url}
- 발견 시각: {found_kst}{when_ko}{declared_ko}
NGO 운영자가 삭제 요청(테이크다운)을 도와드립니다. 링크를 직접 열어 보실 필요는 없습니다.
얼굴이 비슷하다는 결과가 본인이라는 증거는 아닙니다. 닮은 사람이거나 인공지능으로 합성된
이미지일 수 있습니다. 본인이 아니라면 담당자에게 알려 주세요.
도움이 필요하시면 언제든 연락하세요: {support}

[English]
{found_en}
- Page: {page_url}
- Media URL: {media_url}
- Found: {found_utc}{when_en}{declared_en}
NGO operators will help you with the takedown. You do not need to open the links yourself.
A match is not proof that it is you: it may be a lookalike or a synthetic (AI-generated) image.
If it is not you, tell your caseworker.
Support is available: {support}

alert: {alert_id}
"""


def render_message(
    alert: Alert, person: Person, settings: Settings,
    time_ranges: Sequence[tuple[float, float]] = (), *, reviewed: bool = True,
    score_basis: str = "none",
) -> AlertMessage:
    """Build the bilingual text and the JSON-safe payload for one alert to one person.

    `time_ranges` (seconds) are where in a video the matching face appears; empty for images.
    `reviewed`: an operator confirmed the match (otherwise the deployment let a strong match
    through unreviewed, and the text says so). `score_basis` is the media's synthetic-media
    basis: the text says the file declares AI generation only when the basis is a declaration.
    No similarity, score or model name is shown: they mean nothing to her and invite doubt.
    """
    found = _as_utc(alert.created_at)
    when = format_ranges(time_ranges)
    host = site_host(alert.page_url or alert.media_url)
    declared = score_basis in DECLARING_BASES
    text = _TEMPLATE.format(
        warning=_WARNING,
        found_ko=(_CONFIRMED_KO if reviewed else _UNREVIEWED_KO).format(host=host),
        found_en=(_CONFIRMED_EN if reviewed else _UNREVIEWED_EN).format(host=host),
        when_ko=f"\n- 영상 속 등장 시간: {when}" if when else "",
        when_en=f"\n- Appears in the video at: {when}" if when else "",
        declared_ko=_DECLARED_KO if declared else "",
        declared_en=_DECLARED_EN if declared else "",
        page_url=alert.page_url,
        media_url=alert.media_url,
        found_kst=found.astimezone(KST).strftime("%Y-%m-%d %H:%M KST"),
        found_utc=found.strftime("%Y-%m-%d %H:%M UTC"),
        support=settings.alerts.support_text,
        alert_id=alert.alert_id,
    )
    payload: dict[str, object] = {
        "alert_id": alert.alert_id,
        "person_ref": person.ref,
        "media_id": alert.media_id,
        "media_url": alert.media_url,
        "page_url": alert.page_url,
        "site": host,
        "reviewed": reviewed,
        "declared_synthetic": declared,
        "created_at": found.isoformat(),
        "time_ranges": [[round(a, 3), round(b, 3)] for a, b in time_ranges],
    }
    subject = SUBJECT_CONFIRMED if reviewed else SUBJECT_UNREVIEWED
    return AlertMessage(alert_id=alert.alert_id, subject=subject, text=text, payload=payload)


def site_host(url: str) -> str:
    """The host a URL points at (lower-case, no port), or a neutral phrase when there is none."""
    host = urlsplit(url).hostname
    return host or "an unknown site / 알 수 없는 사이트"


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # records are UTC; a naive value from an old store is UTC too
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
