"""Quiet hours and the digest's slot on her clock (Korea by default), at chosen moments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jikimi.alerts.timing import channel_plan, digest_slot, is_quiet, local_time
from kernel.errors import ConfigError
from kernel.preferences import NotificationPreferences, check_preferences, zone_of


def kst(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment given on the Seoul clock (UTC+9), as an aware UTC datetime."""
    return datetime(2024, 5, day, hour, minute, tzinfo=zone_of("Asia/Seoul")).astimezone(UTC)


NIGHT = NotificationPreferences("c", quiet_start=22 * 60, quiet_end=7 * 60)
LUNCH = NotificationPreferences("c", quiet_start=12 * 60, quiet_end=13 * 60 + 30)


@pytest.mark.parametrize(("moment", "quiet"), [
    (kst(1, 21, 59), False), (kst(1, 22, 0), True), (kst(1, 23, 30), True),
    (kst(2, 3, 0), True), (kst(2, 6, 59), True), (kst(2, 7, 0), False), (kst(2, 12, 0), False),
])
def test_quiet_hours_across_midnight_on_the_seoul_clock(moment: datetime, quiet: bool) -> None:
    assert is_quiet(NIGHT, moment) is quiet


def test_quiet_hours_within_a_day_and_none() -> None:
    assert not is_quiet(LUNCH, kst(1, 11, 59))
    assert is_quiet(LUNCH, kst(1, 12, 0)) and is_quiet(LUNCH, kst(1, 13, 29))
    assert not is_quiet(LUNCH, kst(1, 13, 30))
    assert not is_quiet(NotificationPreferences("c"), kst(1, 3))


def test_quiet_hours_follow_her_time_zone() -> None:
    berlin = NotificationPreferences("c", quiet_start=22 * 60, quiet_end=7 * 60,
                                     timezone="Europe/Berlin")
    summer_night = datetime(2024, 7, 1, 21, 30, tzinfo=UTC)  # 23:30 in Berlin, 06:30 in Seoul
    assert is_quiet(berlin, summer_night) and is_quiet(NIGHT, summer_night)
    morning = datetime(2024, 7, 1, 23, 0, tzinfo=UTC)  # 01:00 in Berlin, 08:00 in Seoul
    assert is_quiet(berlin, morning) and not is_quiet(NIGHT, morning)
    assert local_time(NIGHT, morning).hour == 8


def test_the_digest_slot_is_the_latest_digest_hour_so_far() -> None:
    prefs = NotificationPreferences("c", mode="digest", digest_hour=9)
    assert digest_slot(prefs, kst(2, 8, 59)) == kst(1, 9)
    assert digest_slot(prefs, kst(2, 9, 0)) == kst(2, 9)
    assert digest_slot(prefs, kst(2, 23, 59)) == kst(2, 9)


def test_channel_plans() -> None:
    digest = NotificationPreferences("c", email=False, mode="digest", quiet_start=22 * 60,
                                     quiet_end=7 * 60)
    day, night = kst(1, 10), kst(1, 23)
    assert channel_plan("outbox", digest, night) == "now"  # the organisation's copy
    assert channel_plan("email", digest, day) == "off"
    assert channel_plan("webhook", digest, day) == "digest"
    assert channel_plan("webhook", digest, night) == "wait"
    assert channel_plan("email", NotificationPreferences("c"), night) == "now"


@pytest.mark.parametrize("fields", [
    {"mode": "weekly"}, {"digest_hour": 24}, {"quiet_start": 60},
    {"quiet_start": 60, "quiet_end": 60}, {"quiet_start": -1, "quiet_end": 60},
    {"quiet_start": 0, "quiet_end": 1440}, {"timezone": "Mars/Olympus"}, {"timezone": ""},
])
def test_unusable_preferences_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        check_preferences(NotificationPreferences("c", **fields))  # type: ignore[arg-type]


def test_sensible_preferences_pass() -> None:
    check_preferences(NIGHT)
    check_preferences(NotificationPreferences("c", mode="digest", digest_hour=0,
                                              timezone="America/New_York"))
