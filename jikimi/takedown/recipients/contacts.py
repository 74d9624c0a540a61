"""From the abuse entities of an RDAP record to `Contact`s, with a problem line for each
address that cannot be written to (none given, a placeholder), and the regulator from settings.

Problems are sentences a takedown team reads next to the recipients ("no abuse contact in IP
RDAP for 192.0.2.10 (whois.arin.net)"), so each names the lookup and who answered it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jikimi.takedown.recipients.answers import AbuseEntity, RdapRecord
from jikimi.takedown.recipients.placeholders import placeholder_reason
from kernel.settings_takedown import TakedownSettings
from kernel.takedown import Contact, ContactRole


@dataclass
class Findings:
    """What one lookup (an address, a domain) added to a host's recipients."""

    contacts: list[Contact] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    front: str | None = None


def abuse_contacts(record: RdapRecord, entities: tuple[AbuseEntity, ...], role: ContactRole,
                   what: str, note: str = "") -> Findings:
    """One contact per address of `entities` (or one without address when there is none);
    `what` names the lookup in problem lines ("IP RDAP for 192.0.2.10")."""
    found = Findings()
    holder = record.holders[0] if record.holders else record.name
    if not entities:
        found.contacts.append(Contact(role, None, holder, record.url, note=note))
        found.problems.append(f"no abuse contact in {what} ({record.registry})")
    for entity in entities:
        organisation = entity.parent_name or holder or entity.name
        if not entity.emails:
            found.contacts.append(Contact(role, None, organisation, record.url, note=note))
            found.problems.append(f"abuse contact without an e-mail address in {what} "
                                  f"({record.registry})")
        for email in entity.emails:
            reason = placeholder_reason(email)
            found.contacts.append(Contact(role, email, organisation, record.url,
                                          placeholder=reason is not None, note=note))
            if reason:
                found.problems.append(f"placeholder abuse address in {what} "
                                      f"({record.registry}): {email[:80]!r} ({reason})")
    return found


def regulator_contact(settings: TakedownSettings) -> Contact | None:
    """The last escalation step, from settings; None when no regulator is configured. An empty
    e-mail gives an unusable contact (reported when a notice would go to it)."""
    if not settings.regulator_name and not settings.regulator_email:
        return None
    note = "" if settings.regulator_email else "no e-mail set (takedown.regulator_email)"
    return Contact("regulator", settings.regulator_email or None, settings.regulator_name,
                   "settings", note=note)
