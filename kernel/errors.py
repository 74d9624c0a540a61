"""One exception tree for the whole project, so callers can catch exactly what they mean.

Every error a user can cause (bad config, a corrupt image, a refused address, a photo that is not
usable for enrollment) derives from :class:`JikimiError` and carries a one-line message that the
CLI prints as is. Anything else is a bug and is allowed to show its traceback.
"""


class JikimiError(Exception):
    """Base class: a clear, user-facing, one-line problem."""


class ConfigError(JikimiError):
    """Settings or a site definition are invalid."""


class MediaError(JikimiError):
    """A media item could not be used (corrupt, truncated, too large, unsupported)."""


class DecodeError(MediaError):
    """Image or video bytes could not be decoded safely."""


class MediaTooLarge(MediaError):
    """The media exceeds a byte or pixel limit (decompression bombs included)."""


class FetchRefused(JikimiError):
    """The crawler refused a URL (private/loopback/metadata address, scheme, size)."""


class ModelError(JikimiError):
    """A face model is missing, fails its checksum, or cannot be loaded."""


class EnrollmentRefused(JikimiError):
    """An enrollment photo cannot become a template (no face, several faces, unreadable)."""


class CaseError(JikimiError):
    """A case cannot do what was asked (it is not open, or already has an enrolled person)."""


class NotFound(JikimiError):
    """A referenced record (person, media, alert) does not exist."""


class AlreadyExists(JikimiError):
    """A record that must be unique (an account's username, an id) is already there."""


class AccountError(JikimiError):
    """An account request that cannot be done as asked: a malformed username, a role without
    its case (or a case without the victim role), the last admin disabled, a token's validity."""


class WeakPassword(JikimiError):
    """A new password does not meet the password policy; the message says what to change."""


class LoginRefused(JikimiError):
    """Sign-in refused. The message is the same whatever the cause, so it never tells whether
    an account exists; `reason` (unknown, password, locked, disabled, rate_limited) is for
    the audit log and the caller's own logic, never for the person signing in."""

    def __init__(self, reason: str) -> None:
        super().__init__("wrong username or password, or too many attempts: try again later")
        self.reason = reason


class AccessDenied(JikimiError):
    """An account's role does not allow this, or a victim asked for someone else's case."""


class StoreError(JikimiError):
    """A storage backend failed (database, blob store, index)."""


class DeliveryError(JikimiError):
    """An alert could not be delivered through a notifier (SMTP, webhook, outbox)."""


def one_line(exc: BaseException, limit: int = 200) -> str:
    """An exception as one short line for a per-item error record (its class name when empty)."""
    return (" ".join(str(exc).split()) or type(exc).__name__)[:limit]
