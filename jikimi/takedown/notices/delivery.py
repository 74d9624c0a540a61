"""Takedown notices as e-mail: the .eml, the files a team reviews, sending, and the record of it.

Each notice is one plain-text UTF-8 e-mail holding every language of the letter (the recipient's
likely language first), with no attachment, so no image or video can ride along. `write_notices`
lays them out for review before anything is sent (`<host>/<step>-<n>.<lang>.txt` and `.eml`,
plus `index.json`, which names recipients and items but no person). `send_notices` goes through
the SMTP server of the `alerts` section (`jikimi.mail`), one connection per notice, so one refused
recipient or a server that is down is one failed notice and the others still go.
`record_sent_notices` writes the audit event and marks the items sent; `on_sent` is where the
caller records each sent notice's address on its items (`record_sent_to`, being added to
`jikimi.takedown.batches`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path

from jikimi.mail import SMTP_ERRORS, describe_smtp_error, send_mail
from jikimi.takedown.marks import record_sent
from jikimi.takedown.notices.render import NoRecipient, Notice, Sender
from kernel.errors import ConfigError
from kernel.ports import Store
from kernel.records import AuditEvent, utcnow
from kernel.settings import AlertSettings

LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}


def to_eml(notice: Notice, sender: Sender | None = None) -> bytes:
    """The notice as an RFC 5322 message: text/plain UTF-8, every language in one body."""
    return compose(notice, sender).as_bytes()


def compose(notice: Notice, sender: Sender | None = None) -> EmailMessage:
    who = sender or notice.sender
    mail = EmailMessage()
    mail["From"] = formataddr((who.organisation or who.name, who.email))
    mail["To"] = notice.contact.email or ""
    mail["Reply-To"] = who.email
    mail["Subject"] = notice.subject
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = notice.message_id
    mail["X-Jikimi-Takedown-Batch"] = notice.batch_id
    parts = []
    for lang in notice.languages:
        rule = f"----- {LANGUAGE_NAMES.get(lang, lang)} -----"
        parts.append(f"{rule}\n\n{notice.texts[lang]}" if len(notice.languages) > 1
                     else notice.texts[lang])
    mail.set_content("\n\n".join(parts), subtype="plain", charset="utf-8")
    return mail


def write_notices(notices: Sequence[Notice], out_dir: Path, *,
                  no_recipient: Sequence[NoRecipient] = ()) -> list[Path]:
    """Write each notice's letters and .eml under `out_dir`, and `index.json`; the paths."""
    written: list[Path] = []
    index = []
    for notice in notices:
        folder = out_dir / safe_name(notice.host)
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{notice.step}-{notice.number}"
        files = []
        for lang in notice.languages:
            path = folder / f"{stem}.{lang}.txt"
            path.write_text(notice.texts[lang], encoding="utf-8")
            files.append(path)
        eml = folder / f"{stem}.eml"
        eml.write_bytes(to_eml(notice))
        files.append(eml)
        written.extend(files)
        index.append({
            "host": notice.host, "step": notice.step, "number": notice.number,
            "recipient": notice.contact.email, "organisation": notice.contact.organisation,
            "role": notice.contact.role, "front": notice.front,
            "languages": list(notice.languages), "legal_basis": notice.legal_basis,
            "subject": notice.subject, "message_id": notice.message_id,
            "items": list(notice.item_ids),
            "files": [str(p.relative_to(out_dir)) for p in files],
        })
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.json"
    doc = {
        "batch_id": notices[0].batch_id if notices else
        (no_recipient[0].batch_id if no_recipient else ""),
        "generated_at": utcnow().isoformat(), "notices": index,
        "no_recipient": [{"host": n.host, "step": n.step, "items": list(n.item_ids),
                          "problems": list(n.problems)} for n in no_recipient],
    }
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    written.append(path)
    return written


def safe_name(host: str) -> str:
    """A host as one folder name (hosts are already [a-z0-9.-]; anything else becomes _)."""
    name = re.sub(r"[^A-Za-z0-9.-]", "_", host)
    return "_" if name.strip(".") == "" else name


@dataclass(frozen=True)
class SentNotice:
    """What became of sending one notice: `sent_at` when the server accepted it, else `error`
    (one line, without the address)."""

    notice: Notice
    recipient: str
    message_id: str
    sent_at: datetime | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.sent_at is not None


def send_notices(notices: Sequence[Notice], alert_settings: AlertSettings,
                 sender: Sender | None = None) -> list[SentNotice]:
    """Send each notice through the configured SMTP server; one result per notice, in order.
    ConfigError when no SMTP server is configured (nothing is tried)."""
    if not alert_settings.smtp_host:
        raise ConfigError("alerts.smtp_host is not set: notices cannot be sent")
    results = []
    for notice in notices:
        recipient = notice.contact.email or ""
        try:
            send_mail(alert_settings, compose(notice, sender))
        except SMTP_ERRORS as exc:
            results.append(SentNotice(notice, recipient, notice.message_id,
                                      error=describe_smtp_error(exc, recipient)))
        else:
            results.append(SentNotice(notice, recipient, notice.message_id, sent_at=utcnow()))
    return results


def notices_audit_detail(sent: SentNotice) -> dict[str, object]:
    notice = sent.notice
    detail: dict[str, object] = {"host": notice.host, "step": notice.step,
                                 "recipient": sent.recipient, "message_id": sent.message_id,
                                 "items": list(notice.item_ids)}
    if sent.error:
        detail["error"] = sent.error
    return detail


def record_sent_notices(store: Store, sent: Sequence[SentNotice], actor: str, *,
                        on_sent: Callable[[SentNotice], None] | None = None) -> int:
    """Audit every send (`takedown.notice_sent` / `takedown.notice_failed`, subject: the batch),
    mark each item of a sent notice "sent" at its send time with the address and step it went
    to (`jikimi.takedown.batches.record_sent`), then call `on_sent` with it. Returns how many
    notices were sent."""
    count = 0
    for one in sent:
        action = "takedown.notice_sent" if one.ok else "takedown.notice_failed"
        store.record_audit(AuditEvent(action=action, actor=actor, subject=one.notice.batch_id,
                                      detail=notices_audit_detail(one)))
        if not one.ok:
            continue
        for item_id in one.notice.item_ids:
            record_sent(store, item_id, one.recipient, one.notice.step, actor, one.sent_at)
        if on_sent is not None:
            on_sent(one)
        count += 1
    return count
