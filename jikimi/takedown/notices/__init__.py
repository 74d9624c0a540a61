"""Takedown notices: letters per recipient (Korean and English, a legal basis per batch), their
.eml, sending through the configured SMTP server, and the record of what was sent.

`render` builds the letters from templates and the batch's recipients; `delivery` writes, sends
and records them. Nothing in a notice names or contacts the person depicted, and no media is
ever attached.
"""

from jikimi.takedown.notices.delivery import (
    SentNotice,
    compose,
    notices_audit_detail,
    record_sent_notices,
    send_notices,
    to_eml,
    write_notices,
)
from jikimi.takedown.notices.render import (
    NoRecipient,
    Notice,
    NoticeItem,
    NoticePlan,
    Sender,
    build_notices,
    known_languages,
    known_legal_bases,
)

__all__ = ["Notice", "NoticeItem", "NoticePlan", "NoRecipient", "Sender", "SentNotice",
           "build_notices", "compose", "known_languages", "known_legal_bases",
           "notices_audit_detail", "record_sent_notices", "send_notices", "to_eml",
           "write_notices"]
