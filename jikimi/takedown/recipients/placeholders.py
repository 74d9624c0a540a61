"""Addresses RDAP gives that nobody reads, so a notice is never "sent" into a void.

Since the GDPR most registries redact contacts ("REDACTED FOR PRIVACY", "Please query the RDDS
service of the Registrar of Record…"); some publish example or reserved domains, no-reply
boxes, or text that is not an address at all. Such an address is kept (the team sees what RDAP
said) but marked `placeholder`, and the recipient counts as missing.
"""

from __future__ import annotations

import re

# in text that is not an address; in an address only "redacted" counts (privacy@ is a mailbox,
# and privacy-proxy services forward mail)
_REDACTED_WORDS = ("redacted", "privacy", "rdds", "please", "query the", "not disclosed",
                   "withheld", "data protected")
# RFC 2606 / RFC 6761 names that never take mail
_RESERVED_DOMAINS = frozenset({"example.com", "example.net", "example.org"})
_RESERVED_SUFFIXES = (".example", ".invalid", ".localhost", ".local")
_NO_REPLY = re.compile(r"^(no-?reply|do-?not-?reply|donotreply|nobody|null|none|n/?a)([+.].*)?$")
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def placeholder_reason(email: str) -> str | None:
    """Why `email` is a placeholder (a short phrase), or None when it looks like a mailbox."""
    text = email.strip().lower()
    if not _ADDRESS.match(text):
        redacted = any(word in text for word in _REDACTED_WORDS)
        return "redacted" if redacted else "not an e-mail address"
    if "redacted" in text:
        return "redacted"
    local, _, domain = text.rpartition("@")
    domain = domain.rstrip(".")
    if domain in _RESERVED_DOMAINS or any(f".{domain}".endswith(s) for s in _RESERVED_SUFFIXES) \
            or any(domain.endswith(f".{d}") for d in _RESERVED_DOMAINS):
        return "example or reserved domain"
    if _NO_REPLY.match(local):
        return "no-reply address"
    return None
