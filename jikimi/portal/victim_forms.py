"""Her notification preferences between the form and the record: what the page shows, and the
record a submitted form makes.

The form offers whole hours and a short list of time zones (Korea first), so on a phone every
choice is a native picker, not typing. A channel enrollment did not record is not on the form,
and a form cannot switch it on or off: what is not shown keeps its stored value. Mistakes she
can make (quiet hours with one end, or the same start and end) come back in her language;
anything else a form could send is refused by `check_preferences`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

from kernel.errors import ConfigError
from kernel.preferences import DeliveryMode, NotificationPreferences

ZONES = ("Asia/Seoul", "UTC", "Asia/Tokyo", "Asia/Shanghai", "Europe/London",
         "America/Los_Angeles", "America/New_York", "Australia/Sydney")
QUIET_ONE_END = "quiet_both"  # i18n keys of the two mistakes she can make
QUIET_SAME = "quiet_same"


def preferences_view(prefs: NotificationPreferences, channels: dict[str, str]) -> dict[str, Any]:
    """What `preferences.html` needs."""
    times = [(h * 60, f"{h:02d}:00") for h in range(24)]
    for minute in (prefs.quiet_start, prefs.quiet_end):
        if minute is not None and minute % 60:
            times.append((minute, clock(minute)))
    zones = ZONES if prefs.timezone in ZONES else (*ZONES, prefs.timezone)
    return {"prefs": prefs, "channels": channels, "times": sorted(set(times)), "zones": zones}


def preferences_from_form(form: dict[str, str], before: NotificationPreferences,
                          channels: dict[str, str]) -> NotificationPreferences:
    """The record a submitted form asks for; ConfigError with an i18n key (her mistakes) or
    an English reason (a form the page could not have sent)."""
    start, end = minutes(form.get("quiet_start", "")), minutes(form.get("quiet_end", ""))
    if (start is None) != (end is None):
        raise ConfigError(QUIET_ONE_END)
    if start is not None and start == end:
        raise ConfigError(QUIET_SAME)
    try:
        digest_hour = int(form.get("digest_hour", before.digest_hour))
    except ValueError:
        raise ConfigError("the digest hour is a number from 0 to 23") from None
    return replace(before, mode=cast(DeliveryMode, form.get("mode", before.mode)),
                   digest_hour=digest_hour, quiet_start=start, quiet_end=end,
                   timezone=form.get("timezone", before.timezone),
                   email=("email" in form) if "email" in channels else before.email,
                   webhook=("webhook" in form) if "webhook" in channels else before.webhook)


def minutes(text: str) -> int | None:
    """"HH:MM" → minutes after midnight; "" → None; ConfigError otherwise."""
    if not text.strip():
        return None
    hours, _, mins = text.strip().partition(":")
    try:
        value = int(hours) * 60 + int(mins or 0)
    except ValueError:
        raise ConfigError(f"{text[:8]!r} is not a time of day (HH:MM)") from None
    if not 0 <= value < 24 * 60 or not 0 <= int(mins or 0) < 60:
        raise ConfigError(f"{text[:8]!r} is not a time of day (HH:MM)")
    return value


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
