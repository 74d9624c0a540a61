"""When her channels may speak: quiet hours and the daily digest's slot, from her preferences.

Pure functions of the preferences and a moment (an aware datetime the caller passes in), so
delivery takes an injectable clock and the tests can stand at 03:00 in Seoul without waiting.

- Quiet hours are a daily window of her wall-clock time (Korea by default), start included,
  end excluded; a start after the end spans midnight (22:00–07:00). During it her channels
  wait, and the first delivery run after it sends what waited.
- The digest is one message a day per channel. Its *slot* is the latest digest hour at or before
  now; alerts recorded before the slot go in the digest that is due, alerts recorded after it
  wait for the next day's. Which alerts a digest holds therefore follows from their times alone:
  no "last digest" state to keep, and a failed digest is retried with the same alerts (the same
  idempotency key) until it goes or the alerts run out of attempts.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Literal

from kernel.preferences import PERSONAL_CHANNELS, NotificationPreferences, zone_of

Plan = Literal["now", "digest", "wait", "off"]


def local_time(prefs: NotificationPreferences, moment: datetime) -> datetime:
    """`moment` on her clock (naive moments are UTC, as records are)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone_of(prefs.timezone))


def is_quiet(prefs: NotificationPreferences, moment: datetime) -> bool:
    if prefs.quiet_start is None or prefs.quiet_end is None:
        return False
    here = local_time(prefs, moment)
    minute = here.hour * 60 + here.minute
    start, end = prefs.quiet_start, prefs.quiet_end
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def digest_slot(prefs: NotificationPreferences, moment: datetime) -> datetime:
    """The latest digest time (her `digest_hour`, on her clock) at or before `moment`, in UTC."""
    here = local_time(prefs, moment)
    day = here.date()
    slot = datetime.combine(day, time(prefs.digest_hour), tzinfo=here.tzinfo)
    if slot > here:
        slot = datetime.combine(day - timedelta(days=1), time(prefs.digest_hour),
                                tzinfo=here.tzinfo)
    return slot.astimezone(UTC)


def channel_plan(channel: str, prefs: NotificationPreferences, moment: datetime) -> Plan:
    """What a channel does with her pending alerts now: send each one ("now"), gather them into
    the digest ("digest"), hold them for the end of quiet hours ("wait"), or nothing ("off", she
    switched it off). Channels that are not hers (the outbox) always send at once."""
    if channel not in PERSONAL_CHANNELS:
        return "now"
    if not prefs.allows(channel):
        return "off"
    if is_quiet(prefs, moment):
        return "wait"
    return "digest" if prefs.mode == "digest" else "now"
