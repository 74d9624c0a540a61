"""The words of enrollment on her own device (issue 16), Korean first, then English.

The statement that the photo stays on the device is shown in both languages whatever the
reader's language: it is what she must be able to trust, and a caseworker reading it with her
may read the other one. `PAGE_KEYS` are the words the page script needs; they travel in the
page as JSON (`enroll_form.html`), so the script holds no text of its own.
"""

from __future__ import annotations

DEVICE_TEXT: dict[str, dict[str, str]] = {
    "device_privacy": {
        "ko": "사진은 이 기기를 떠나지 않습니다. 이 기기 안에서 얼굴을 숫자(템플릿)로 바꾸고, "
              "그 숫자만 보냅니다. 숫자로는 사진을 되살릴 수 없습니다.",
        "en": "The photo never leaves this device. The face is turned into numbers (a "
              "template) here, on this device, and only those numbers are sent. The photo "
              "cannot be rebuilt from them."},
    "device_choose": {"ko": "사진 고르기 (1–5장)", "en": "Choose photos (1 to 5)"},
    "device_choose_hint": {"ko": "본인 한 사람의 얼굴이 정면으로 선명하게 나온 사진.",
                           "en": "Photos of her face alone, front-facing and sharp."},
    "device_selfie": {"ko": "휴대폰 카메라로 찍기", "en": "Take a photo with the phone's camera"},
    "device_camera_open": {"ko": "카메라 켜기", "en": "Turn the camera on"},
    "device_camera_shot": {"ko": "찍기", "en": "Take the photo"},
    "device_camera_close": {"ko": "카메라 끄기", "en": "Turn the camera off"},
    "device_camera_denied": {"ko": "카메라를 쓸 수 없습니다. 사진 고르기를 이용해 주세요.",
                             "en": "The camera cannot be used; choose photos instead."},
    "device_loading": {"ko": "얼굴 모델을 불러오는 중입니다. 처음 한 번은 시간이 걸릴 수 "
                             "있습니다…",
                       "en": "Loading the face model; the first time can take a while…"},
    "device_ready": {"ko": "준비되었습니다. 사진을 고르거나 찍어 주세요.",
                     "en": "Ready: choose or take photos."},
    "device_working": {"ko": "기기에서 얼굴을 확인하는 중…", "en": "Checking the face on this "
                                                           "device…"},
    "device_photo_ok": {"ko": "사용 가능", "en": "Usable"},
    "device_remove": {"ko": "빼기", "en": "Remove"},
    "device_too_many": {"ko": "사진은 5장까지입니다. 나머지는 빼 주세요.",
                        "en": "At most 5 photos; leave the others out."},
    "device_same_person_no": {
        "ko": "사진이 모두 같은 사람으로 보이지 않습니다. 한 사람의 사진만 남겨 주세요.",
        "en": "The photos do not all show the same person; keep photos of one person only."},
    "device_sending": {"ko": "숫자(템플릿)만 보내는 중…", "en": "Sending the templates only…"},
    "device_send": {"ko": "등록하기", "en": "Enroll"},
    "device_unavailable": {
        "ko": "이 기기에서 얼굴 모델을 쓸 수 없습니다. 아래의 '사진을 서버로 보내 등록하기'를 "
              "이용해 주세요.",
        "en": "The face model cannot run on this device. Use 'Send the photos to the server' "
              "below."},
    "device_unavailable_me": {
        "ko": "이 기기에서는 얼굴 모델을 쓸 수 없습니다. 다른 휴대폰이나 컴퓨터에서 다시 열거나, "
              "담당자에게 연락해 주세요.",
        "en": "The face model cannot run on this device. Open this page on another phone or "
              "computer, or contact your caseworker."},
    "device_offline": {"ko": "인터넷 연결이 없어 보내지 못했습니다. 연결된 뒤 다시 눌러 "
                             "주세요. 사진은 기기에 그대로 있습니다.",
                       "en": "No connection, nothing was sent. Press again once connected; "
                             "the photos are still on this device."},
    "device_failed": {"ko": "보내지 못했습니다.", "en": "Could not send."},
    "device_done_me": {"ko": "등록되었습니다. 이제부터 찾기 시작합니다. 확인된 결과만 "
                             "알려 드립니다.",
                       "en": "Enrolled. The search starts now; you are told only about "
                             "confirmed findings."},
    "device_computed_here": {"ko": "기기에서 계산됨 (사진은 보내지 않음)",
                             "en": "Computed on her device (no photo sent)"},
    "device_computed_server": {"ko": "서버에서 계산됨 (사진 업로드)",
                               "en": "Computed on the server (photos uploaded)"},
    "templates_from": {"ko": "얼굴 템플릿", "en": "Face templates"},
    "server_fallback": {"ko": "오래된 휴대폰: 사진을 서버로 보내 등록하기",
                        "en": "Older phones: send the photos to the server"},
    "server_fallback_note": {
        "ko": "이 방법은 사진 자체를 서버로 보냅니다. 서버는 사진을 메모리에서만 처리하고 "
              "저장하지 않지만, 가능하면 위의 기기 등록을 쓰세요.",
        "en": "This sends the photos themselves to the server. The server handles them in "
              "memory only and keeps nothing, but use the enrollment on the device above "
              "when you can."},
    "me_enroll": {"ko": "내 얼굴 등록하기", "en": "Enroll my face"},
    "me_enroll_intro": {
        "ko": "등록한 얼굴과 닮은 얼굴이 나오는 곳을 찾습니다. 본인 한 사람의 얼굴 사진 "
              "1–5장이 필요합니다.",
        "en": "Your enrolled face is what the search looks for. It needs 1 to 5 photos of "
              "your face alone."},
    "me_enroll_fallback": {
        "ko": "이 기기에서 되지 않으면 담당자에게 연락해 주세요. 함께 다른 방법으로 등록합니다.",
        "en": "If it does not work on this device, contact your caseworker: you will enroll "
              "another way together."},
    "me_enroll_name": {"ko": "이름 (암호화되어 저장되며 담당자만 봅니다)",
                       "en": "Name (stored encrypted; only your caseworker sees it)"},
}

# The words `static/enroll/page.js` shows, besides the verdict names (`verdict_*`).
PAGE_KEYS = (
    "device_loading", "device_ready", "device_working", "device_photo_ok", "device_remove",
    "device_too_many", "device_same_person_no", "device_sending", "device_unavailable",
    "device_unavailable_me",
    "device_offline", "device_failed", "device_camera_denied", "device_done_me",
    "enrolled_ok", "enroll_refused", "same_person_ok", "same_person_one", "same_person_no",
    "no_duplicate",
    "duplicate_found", "duplicate_allowed", "retro_hits", "retro_note", "open_in_queue",
    "webhook_secret", "webhook_secret_handover", "verdict_ok", "verdict_poor_quality",
    "verdict_repeated", "verdict_disagrees", "verdict_no_face", "verdict_several_faces",
    "verdict_unreadable", "photo", "verdict", "message", "checks", "retro_title",
    "device_computed_here", "me")
