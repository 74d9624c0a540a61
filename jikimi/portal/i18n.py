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
