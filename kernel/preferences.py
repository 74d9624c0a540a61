"""Notification preferences: how and when the person of a case wants to hear of her findings.

She sets them herself on the portal (`/me/preferences`), and delivery (`jikimi.alerts`) honours
them: a channel she switched off is not used, "digest" gathers her alerts into one message a
day, and quiet hours make her channels wait. They hold no address — the e-mail and webhook stay
as enrollment recorded them, on the person, encrypted — so she can switch a channel off, never
point it elsewhere, and an account that is taken over cannot redirect her alerts. Nothing here
identifies her, so nothing is encrypted. Times are wall-clock times in her time zone (Korea by
default), kept as minutes after midnight so every store holds them as plain integers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kernel.errors import ConfigError
from kernel.records import utcnow

DeliveryMode = Literal["immediate", "digest"]
DELIVERY_MODES: tuple[str, ...] = get_args(DeliveryMode)
# The channels that reach her and that she may switch off. Every other channel (the outbox) is
# the organisation's own copy: always written, at once, whatever she chose.
PERSONAL_CHANNELS = ("email", "webhook")
DEFAULT_TIMEZONE = "Asia/Seoul"
MINUTES_A_DAY = 24 * 60


@dataclass(frozen=True)
class NotificationPreferences:
    """One case's choices. A case without a stored record gets these defaults: every channel
    on, each alert at once, no quiet hours — what delivery did before she could choose."""

    case_id: str
    email: bool = True
    webhook: bool = True
    mode: DeliveryMode = "immediate"
    digest_hour: int = 9  # the digest goes at the first delivery run after this hour
    quiet_start: int | None = None  # minutes after midnight, her time; None: no quiet hours
    quiet_end: int | None = None  # the end is not quiet; start > end spans midnight
    timezone: str = DEFAULT_TIMEZONE  # an IANA zone name
    updated_at: datetime = field(default_factory=utcnow)

    def allows(self, channel: str) -> bool:
        """Whether this channel may tell her at all (channels not hers always may)."""
        if channel == "email":
            return self.email
        if channel == "webhook":
            return self.webhook
        return True

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_start is not None and self.quiet_end is not None


def check_preferences(prefs: NotificationPreferences) -> None:
    """ConfigError unless the mode is known, the hours are on a clock and quiet hours have
    both ends (or neither) and last less than a day."""
    if prefs.mode not in DELIVERY_MODES:
        raise ConfigError(f"unknown delivery mode {prefs.mode!r} (one of "
                          f"{', '.join(DELIVERY_MODES)})")
    if not 0 <= prefs.digest_hour < 24:
        raise ConfigError("the digest hour is 0 to 23")
    ends = (prefs.quiet_start, prefs.quiet_end)
    if (ends[0] is None) != (ends[1] is None):
        raise ConfigError("quiet hours need a start and an end")
    for end in ends:
        if end is not None and not 0 <= end < MINUTES_A_DAY:
            raise ConfigError("quiet hours are times of day (00:00 to 23:59)")
    if ends[0] is not None and ends[0] == ends[1]:
        raise ConfigError("quiet hours that start when they end would never end")
    zone_of(prefs.timezone)


def zone_of(name: str) -> tzinfo:
    """The time zone of an IANA name; ConfigError when unknown. Korea keeps one offset all
    year (no daylight saving), so the default zone works even without a zone database."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name == DEFAULT_TIMEZONE:
            return timezone(timedelta(hours=9), "KST")
        raise ConfigError(f"unknown time zone {name[:64]!r} (an IANA name such as "
                          "Asia/Seoul)") from None
