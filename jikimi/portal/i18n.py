"""The portal's words in Korean (first: most people it serves read Korean) and English.

One table, keyed by a short name; a page asks for `t("key")` in the reader's language, chosen by
`?lang=` (remembered in a cookie) or else the browser's Accept-Language. A key missing in one
language falls back to the other, so a page never shows a bare key.
"""

from __future__ import annotations

LANGUAGES = ("ko", "en")

TEXT: dict[str, dict[str, str]] = {
    "app": {"ko": "지킴이", "en": "jikimi"},
    "login": {"ko": "로그인", "en": "Sign in"},
    "logout": {"ko": "로그아웃", "en": "Sign out"},
    "username": {"ko": "아이디", "en": "Username"},
    "password": {"ko": "비밀번호", "en": "Password"},
    "login_failed": {"ko": "아이디 또는 비밀번호가 맞지 않거나 잠긴 계정입니다.",
                     "en": "Wrong username or password, or the account is locked."},
    "queue": {"ko": "검토 대기열", "en": "Review queue"},
    "queue_empty": {"ko": "검토할 항목이 없습니다.", "en": "Nothing is waiting for review."},
    "site": {"ko": "사이트", "en": "Site"},
    "case": {"ko": "사례", "en": "Case"},
    "state": {"ko": "상태", "en": "State"},
    "band": {"ko": "등급", "en": "Band"},
    "similarity": {"ko": "유사도", "en": "Similarity"},
    "fake_score": {"ko": "합성 점수", "en": "Fake score"},
    "basis": {"ko": "근거", "en": "Basis"},
    "found": {"ko": "발견", "en": "Found"},
    "page": {"ko": "게시 페이지", "en": "Page"},
    "media": {"ko": "미디어", "en": "Media"},
    "family": {"ko": "같은 영상 묶음", "en": "Media family"},
    "time_ranges": {"ko": "영상 속 등장 시간", "en": "Appears at"},
    "evidence": {"ko": "합성 여부 근거", "en": "Synthetic-media evidence"},
    "filter": {"ko": "거르기", "en": "Filter"},
    "all": {"ko": "전체", "en": "All"},
    "open": {"ko": "열기", "en": "Open"},
    "preview_blurred": {"ko": "흐리게 처리된 흑백 미리보기", "en": "Blurred, greyscale preview"},
    "unblur": {"ko": "선명하게 보기 (기록됨)", "en": "Unblur (recorded)"},
    "unblur_note": {"ko": "선명하게 보기는 계정과 함께 감사 기록에 남습니다.",
                    "en": "Unblurring is written to the audit log with your account."},
    "no_media": {"ko": "미디어를 가져올 수 없습니다", "en": "The media cannot be loaded"},
    "mismatch": {"ko": "주의: 이 주소는 지금 다른 파일을 제공합니다.",
                 "en": "Note: this URL now serves other bytes than the hit."},
    "decide": {"ko": "결정", "en": "Decision"},
    "confirm": {"ko": "확인 (본인, 성적 콘텐츠)", "en": "Confirm (her, sexual content)"},
    "reject": {"ko": "아님 (본인 아님)", "en": "Reject (not her)"},
    "not_sexual": {"ko": "성적 콘텐츠 아님", "en": "Not sexual content"},
    "escalate": {"ko": "이관 (미성년자 의심)", "en": "Escalate (suspected minor)"},
    "note": {"ko": "메모", "en": "Note"},
    "decided": {"ko": "결정이 기록되었습니다", "en": "Decision recorded"},
    "shortcuts": {"ko": "단축키: c 확인 · r 아님 · n 성적 아님 · e 이관 · u 선명하게 · "
                        "j/k 다음/이전",
                  "en": "Keys: c confirm · r reject · n not sexual · e escalate · u unblur · "
                        "j/k next/previous"},
    "wellness": {"ko": "흑백 보기", "en": "Greyscale"},
    "break": {"ko": "잠시 쉬어 가세요. 검토는 기다려 줍니다.",
              "en": "Time for a break. The queue will wait."},
    "session_time": {"ko": "검토 시간", "en": "Reviewing for"},
    "forbidden": {"ko": "이 페이지를 볼 권한이 없습니다.",
                  "en": "You are not allowed to see this page."},
    "report": {"ko": "모델별 정밀도", "en": "Precision by model"},
    "language": {"ko": "English", "en": "한국어"},
    "preserve": {"ko": "증거 보존 (p)", "en": "Preserve evidence (p)"},
    "preserved": {"ko": "보존된 캡처 수", "en": "Captures preserved"},
    # takedown teams
    "takedown": {"ko": "삭제 요청", "en": "Takedown"},
    "batches": {"ko": "삭제 요청 묶음", "en": "Takedown batches"},
    "batch": {"ko": "묶음", "en": "Batch"},
    "build": {"ko": "새 묶음 만들기", "en": "Build a batch"},
    "build_hint": {"ko": "운영자가 확인한 항목만 묶음에 들어갑니다. 조건은 비워 두어도 됩니다.",
                   "en": "Only hits an operator confirmed go into a batch. Every filter may "
                         "stay empty."},
    "confirmed_count": {"ko": "확인된 URL", "en": "Confirmed URLs"},
    "host": {"ko": "호스트", "en": "Host"},
    "since": {"ko": "확인일 (부터)", "en": "Confirmed from"},
    "until": {"ko": "확인일 (까지)", "en": "Confirmed until"},
    "filters": {"ko": "조건", "en": "Filters"},
    "items": {"ko": "항목", "en": "Items"},
    "created": {"ko": "만든 때", "en": "Created"},
    "created_by": {"ko": "만든 사람", "en": "Built by"},
    "no_batches": {"ko": "아직 묶음이 없습니다.", "en": "No batches yet."},
    "built": {"ko": "묶음을 만들었습니다", "en": "Batch built"},
    "marked": {"ko": "기록되었습니다", "en": "Recorded"},
    "status": {"ko": "진행 상태", "en": "Status"},
    "pending": {"ko": "대기", "en": "Pending"},
    "sent": {"ko": "요청함", "en": "Sent"},
    "removed": {"ko": "삭제됨", "en": "Removed"},
    "refused": {"ko": "거절됨", "en": "Refused"},
    "mark_sent": {"ko": "요청함으로 기록", "en": "Mark sent"},
    "mark_removed": {"ko": "삭제됨으로 기록", "en": "Mark removed"},
    "mark_refused": {"ko": "거절됨으로 기록", "en": "Mark refused"},
    "on_date": {"ko": "날짜 (비우면 지금)", "en": "Date (empty: now)"},
    "download_csv": {"ko": "CSV 내려받기", "en": "Download CSV"},
    "download_json": {"ko": "JSON 내려받기", "en": "Download JSON"},
    "withdrawn": {"ko": "검토 결과가 바뀌어 내려받기에서 빠졌습니다.",
                  "en": "No longer confirmed: left out of downloads."},
    "note_kept": {"ko": "메모는 지킴이 안에만 남고 내려받은 파일에는 들어가지 않습니다.",
                  "en": "Notes stay in jikimi; downloads leave them out."},
}


def translate(key: str, lang: str) -> str:
    entry = TEXT.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry.get("ko") or entry.get("en") or key


def pick_language(query: str | None, cookie: str | None, accept: str | None) -> str:
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return str(choice)
    if accept and accept.lower().lstrip().startswith("en"):
        return "en"
    return "ko"
