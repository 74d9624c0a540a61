"""The portal's words in Korean (first: most people it serves read Korean) and English.

One table, keyed by a short name; a page asks for `t("key")` in the reader's language, chosen by
`?lang=` (remembered in a cookie) or else the browser's Accept-Language. A key missing in one
language falls back to the other, so a page never shows a bare key.
"""

from __future__ import annotations

from jikimi.portal.device_texts import DEVICE_TEXT
from jikimi.portal.site_texts import SITE_TEXT

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
    "acknowledged": {"ko": "접수 확인됨", "en": "Acknowledged"},
    "removed": {"ko": "삭제됨", "en": "Removed"},
    "refused": {"ko": "거절됨", "en": "Refused"},
    "mark_sent": {"ko": "요청함으로 기록", "en": "Mark sent"},
    "mark_acknowledged": {"ko": "접수 확인으로 기록", "en": "Mark acknowledged"},
    "recipients": {"ko": "받는 곳", "en": "Recipients"},
    "looked_up": {"ko": "받는 곳을 다시 찾았습니다.", "en": "Recipients looked up again."},
    "legal_basis": {"ko": "법적 근거", "en": "Legal basis"},
    "basis_kr": {"ko": "한국 (성폭력처벌법 제14조의2, 전기통신사업법 제22조의5)",
                 "en": "Korea (Sexual Violence Punishment Act 14-2, Telecommunications "
                       "Business Act 22-5)"},
    "basis_us-take-it-down": {"ko": "미국 TAKE IT DOWN Act (48시간 내 삭제)",
                              "en": "US TAKE IT DOWN Act (removal within 48 hours)"},
    "basis_platform-policy": {"ko": "플랫폼 자체 정책", "en": "The platform's own policy"},
    "behind": {"ko": "중계:", "en": "behind"},
    "role_hosting": {"ko": "호스팅", "en": "Hosting"},
    "role_registrar": {"ko": "도메인 등록기관", "en": "Registrar"},
    "role_cdn": {"ko": "CDN", "en": "CDN"},
    "role_regulator": {"ko": "심의기관", "en": "Regulator"},
    "no_recipient": {"ko": "보낼 곳을 찾지 못했습니다.", "en": "No recipient found."},
    "look_up": {"ko": "받는 곳 다시 찾기 (RDAP)", "en": "Look up recipients again (RDAP)"},
    "notices": {"ko": "삭제 요청서", "en": "Notices"},
    "notices_hint": {"ko": "요청서에는 피해자의 이름과 연락처, 이미지가 들어가지 않습니다.",
                     "en": "Notices never carry the person's name, contacts or images."},
    "notices_zip": {"ko": "요청서 내려받기", "en": "Download notices"},
    "notices_sent": {"ko": "보낸 요청서", "en": "Notices sent"},
    "notices_failed": {"ko": "보내지 못함", "en": "failed"},
    "send_notices": {"ko": "호스팅 사업자에게 요청서 보내기", "en": "Send notices to hosts"},
    "bundle_evidence": {"ko": "증거 묶음 만들기 (WARC)", "en": "Bundle the evidence (WARC)"},
    "bundled": {"ko": "증거로 보관한 URL", "en": "URLs captured as evidence"},
    "bundle_failed": {"ko": "보관하지 못함", "en": "failed"},
    "step_hosting": {"ko": "호스팅", "en": "host"},
    "step_registrar": {"ko": "등록기관", "en": "registrar"},
    "step_regulator": {"ko": "심의기관", "en": "regulator"},
    "sent_to": {"ko": "보낸 곳", "en": "Sent to"},
    "last_check": {"ko": "마지막 확인", "en": "Last check"},
    "check_gone": {"ko": "없어짐", "en": "gone"},
    "check_same": {"ko": "그대로 있음", "en": "still up"},
    "check_changed": {"ko": "바뀜", "en": "changed"},
    "check_unreachable": {"ko": "접속 안 됨", "en": "unreachable"},
    "origin": {"ko": "출처", "en": "Origin"},
    "follow_up": {"ko": "삭제 여부 확인", "en": "Follow-up"},
    "follow_up_hint": {"ko": "요청한 URL을 매일 밤 다시 확인합니다. 없어졌으면 삭제됨으로, "
                                "답이 없으면 다음 받는 곳(등록기관, 심의기관)으로 넘깁니다.",
                       "en": "Every sent URL is checked again each night: gone ones are marked "
                             "removed, unanswered ones move on to the registrar, then the "
                             "regulator."},
    "recheck_now": {"ko": "지금 다시 확인", "en": "Check again now"},
    "rechecked": {"ko": "확인한 URL", "en": "URLs checked"},
    "came_back": {"ko": "다시 올라옴", "en": "came back"},
    "escalated_count": {"ko": "다음 단계로", "en": "escalated"},
    "reupload": {"ko": "재업로드 (자동 확인)", "en": "Re-upload (confirmed by family)"},
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

# issue 12: the takedown report, per host and per site. Counts and times only: no names.
TEXT.update({
    "takedown_report": {"ko": "삭제 요청 현황", "en": "Takedown report"},
    "report_hint": {"ko": "호스트와 사이트마다 요청이 어떻게 처리되고 있는지 보여 줍니다. "
                          "답이 없거나 거절하는 곳은 다음 단계로 요청하세요.",
                    "en": "How notices fare per host and per site. Where nobody answers or "
                          "notices are refused, escalate."},
    "report_made": {"ko": "기준 시각", "en": "As of"},
    "no_takedowns": {"ko": "아직 삭제 요청 항목이 없습니다.", "en": "No takedown items yet."},
    "totals": {"ko": "전체 합계", "en": "All hosts and sites"},
    "by_host": {"ko": "호스트별", "en": "By host"},
    "by_site": {"ko": "사이트별", "en": "By site"},
    "sent_total": {"ko": "요청 보낸 항목", "en": "Notices sent"},
    "still_up": {"ko": "아직 게시 중 (처리 기다림)", "en": "Still up (awaiting removal)"},
    "reuploads": {"ko": "재업로드", "en": "Re-uploads"},
    "median_removal": {"ko": "삭제까지 걸린 시간 (중앙값)", "en": "Time to removal (median)"},
    "refusal_rate": {"ko": "거절 비율", "en": "Refusal rate"},
    "oldest_unanswered": {"ko": "가장 오래 답 없는 요청", "en": "Oldest unanswered notice"},
    "hours_n": {"ko": "{n}시간", "en": "{n} h"},
    "days_n": {"ko": "{n}일", "en": "{n} days"},
})

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


# --- Cases and consented intake (issue 11): /cases, enrollment, her account -------------------
TEXT.update({
    "cases": {"ko": "사례", "en": "Cases"},
    "cases_hint": {"ko": "이름과 연락처는 목록에 나오지 않습니다. 열람은 모두 기록됩니다.",
                   "en": "Names and contacts are never listed. Every read is recorded."},
    "no_cases": {"ko": "아직 사례가 없습니다.", "en": "No cases yet."},
    "created": {"ko": "열린 시각", "en": "Opened"},
    "verified_by": {"ko": "본인 확인", "en": "Verified by"},
    "verified_by_you": {"ko": "본인 확인을 한 담당자로 로그인한 계정이 기록됩니다.",
                        "en": "You, the signed-in operator, are recorded as having verified "
                              "who she is."},
    "method": {"ko": "확인 방법", "en": "Verification method"},
    "method_in-person": {"ko": "대면 확인", "en": "In person"},
    "method_video-call": {"ko": "화상 통화", "en": "Video call"},
    "method_partner-referral": {"ko": "협력 기관 의뢰", "en": "Partner referral"},
    "method_cli-operator": {"ko": "서버 명령줄", "en": "Server command line"},
    "consent_version": {"ko": "동의서", "en": "Consent"},
    "consent_text": {"ko": "동의서 전문", "en": "Consent text"},
    "consent_channel": {"ko": "동의 경로", "en": "Consent channel"},
    "channel_portal": {"ko": "포털", "en": "Portal"},
    "channel_in-person": {"ko": "대면", "en": "In person"},
    "channel_paper": {"ko": "서면", "en": "Paper"},
    "channel_video-call": {"ko": "화상 통화", "en": "Video call"},
    "channel_phone": {"ko": "전화", "en": "Phone"},
    "channel_cli": {"ko": "서버 명령줄", "en": "Command line"},
    "consent_accepted": {"ko": "본인이 위 동의서에 동의했습니다",
                         "en": "She accepted this consent text"},
    "consent_not_confirmed": {"ko": "본인이 동의서에 동의했는지 확인해 주세요.",
                              "en": "Confirm that she accepted the consent text."},
    "case_fields_missing": {"ko": "확인 방법과 동의 경로를 골라 주세요.",
                            "en": "Choose the verification method and the consent channel."},
    "note_hint": {"ko": "예: 협력 기관의 사례 번호. 신분증 번호는 적지 마세요.",
                  "en": "e.g. a partner's case number; never an ID number."},
    "case_open": {"ko": "새 사례 열기", "en": "Open a case"},
    "case_opened": {"ko": "사례가 열렸습니다.", "en": "The case is open."},
    "status_open": {"ko": "진행 중", "en": "Open"},
    "status_withdrawn": {"ko": "철회됨", "en": "Withdrawn"},
    "status_closed": {"ko": "종료됨", "en": "Closed"},
    "enrolled": {"ko": "등록", "en": "Enrolled"},
    "open_in_queue": {"ko": "검토 대기열에서 보기", "en": "See in the review queue"},
    "name": {"ko": "이름", "en": "Name"},
    "email": {"ko": "이메일", "en": "E-mail"},
    "webhook": {"ko": "웹훅", "en": "Webhook"},
    "contacts": {"ko": "연락처", "en": "Contacts"},
    "reveal": {"ko": "이름과 연락처 보기 (기록됨)", "en": "Reveal name and contacts (recorded)"},
    "enroll": {"ko": "얼굴 등록", "en": "Enroll her face"},
    "enroll_name": {"ko": "이름 (암호화되어 저장)", "en": "Name (stored encrypted)"},
    "email_optional": {"ko": "이메일 (선택)", "en": "E-mail (optional)"},
    "webhook_optional": {"ko": "웹훅 주소 (선택)", "en": "Webhook URL (optional)"},
    "email_outbox_only": {"ko": "메일 서버 없음: 담당자가 보관함의 알림을 직접 전달합니다",
                          "en": "No mail server: operators forward alerts from the outbox "
                                "by hand"},
    "photos": {"ko": "사진", "en": "Photos"},
    "photos_hint": {"ko": "1–5장. 본인 한 사람의 얼굴이 정면으로 선명하게 나온 사진. 사진은 "
                          "메모리에서만 처리되어 템플릿이 된 뒤 버려지며, 디스크에 저장되지 "
                          "않습니다.",
                    "en": "1 to 5 photos of her face alone, front-facing and sharp. They are "
                          "handled in memory only, discarded once templated, never written "
                          "to disk."},
    "allow_duplicate": {"ko": "다른 사람임을 확인했습니다. 그래도 등록합니다 (기록됨). 사진을 "
                              "다시 골라 주세요.",
                        "en": "I checked that they are different people: enroll anyway "
                              "(recorded). Choose the photos again."},
    "photo": {"ko": "사진", "en": "Photo"},
    "verdict": {"ko": "판정", "en": "Verdict"},
    "verdict_ok": {"ko": "사용 가능", "en": "Usable"},
    "verdict_unopenable": {"ko": "열 수 없음", "en": "Cannot open"},
    "verdict_unreadable": {"ko": "읽을 수 없음", "en": "Unreadable"},
    "verdict_no_face": {"ko": "얼굴 없음", "en": "No face"},
    "verdict_several_faces": {"ko": "얼굴 여러 개", "en": "Several faces"},
    "verdict_poor_quality": {"ko": "품질 부족", "en": "Poor quality"},
    "verdict_repeated": {"ko": "같은 사진 반복", "en": "Same photo twice"},
    "verdict_disagrees": {"ko": "다른 사람으로 보임", "en": "Another person?"},
    "message": {"ko": "안내", "en": "Message"},
    "checks": {"ko": "확인 결과", "en": "Checks"},
    "enrolled_ok": {"ko": "등록되었습니다", "en": "Enrolled"},
    "webhook_secret": {"ko": "웹훅 서명 비밀값", "en": "Webhook signing secret"},
    "webhook_secret_handover": {
        "ko": "이 값은 지금 한 번만 보입니다. 웹훅을 받는 곳에 안전하게 전달하세요 "
              "(X-Jikimi-Signature 확인용). 잃어버리면 새로 발급해야 합니다 (jikimi contacts "
              "webhook-secret --rotate).",
        "en": "Shown only now, once. Hand it safely to the webhook's receiver, which checks "
              "X-Jikimi-Signature with it. If it is lost, issue a new one (jikimi contacts "
              "webhook-secret --rotate)."},
    "enroll_refused": {"ko": "등록되지 않았습니다", "en": "Not enrolled"},
    "enroll_again": {"ko": "다시 등록", "en": "Enroll again"},
    "no_usable_photo": {"ko": "사용할 수 있는 사진이 없습니다.",
                        "en": "No photo is usable."},
    "same_person_ok": {"ko": "사용 가능한 사진 {n}장이 모두 같은 사람입니다.",
                       "en": "All {n} usable photos show the same person."},
    "same_person_one": {"ko": "사용 가능한 사진이 1장이라 서로 비교하지 않았습니다.",
                        "en": "One usable photo: nothing to compare it with."},
    "same_person_no": {"ko": "사진이 모두 같은 사람으로 보이지 않습니다.",
                       "en": "The photos do not all show the same person."},
    "no_duplicate": {"ko": "이미 등록된 사람 중 닮은 얼굴이 없습니다.",
                     "en": "Nobody already enrolled looks like her."},
    "duplicate_found": {"ko": "이미 등록된 사람과 닮았습니다. 담당자 확인이 필요합니다:",
                        "en": "She looks like someone already enrolled; an operator must "
                              "check:"},
    "duplicate_hint": {"ko": "같은 사람이면 그 사례를 쓰세요. 다른 사람(예: 쌍둥이)임을 확인했다면 "
                             "아래에서 확인란을 고르고 사진을 다시 올리세요.",
                       "en": "If she is the same person, use her case. If you checked that "
                             "they are different people (e.g. twins), tick the box below and "
                             "upload the photos again."},
    "duplicate_allowed": {"ko": "닮은 사람이 있었으나 담당자 확인 후 허용됨 (기록됨)",
                          "en": "Looked like someone enrolled; allowed after checking "
                                "(recorded)"},
    "retro_title": {"ko": "이미 수집된 자료 검색", "en": "Search of what was already collected"},
    "retro_hits": {"ko": "검토를 기다리는 항목: {n}건", "en": "Hits now waiting for review: {n}"},
    "retro_note": {"ko": "검토 전에는 아무에게도 알리지 않습니다. 담당자가 확인한 뒤에만 "
                         "본인에게 알림이 갑니다.",
                   "en": "Nobody is alerted before review: she is told only once an operator "
                         "confirms a hit."},
    "retro_alerts": {"ko": "정책(strong_direct)에 따라 검토 전 알림 {n}건이 보내졌습니다.",
                     "en": "{n} alerts went out before review (policy strong_direct)."},
    "invite": {"ko": "본인 계정 만들기", "en": "Create her account"},
    "invite_hint": {"ko": "본인이 쓸 아이디를 정하세요. 처음 비밀번호는 시스템이 정하고 한 번만 "
                          "보여 줍니다.",
                    "en": "Choose her username. The system draws a first password and shows "
                          "it once."},
    "invite_exists": {"ko": "이 사례에는 이미 본인 계정이 있습니다. 비밀번호를 잃어버렸다면 "
                            "관리자가 새로 정합니다.",
                      "en": "This case already has her account. If she lost the password, "
                            "an admin sets a new one."},
    "invite_done": {"ko": "본인 계정이 만들어졌습니다", "en": "Her account was created"},
    "invite_password": {"ko": "처음 비밀번호", "en": "First password"},
    "invite_handover": {"ko": "이 비밀번호는 지금 한 번만 보입니다. 직접 만나서 전달하세요. "
                              "이메일, 문자, 메신저로 보내지 마세요. 잃어버리면 관리자가 새로 "
                              "정해야 합니다.",
                        "en": "This password is shown only now. Hand it to her in person; "
                              "never send it by e-mail, text or messenger. If it is lost, an "
                              "admin sets a new one."},
    "back_to_case": {"ko": "사례로 돌아가기", "en": "Back to the case"},
    "back": {"ko": "돌아가기", "en": "Back"},
})

TEXT.update(SITE_TEXT)  # sites (issue 14): /sites, jikimi/portal/site_pages.py
TEXT.update(DEVICE_TEXT)  # enrollment on her device (issue 16): jikimi/portal/device_enroll.py
