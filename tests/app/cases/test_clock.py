"""Deadlines: Amazon counts every hour; our channels count Taiwan's business hours."""

import datetime as dt
from zoneinfo import ZoneInfo

from app.cases.clock import (
    AMAZON,
    OWN_CHANNELS,
    DeadlineTargets,
    add_working_time,
    after_pause,
    due_times,
    targets_for,
    working_time_between,
)

TAIPEI = ZoneInfo("Asia/Taipei")
HOUR = dt.timedelta(hours=1)


def taipei(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TAIPEI)


def test_amazon_counts_weekends_and_nights():
    friday_evening = taipei(2026, 11, 27, 20, 0)
    due = due_times(friday_evening, AMAZON)
    assert due.first_reply_due_at == taipei(2026, 11, 28, 20, 0)  # a Saturday
    assert due.resolution_due_at == taipei(2026, 11, 30, 20, 0)


def test_business_hours_skip_nights_and_weekends():
    friday_5pm = taipei(2026, 11, 27, 17, 0)
    # 1 h on Friday, 9 h on Monday (30 Nov), then 9 h Tuesday, 5 h Wednesday: 24 h.
    assert add_working_time(friday_5pm, 24 * HOUR, OWN_CHANNELS) == taipei(2026, 12, 2, 14, 0)


def test_a_public_holiday_is_not_a_working_day():
    # 9 Oct 2026 is a Friday and 10 Oct (National Day) a Saturday: Taiwan observes it on
    # Friday 9 Oct, so an hour asked on Thursday evening falls on Monday 12 Oct.
    thursday_late = taipei(2026, 10, 8, 17, 30)
    due = add_working_time(thursday_late, HOUR, OWN_CHANNELS)
    assert due == taipei(2026, 10, 12, 9, 30)


def test_time_opened_at_night_starts_counting_next_morning():
    assert add_working_time(taipei(2026, 12, 1, 23, 0), 2 * HOUR, OWN_CHANNELS) == taipei(
        2026, 12, 2, 11, 0
    )


def test_working_time_between_counts_only_working_hours():
    assert (
        working_time_between(taipei(2026, 11, 27, 17, 0), taipei(2026, 11, 30, 10, 0), OWN_CHANNELS)
        == 2 * HOUR
    )


def test_waiting_for_the_customer_moves_the_due_time_on_where_allowed():
    due = taipei(2026, 12, 2, 14, 0)
    paused, resumed = taipei(2026, 12, 1, 10, 0), taipei(2026, 12, 1, 13, 0)
    assert after_pause(due, paused, resumed, OWN_CHANNELS) == taipei(2026, 12, 2, 17, 0)
    assert after_pause(due, paused, resumed, AMAZON) == due  # Amazon's clock never stops


def test_a_configured_channel_replaces_the_default_and_star_covers_the_rest():
    custom = DeadlineTargets(first_reply_hours=4, resolution_hours=8)
    assert targets_for("shop", {"shop": custom}) is custom
    assert targets_for("partner", {"*": custom}) is custom
    assert targets_for("amazon", {"*": custom}) is AMAZON
