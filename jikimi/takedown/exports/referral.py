"""A referral of a batch's URLs to the Korean regulator or the victim support centre, as CSV.

The Korea Communications Standards Commission (방송통신심의위원회, KCSC) reviews reports and
requests deletion or blocking; the Digital Sex Crime Victim Support Center
(디지털성범죄피해자지원센터) requests deletion for victims. A referral of many URLs is easiest to
attach or paste as a spreadsheet: one row per URL, with the facts their report forms ask for
(chosen here, see `docs/takedown-exports.md`):

    번호 · 신고 URL · 게시 페이지 URL · 사이트(호스트) · 최초 발견 일시(UTC) · 최종 확인 일시(UTC) ·
    유형(이미지/영상) · 영상 구간 · SHA-256 · PDQ · 증거 참조 · 호스팅 사업자 ·
    사업자 삭제 요청 일시(UTC) · 처리 현황 · 조치 요청 내용

Headers are Korean (or their English twins with `english=True`); the file is UTF-8 with a BOM so
Excel in Korea opens it without garbling Hangul. It holds no victim data: the victim is referred
by the sender through the agency's own channel, never through this file. Withdrawn items (no
longer confirmed) and removed ones are left out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from jikimi.takedown.notices.render import utc_text
from kernel.takedown import HostRecipients, TakedownBatch

# (key, Korean header, English header)
REFERRAL_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("number", "번호", "No."),
    ("media_url", "신고 URL", "Reported URL"),
    ("page_url", "게시 페이지 URL", "Page URL"),
    ("host", "사이트(호스트)", "Site (host)"),
    ("first_seen", "최초 발견 일시(UTC)", "First seen (UTC)"),
    ("last_seen", "최종 확인 일시(UTC)", "Last seen (UTC)"),
    ("kind", "유형", "Type"),
    ("time_ranges", "영상 구간", "Video time ranges"),
    ("sha256", "SHA-256", "SHA-256"),
    ("pdq", "PDQ", "PDQ"),
    ("evidence_ref", "증거 참조", "Evidence reference"),
    ("provider", "호스팅 사업자", "Hosting provider"),
    ("notified_at", "사업자 삭제 요청 일시(UTC)", "Removal requested from provider (UTC)"),
    ("status", "처리 현황", "Status"),
    ("action", "조치 요청 내용", "Action requested"),
)
KINDS = {"ko": {"image": "이미지", "video": "영상"}, "en": {"image": "image", "video": "video"}}
STATUSES = {
    "ko": {"pending": "사업자 미요청", "sent": "사업자에 삭제 요청함",
           "acknowledged": "사업자 접수 확인", "refused": "사업자 거부", "removed": "삭제됨"},
    "en": {"pending": "not yet requested", "sent": "removal requested",
           "acknowledged": "acknowledged by provider", "refused": "refused by provider",
           "removed": "removed"},
}
ACTION = {"ko": "삭제 및 접속차단 요청", "en": "Deletion and blocking of access"}
EVIDENCE_HELD = {"ko": "발신인 보관(요청 시 제공)", "en": "held by the sender (on request)"}


def referral_rows(batch: TakedownBatch, rows: Sequence[Mapping[str, Any]], *,
                  english: bool = False, evidence_refs: Mapping[str, str] | None = None
                  ) -> list[dict[str, str]]:
    """One dict per URL keyed by `REFERRAL_COLUMNS`' keys, values in the chosen language."""
    lang = "en" if english else "ko"
    refs = evidence_refs or {}
    out: list[dict[str, str]] = []
    for row in rows:
        if row.get("withdrawn") or row.get("status") == "removed":
            continue
        kind = "video" if row.get("kind") == "video" else "image"
        status = str(row.get("status") or "pending")
        out.append({
            "number": str(len(out) + 1), "media_url": str(row["media_url"]),
            "page_url": str(row.get("page_url") or ""), "host": str(row["host"]),
            "first_seen": utc_text(row.get("first_seen")),
            "last_seen": utc_text(row.get("last_seen")), "kind": KINDS[lang][kind],
            "time_ranges": str(row.get("time_ranges") or "") if kind == "video" else "",
            "sha256": str(row.get("sha256") or ""), "pdq": str(row.get("pdq") or ""),
            "evidence_ref": refs.get(str(row.get("item_id")), "") or EVIDENCE_HELD[lang],
            "provider": provider(batch.recipients.get(str(row["host"]))),
            "notified_at": utc_text(row.get("sent_at")),
            "status": STATUSES[lang].get(status, status), "action": ACTION[lang],
        })
    return out


def provider(recipients: HostRecipients | None) -> str:
    """The hosting provider as RDAP named it, and the CDN in front of it if any."""
    if recipients is None:
        return ""
    names = list(dict.fromkeys(c.organisation for c in recipients.contacts
                               if c.role == "hosting" and c.organisation and not c.placeholder))
    if recipients.front:
        names = [f"{recipients.front} (CDN)", *[n for n in names if n != recipients.front]]
    return "; ".join(names)


def referral_csv(batch: TakedownBatch, rows: Sequence[Mapping[str, Any]], *,
                 english: bool = False, evidence_refs: Mapping[str, str] | None = None) -> bytes:
    """The referral as CSV bytes: UTF-8 with BOM, Korean headers (English with `english`)."""
    headers = [en if english else ko for _, ko, en in REFERRAL_COLUMNS]
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(headers)
    for one in referral_rows(batch, rows, english=english, evidence_refs=evidence_refs):
        writer.writerow([one[key] for key, _, _ in REFERRAL_COLUMNS])
    return text.getvalue().encode("utf-8-sig")
