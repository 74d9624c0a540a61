"""The daily digest: her pending alerts gathered into one calm, bilingual message.

The same rules as a single alert (`message.py`): a content warning first, Korean then English,
no imagery, no name, no similarity, score or model; it says who confirmed each finding (or that
nobody has reviewed it yet), calls a file AI-generated only when the file declares it, that a
match is not proof, that she need not open the links, and where to get support.

Its id is derived from the person, the channel and the alerts it holds, so a digest re-sent
after a crash carries the same e-mail `Message-ID` and webhook `Idempotency-Key` as the first
try, while a digest that holds one more alert is a different message and is never dropped as a
duplicate of the smaller one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from jikimi.alerts.message import DECLARING_BASES, KST, render_message, site_host
from kernel.ports import AlertMessage
from kernel.records import Alert, Person, derive_id
from kernel.settings import Settings
from kernel.timeranges import format_ranges

SUBJECT = "[jikimi] 하루 알림 모음 ({count}건) / Your daily digest: {count} finding(s)"

_WARNING = (
    "※ 주의: 성적 이미지와 관련될 수 있는 알림입니다. 이미지는 포함되어 있지 않습니다.\n"
    "※ Content warning: this digest may concern sexual imagery. It contains no images.\n"
)
_INTRO_KO = "지킴이가 알려 드릴 게시물 {count}건을 하루에 한 번 모아 보내 드립니다."
_INTRO_EN = "jikimi gathers what it has to tell you into one message a day: {count} finding(s)."
_OUTRO_KO = (
    "NGO 운영자가 삭제 요청(테이크다운)을 도와드립니다. 링크를 직접 열어 보실 필요는 없습니다.\n"
    "얼굴이 비슷하다는 결과가 본인이라는 증거는 아닙니다. 닮은 사람이거나 인공지능으로\n"
    "합성된 이미지일 수 있습니다. 본인이 아니라면 지킴이 포털에서 '본인이 아닙니다'를\n"
    "누르거나 담당자에게 알려 주세요.\n"
    "도움이 필요하시면 언제든 연락하세요: {support}"
)
_OUTRO_EN = (
    "NGO operators will help you with the takedown. You do not need to open the links yourself.\n"
    "A match is not proof that it is you: it may be a lookalike or a synthetic (AI-generated)\n"
    "image. If it is not you, choose \"This is not me\" on the jikimi portal or tell your\n"
    "caseworker.\n"
    "Support is available: {support}"
)


@dataclass(frozen=True)
class DigestItem:
    """One alert with what its text needs, read from the store at delivery time."""

    alert: Alert
    time_ranges: Sequence[tuple[float, float]] = ()
    reviewed: bool = True
    score_basis: str = "none"


def digest_id(person_id: str, channel: str, alert_ids: Sequence[str]) -> str:
    return derive_id("digest", person_id, channel, *sorted(alert_ids))


def render_digest(person: Person, channel: str, items: Sequence[DigestItem],
                  settings: Settings) -> AlertMessage:
    """One message holding every item, oldest first; its payload lists each alert's payload
    (the fields a single alert's payload has) under `alerts`."""
    ordered = sorted(items, key=lambda i: (i.alert.created_at, i.alert.alert_id))
    identity = digest_id(person.person_id, channel, [i.alert.alert_id for i in ordered])
    count = len(ordered)
    support = settings.alerts.support_text
    korean = [_INTRO_KO.format(count=count)]
    english = [_INTRO_EN.format(count=count)]
    for number, item in enumerate(ordered, 1):
        ko, en = _entry(number, item)
        korean.append(ko)
        english.append(en)
    korean.append(_OUTRO_KO.format(support=support))
    english.append(_OUTRO_EN.format(support=support))
    ids = ", ".join(i.alert.alert_id for i in ordered)
    text = (f"{_WARNING}\n[한국어]\n" + "\n".join(korean) + "\n\n[English]\n"
            + "\n".join(english) + f"\n\ndigest: {identity}\nalerts: {ids}\n")
    payload: dict[str, object] = {
        "digest_id": identity, "kind": "digest", "person_ref": person.ref, "count": count,
        "alerts": [render_message(i.alert, person, settings, i.time_ranges,
                                  reviewed=i.reviewed, score_basis=i.score_basis).payload
                   for i in ordered],
    }
    return AlertMessage(alert_id=identity, subject=SUBJECT.format(count=count), text=text,
                        payload=payload)


def _entry(number: int, item: DigestItem) -> tuple[str, str]:
    alert = item.alert
    host = site_host(alert.page_url or alert.media_url)
    found = _as_utc(alert.created_at)
    when = format_ranges(item.time_ranges)
    declared = item.score_basis in DECLARING_BASES
    ko = [f"{number}. {host} — " + ("검토자가 확인했습니다." if item.reviewed
                                    else "자동 탐지, 아직 사람이 검토하지 않았습니다."),
          f"   - 게시 페이지: {alert.page_url}", f"   - 미디어 주소: {alert.media_url}",
          f"   - 발견 시각: {found.astimezone(KST).strftime('%Y-%m-%d %H:%M KST')}"]
    en = [f"{number}. {host} — " + ("a reviewer confirmed it." if item.reviewed
                                    else "automatic match, not yet reviewed by a person."),
          f"   - Page: {alert.page_url}", f"   - Media URL: {alert.media_url}",
          f"   - Found: {found.strftime('%Y-%m-%d %H:%M UTC')}"]
    if when:
        ko.append(f"   - 영상 속 등장 시간: {when}")
        en.append(f"   - Appears in the video at: {when}")
    if declared:
        ko.append("   - 이 파일에는 인공지능으로 만들어졌다는 표시가 있습니다.")
        en.append("   - The file itself declares that it was made with AI.")
    return "\n".join(ko), "\n".join(en)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
