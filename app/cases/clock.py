"""Reply and resolution deadlines: pure time arithmetic, no database.

A channel either counts every hour (Amazon's buyer messages: 24 hours, weekends and holidays
included) or only business hours of the service desk (our own channels: working days of a
country's calendar from the ``holidays`` library, 09:00–18:00 local time). Waiting for the
customer pauses the clock where the channel allows it: the due times move on by the time
spent waiting, counted the channel's way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class DeadlineTargets:
    first_reply_hours: int = 24
    resolution_hours: int = 72
    business_hours: bool = True  # False: every hour counts (weekends, holidays, nights)
    pause_allowed: bool = True  # waiting for the customer stops the clock
    country: str = "TW"  # whose public holidays are days off
    timezone: str = "Asia/Taipei"
    day_start_hour: int = 9
    day_end_hour: int = 18


AMAZON = DeadlineTargets(business_hours=False, pause_allowed=False)
DEFAULT_TARGETS = {"amazon": AMAZON}
OWN_CHANNELS = DeadlineTargets()


def targets_for(channel: str | None, configured: dict[str, DeadlineTargets] | None = None):
    table = {**DEFAULT_TARGETS, **(configured or {})}
    return table.get(channel or "", table.get("*", OWN_CHANNELS))


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[dt.date]:
    import holidays

    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:  # a country the library does not know: weekends only
        return frozenset()


def is_working_day(day: dt.date, targets: DeadlineTargets) -> bool:
    return day.weekday() < 5 and day not in _holidays(targets.country, day.year)


def _working_window(day: dt.date, targets: DeadlineTargets) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(targets.timezone)
    start = dt.datetime.combine(day, dt.time(targets.day_start_hour), zone)
    end = dt.datetime.combine(day, dt.time(targets.day_end_hour), zone)
    return start, end


def add_working_time(
    start: dt.datetime, amount: dt.timedelta, targets: DeadlineTargets
) -> dt.datetime:
    """``start`` plus ``amount`` of the channel's counted time, in UTC."""
    if not targets.business_hours:
        return (start + amount).astimezone(dt.UTC)
    zone = ZoneInfo(targets.timezone)
    moment = start.astimezone(zone)
    left = amount
    day = moment.date()
    for _ in range(3700):  # ten years of days: a bound, never reached by real targets
        if is_working_day(day, targets):
            opens, closes = _working_window(day, targets)
            begin = max(moment, opens)
            if begin < closes:
                available = closes - begin
                if left <= available:
                    return (begin + left).astimezone(dt.UTC)
                left -= available
        day += dt.timedelta(days=1)
        moment = dt.datetime.combine(day, dt.time(0), zone)
    raise ValueError("no working time found within ten years")


def working_time_between(
    start: dt.datetime, end: dt.datetime, targets: DeadlineTargets
) -> dt.timedelta:
    """How much of the channel's counted time lies between two moments (0 if end ≤ start)."""
    if end <= start:
        return dt.timedelta(0)
    if not targets.business_hours:
        return end - start
    zone = ZoneInfo(targets.timezone)
    total = dt.timedelta(0)
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        if is_working_day(day, targets):
            opens, closes = _working_window(day, targets)
            begin, finish = max(start, opens), min(end, closes)
            if finish > begin:
                total += finish - begin
        day += dt.timedelta(days=1)
    return total


@dataclass(frozen=True)
class DueTimes:
    first_reply_due_at: dt.datetime
    resolution_due_at: dt.datetime


def due_times(opened_at: dt.datetime, targets: DeadlineTargets) -> DueTimes:
    return DueTimes(
        add_working_time(opened_at, targets.first_reply_hours * HOUR, targets),
        add_working_time(opened_at, targets.resolution_hours * HOUR, targets),
    )


def after_pause(
    due: dt.datetime, paused_at: dt.datetime, resumed_at: dt.datetime, targets: DeadlineTargets
) -> dt.datetime:
    """A due time moved on by the time spent waiting for the customer (if the channel
    allows pausing); the wait is counted the channel's way."""
    if not targets.pause_allowed:
        return due
    waited = working_time_between(paused_at, resumed_at, targets)
    return add_working_time(due, waited, targets) if waited else due


def remaining(due: dt.datetime | None, now: dt.datetime) -> dt.timedelta | None:
    """Time left until ``due`` (negative when overdue); None when nothing is due."""
    return None if due is None else due - now
