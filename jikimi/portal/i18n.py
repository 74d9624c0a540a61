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

# issue 11: the victim's own pages. Calm and plain: say what happens next, never "escalated".
TEXT.update({
    "me": {"ko": "내 사례", "en": "My case"},
    "me_findings": {"ko": "발견된 게시물", "en": "What was found"},
    "me_intro": {"ko": "이 페이지에는 이미지가 나오지 않습니다. 지킴이가 찾은 게시물이 "
                       "어디에 있는지와 어디까지 진행되었는지만 글로 알려 드립니다. 주소를 "
                       "직접 열어 보실 필요는 없습니다.",
                 "en": "This page shows no images: only where each item was found and how far "
                       "its handling has come, as text. You do not need to open any of these "
                       "addresses yourself."},
    "me_none": {"ko": "지금은 보여 드릴 게시물이 없습니다. 새로 확인되는 것이 있으면 "
                      "정하신 방법으로 알려 드립니다.",
                "en": "There is nothing to show right now. If something is found and "
                      "confirmed, you will be told the way you chose."},
    "me_not_enrolled": {"ko": "아직 등록된 사진이 없어 찾고 있는 것이 없습니다. 담당자가 "
                              "다음 단계를 안내해 드립니다.",
                        "en": "No photos are enrolled yet, so nothing is being looked for. "
                              "Your caseworker will guide you through the next step."},
    "me_case_missing": {"ko": "사례를 찾을 수 없습니다. 담당자에게 문의해 주세요.",
                        "en": "Your case could not be found. Please contact your caseworker."},
    "me_case_ended": {"ko": "이 사례는 끝났고, 지킴이에 있던 회원님의 정보는 삭제되었습니다.",
                      "en": "This case has ended, and your information in jikimi was erased."},
    "status": {"ko": "진행 상황", "en": "Status"},
    "status_under_review": {"ko": "검토 중", "en": "Under review"},
    "status_under_review_next": {"ko": "운영자가 확인하고 있습니다. 사람이 먼저 살펴본 뒤에 알려 "
                                       "드립니다.",
                                 "en": "An operator is checking it. A person looks first, and "
                                       "you will be told what they find."},
    "status_confirmed": {"ko": "확인됨", "en": "Confirmed"},
    "status_confirmed_next": {"ko": "검토자가 확인했습니다. 운영자가 사이트에 삭제를 요청할 "
                                    "준비를 합니다.",
                              "en": "A reviewer confirmed it. Operators are preparing to ask "
                                    "the site to remove it."},
    "status_takedown_sent": {"ko": "삭제 요청함", "en": "Takedown sent"},
    "status_takedown_sent_next": {"ko": "사이트에 삭제를 요청했습니다. 답을 기다리고 있습니다.",
                                  "en": "The site was asked to remove it. We are waiting for "
                                        "its answer."},
    "status_refused": {"ko": "삭제 거절됨", "en": "Takedown refused"},
    "status_refused_next": {"ko": "사이트가 삭제를 거절했습니다. 담당자가 다른 방법을 함께 "
                                  "찾겠습니다.",
                            "en": "The site refused to remove it. Your caseworker will look "
                                  "for other ways with you."},
    "status_removed": {"ko": "삭제됨", "en": "Removed"},
    "status_removed_next": {"ko": "이 게시물은 삭제되었습니다.", "en": "It has been removed."},
    "unknown_site": {"ko": "알 수 없는 사이트", "en": "an unknown site"},
    "more_places": {"ko": "외 {n}곳", "en": "and {n} more places"},
    "korea_time": {"ko": "한국 시간", "en": "Korea time"},
    "not_me": {"ko": "본인이 아닙니다", "en": "This is not me"},
    "not_me_title": {"ko": "이 게시물이 본인이 아닌가요?", "en": "Is this not you?"},
    "not_me_explain": {"ko": "'본인이 아닙니다'를 누르시면 이 게시물은 목록에서 사라지고 "
                             "삭제 요청에서도 빠지며, 이 게시물에 대한 알림도 보내지 않습니다. "
                             "이 선택은 기록되고 운영자가 볼 수 있습니다. 잘못 누르셨다면 "
                             "담당자에게 알려 주세요.",
                       "en": "If you choose \"This is not me\", the item leaves your list and "
                             "the takedown requests, and no alert about it is sent. Your choice "
                             "is recorded and operators can see it. If you chose it by mistake, "
                             "tell your caseworker."},
    "not_me_yes": {"ko": "네, 본인이 아닙니다", "en": "Yes, this is not me"},
    "not_me_done": {"ko": "알려 주셔서 고맙습니다. 이 게시물을 목록에서 뺐습니다.",
                    "en": "Thank you for telling us. The item has left your list."},
    "go_back": {"ko": "돌아가기", "en": "Go back"},
    "support_title": {"ko": "도움받을 수 있는 곳", "en": "Where to get support"},
    "support_intro": {"ko": "혼자 감당하지 않으셔도 됩니다. 언제든 연락하세요.",
                      "en": "You do not have to carry this alone. You can reach out at any "
                            "time."},
    "prefs": {"ko": "알림 설정", "en": "Notification preferences"},
    "prefs_intro": {"ko": "확인된 게시물을 언제, 어떻게 알려 드릴지 정하실 수 있습니다. "
                          "주소는 등록할 때 적은 그대로이고, 여기서는 끄고 켤 수만 있습니다. "
                          "주소를 바꾸시려면 담당자에게 요청해 주세요.",
                    "en": "Choose when and how you are told about confirmed findings. The "
                          "addresses are the ones recorded when you enrolled; here you can "
                          "only switch them off and on. To change an address, ask your "
                          "caseworker."},
    "prefs_channels": {"ko": "알림 받을 곳", "en": "Where you are told"},
    "channel_email": {"ko": "이메일", "en": "E-mail"},
    "channel_webhook": {"ko": "웹훅 (연결된 서비스)", "en": "Webhook (a connected service)"},
    "prefs_no_channels": {"ko": "등록된 알림 주소가 없습니다. 알림을 받고 싶으시면 담당자에게 "
                                "요청해 주세요.",
                          "en": "No address for alerts was recorded. Ask your caseworker if "
                                "you would like to be told."},
    "prefs_mode": {"ko": "알림 방식", "en": "How often"},
    "mode_immediate": {"ko": "확인되는 대로 바로", "en": "As soon as something is confirmed"},
    "mode_digest": {"ko": "하루 한 번 모아서", "en": "Once a day, gathered into one message"},
    "digest_hour": {"ko": "모아 받을 시각", "en": "Time of the daily message"},
    "quiet": {"ko": "방해 금지 시간", "en": "Quiet hours"},
    "quiet_intro": {"ko": "이 시간에는 알림을 보내지 않고, 끝나면 기다리던 알림을 보내 드립니다.",
                    "en": "Nothing is sent during these hours; what waited is sent when they "
                          "end."},
    "quiet_start": {"ko": "시작", "en": "From"},
    "quiet_end": {"ko": "끝", "en": "Until"},
    "quiet_none": {"ko": "사용 안 함", "en": "None"},
    "timezone": {"ko": "시간대", "en": "Time zone"},
    "save": {"ko": "저장", "en": "Save"},
    "saved": {"ko": "저장했습니다. 다음 알림부터 적용됩니다.",
              "en": "Saved. It applies from the next alert on."},
    "prefs_invalid": {"ko": "설정을 저장하지 못했습니다. 고칠 점:",
                      "en": "The preferences were not saved. What to change:"},
    "withdraw": {"ko": "동의 철회 및 정보 삭제", "en": "Withdraw consent and erase my information"},
    "withdraw_word": {"ko": "삭제", "en": "DELETE"},
    "withdraw_type": {"ko": "계속하시려면 아래 칸에 {word} 라고 입력해 주세요.",
                      "en": "To go on, type {word} in the box below."},
    "withdraw_field": {"ko": "확인 단어", "en": "Confirmation word"},
    "withdraw_button": {"ko": "모두 삭제하고 로그아웃", "en": "Erase everything and sign out"},
    "withdraw_wrong": {"ko": "입력하신 단어가 맞지 않아 아무것도 삭제하지 않았습니다.",
                       "en": "The word did not match, so nothing was erased."},
    "withdrawn": {"ko": "삭제되었습니다", "en": "Erased"},
    "withdrawn_text": {"ko": "동의를 철회하셨고, 지킴이에 있던 회원님의 정보를 삭제했습니다. "
                             "로그아웃되었고 이 계정은 더 이상 쓸 수 없습니다. 다시 도움이 "
                             "필요하시면 언제든 담당자에게 연락해 주세요.",
                       "en": "You withdrew your consent, and your information in jikimi was "
                             "erased. You are signed out and this account no longer works. If "
                             "you need help again, contact your caseworker at any time."},
    "case_not_open": {"ko": "이 사례는 이미 끝났습니다.", "en": "This case has already ended."},
    "quiet_both": {"ko": "방해 금지 시간은 시작과 끝을 함께 골라 주세요.",
                   "en": "Choose both when quiet hours start and when they end."},
    "quiet_same": {"ko": "방해 금지 시간의 시작과 끝을 다르게 골라 주세요.",
                   "en": "Quiet hours need different start and end times."},
})


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
