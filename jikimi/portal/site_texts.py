"""The sites pages' words in Korean and English (merged into `jikimi.portal.i18n.TEXT`).

Field labels are `site_f_<field>`; validation messages are `site_e_<pydantic error type>` or,
for a validator's own check, `site_v_<field>`. A validator's English detail (it names the
offending value: a URL, a regex) is shown beside the translated message.
"""

from __future__ import annotations

SITE_TEXT: dict[str, dict[str, str]] = {
    "sites": {"ko": "사이트", "en": "Sites"},
    "sites_hint": {"ko": "수집 대상 사이트입니다. 일시 중지된 사이트는 예약 수집에서 빠집니다.",
                   "en": "The sites jikimi crawls. A paused site gets no scheduled crawl."},
    "no_sites": {"ko": "아직 사이트가 없습니다.", "en": "No sites yet."},
    "site_add": {"ko": "사이트 추가", "en": "Add a site"},
    "site_edit": {"ko": "사이트 수정", "en": "Edit site"},
    "site_save": {"ko": "저장", "en": "Save"},
    "site_saved": {"ko": "저장했습니다.", "en": "Saved."},
    "site_unchanged": {"ko": "바뀐 내용이 없습니다.", "en": "Nothing changed."},
    "site_changed_fields": {"ko": "바뀐 항목", "en": "Changed"},
    "site_pause": {"ko": "일시 중지", "en": "Pause"},
    "site_resume": {"ko": "다시 시작", "en": "Resume"},
    "site_paused": {"ko": "일시 중지됨", "en": "Paused"},
    "site_active": {"ko": "수집 중", "en": "Active"},
    "site_paused_by": {"ko": "중지한 계정", "en": "Paused by"},
    "site_broken": {"ko": "파일을 읽을 수 없습니다", "en": "The file does not load"},
    "site_last_crawl": {"ko": "마지막 수집", "en": "Last crawl"},
    "site_never": {"ko": "아직 없음", "en": "Not yet"},
    "site_pages": {"ko": "페이지", "en": "Pages"},
    "site_errors": {"ko": "오류", "en": "Errors"},
    "site_new_media": {"ko": "새 미디어 (7일)", "en": "New media (7 days)"},
    "site_per_day": {"ko": "일별", "en": "per day"},
    "site_schedule_paused": {"ko": "예약 없음 (일시 중지)", "en": "No schedule (paused)"},
    "site_resume_admin": {"ko": "다시 시작은 관리자만 할 수 있습니다.",
                          "en": "Only an admin can resume a site."},
    "site_roles": {"ko": "추가와 수정, 다시 시작은 관리자가 합니다. 운영자는 일시 중지할 수 "
                         "있습니다.",
                   "en": "Admins add, edit and resume sites; operators may pause one."},
    "site_start_paused": {"ko": "일시 중지된 상태로 추가", "en": "Add it paused"},
    "site_lines": {"ko": "한 줄에 하나씩", "en": "one per line"},
    "site_default_limit": {"ko": "비워 두면 기본값", "en": "empty: the deployment's default"},
    "site_auth": {"ko": "로그인이 필요한 사이트 (비밀값의 위치)",
                  "en": "Login-walled site (where the secrets are)"},
    "site_auth_hint": {"ko": "비밀값 자체가 아니라 그 값을 담은 환경 변수 이름이나 파일 경로를 "
                             "적습니다. 값은 수집할 때만 읽고, 어디에도 보이거나 기록되지 "
                             "않습니다.",
                       "en": "Name the environment variable or file that holds each secret, "
                             "never the secret itself: it is read only when the crawl starts "
                             "and never shown or logged."},
    "site_headers": {"ko": "추가 HTTP 헤더", "en": "Extra HTTP headers"},
    "site_headers_hint": {"ko": "헤더 값은 저장 후 다시 보이지 않습니다. 쿠키나 토큰 같은 "
                                "비밀값은 헤더가 아니라 위의 '비밀값의 위치'에 넣으세요.",
                          "en": "Header values are not shown again once saved. Put cookies, "
                                "tokens and other secrets in the secrets' location above, not "
                                "in headers."},
    "site_headers_keep": {"ko": "유지 (값은 숨김)", "en": "keep (value hidden)"},
    "site_headers_new": {"ko": "새 헤더 (이름: 값, 한 줄에 하나씩)",
                         "en": "New headers (Name: value, one per line)"},
    "site_name_fixed": {"ko": "이름은 바꿀 수 없습니다 (목격 기록과 통계, 예약 작업이 이름으로 "
                              "연결됩니다).",
                        "en": "The name cannot change (sightings, statistics and the scheduled "
                              "job are keyed by it)."},
    "site_invalid": {"ko": "고칠 곳이 있어 저장하지 않았습니다.",
                     "en": "Nothing was saved: some fields need fixing."},
    "site_stale": {"ko": "그 사이에 다른 사람이 이 사이트를 바꿨습니다. 다시 열어 확인해 주세요.",
                   "en": "Someone changed this site meanwhile. Open it again and check."},
    "site_exists": {"ko": "같은 이름의 사이트가 이미 있습니다.",
                    "en": "A site with this name exists."},
    "site_none": {"ko": "(없음)", "en": "(none)"},
}

FIELD_LABELS: dict[str, dict[str, str]] = {
    "name": {"ko": "이름", "en": "Name"},
    "kind": {"ko": "종류", "en": "Kind"},
    "start_urls": {"ko": "시작 주소", "en": "Start URLs"},
    "channels": {"ko": "텔레그램 공개 채널", "en": "Telegram public channels"},
    "base_url": {"ko": "텔레그램 기본 주소", "en": "Telegram base URL"},
    "allowed_domains": {"ko": "허용 도메인", "en": "Allowed domains"},
    "follow": {"ko": "따라갈 링크 (정규식)", "en": "Links to follow (regex)"},
    "deny": {"ko": "제외할 주소 (정규식)", "en": "URLs to leave out (regex)"},
    "max_depth": {"ko": "최대 깊이", "en": "Max depth"},
    "max_pages": {"ko": "최대 페이지 수", "en": "Max pages"},
    "schedule": {"ko": "수집 일정 (cron, UTC)", "en": "Schedule (cron, UTC)"},
    "robots": {"ko": "robots.txt", "en": "robots.txt"},
    "concurrency": {"ko": "동시 요청 수", "en": "Concurrency"},
    "delay": {"ko": "요청 간격 (초)", "en": "Delay (seconds)"},
    "render": {"ko": "페이지 렌더링", "en": "Rendering"},
    "render_timeout": {"ko": "렌더링 제한 시간 (초)", "en": "Render timeout (seconds)"},
    "template": {"ko": "게시판 엔진", "en": "Forum engine"},
    "auth": {"ko": "비밀값의 위치", "en": "Where the secrets are"},
    "headers": {"ko": "HTTP 헤더", "en": "HTTP headers"},
    "paused": {"ko": "일시 중지", "en": "Paused"},
}
SITE_TEXT.update({f"site_f_{k}": v for k, v in FIELD_LABELS.items()})

SITE_TEXT.update({
    "site_e_missing": {"ko": "꼭 적어야 합니다.", "en": "Required."},
    "site_e_int_parsing": {"ko": "정수를 적어 주세요.", "en": "Give a whole number."},
    "site_e_int_from_float": {"ko": "정수를 적어 주세요.", "en": "Give a whole number."},
    "site_e_float_parsing": {"ko": "숫자를 적어 주세요.", "en": "Give a number."},
    "site_e_greater_than_equal": {"ko": "{ge} 이상이어야 합니다.", "en": "At least {ge}."},
    "site_e_greater_than": {"ko": "{gt}보다 커야 합니다.", "en": "More than {gt}."},
    "site_e_less_than_equal": {"ko": "{le} 이하여야 합니다.", "en": "At most {le}."},
    "site_e_literal_error": {"ko": "고를 수 있는 값이 아닙니다.", "en": "Not one of the choices."},
    "site_e_string_type": {"ko": "글자로 적어 주세요.", "en": "Give text."},
    "site_e_rename": {"ko": "이름은 바꿀 수 없습니다. 새 사이트를 추가하고 이 사이트는 일시 "
                            "중지하세요.",
                      "en": "A site keeps its name: add a new site and pause this one."},
    "site_e_pause_action": {"ko": "일시 중지와 다시 시작은 목록의 버튼으로 합니다.",
                            "en": "Pause and resume with the buttons on the list."},
    "site_e_exists": {"ko": "같은 이름의 사이트가 이미 있습니다.",
                      "en": "A site with this name exists."},
    "site_e_header_line": {"ko": "'이름: 값' 형식으로 적어 주세요.",
                           "en": "Write each header as 'Name: value'."},
    "site_v_name": {"ko": "영문자, 숫자, '.', '_', '-'만 쓸 수 있습니다 (100자 이내).",
                    "en": "Letters, digits, '.', '_' or '-' only (at most 100)."},
    "site_v_start_urls": {"ko": "호스트가 있는 http(s) 주소를 하나 이상 적어 주세요.",
                          "en": "Give at least one http(s) URL with a host."},
    "site_v_channels": {"ko": "텔레그램 사이트에는 공개 채널 이름 (영문자로 시작, 4–64자)이 "
                              "필요합니다. 웹 사이트에는 적지 않습니다.",
                        "en": "A telegram site needs public channel names (a letter first, 4 "
                              "to 64); a web site has none."},
    "site_v_follow": {"ko": "정규식이 올바르지 않습니다.", "en": "Not a valid regex."},
    "site_v_deny": {"ko": "정규식이 올바르지 않습니다.", "en": "Not a valid regex."},
    "site_v_schedule": {"ko": "cron 형식이 아닙니다 (분 시 일 월 요일, 예: 0 */6 * * *).",
                        "en": "Not a cron schedule (minute hour day month weekday, e.g. "
                              "0 */6 * * *)."},
    "site_v_auth": {"ko": "환경 변수나 파일을 하나 이상 적어 주세요.",
                    "en": "Name at least one environment variable or file."},
})
