"""The city's working-day calendar: what every time limit (办理时限) is counted in.

Mainland China's official holidays and the adjusted working days (调休, weekend days
worked in lieu) come from the ``chinese-calendar`` library, which carries the State
Council's yearly schedule; the city adds its own closures (a typhoon, a flood) as a set
of dates. A year the library has no data for is refused with :class:`CalendarUnknown`,
never guessed: the schedule for a year is published only late in the year before, and
a deadline computed on plain weekends could be days off.

The rule deadlines follow, in Zhuzhou's time (Asia/Shanghai):

- **Day 1** is the first working day *after* the day of receipt (the time limit counts
  from the next day, 期限从次日起算), whatever the hour of receipt: a case received on a
  Friday at 16:00, at 20:00 or on a Saturday all start on the next working day.
- **The due instant** is the close of business (17:30 by default) of the n-th working
  day: an office's deadline ends when its business hours do (民法典 第二百零三条).
- **n = 0** (on the spot, 即办) is due at the close of the day of receipt when it is a
  working day and the case came in before closing, else at the close of the next
  working day.
- **Working days between** two instants counts the working days after the first one's
  date up to and including the second one's: ``working_days_between(received, due)``
  is ``n``; it is negative when the second instant comes first.
- **A suspension** (中止) stops the clock: its working days, counted by the same rule
  from the suspension to the resumption, push the due date back by as many working days.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from itertools import accumulate
from zoneinfo import ZoneInfo

import chinese_calendar

from applications.errors import CalendarUnknown

CITY_TIMEZONE = ZoneInfo("Asia/Shanghai")
"""Zhuzhou's time zone; dates of receipt and due dates are dates there."""

CLOSE_OF_BUSINESS = time(17, 30)
"""When the city's offices close, and so when a due day ends."""

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Suspension:
    """One stop of a case's clock: suspended at ``start``, resumed at ``end``.

    ``end`` is ``None`` while the case is still suspended.
    """

    start: datetime
    end: datetime | None = None


def city_date(moment: datetime | date) -> date:
    """The date in Zhuzhou of an instant (aware datetimes only), or a date as it is."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("an instant must carry its time zone")
        return moment.astimezone(CITY_TIMEZONE).date()
    return moment


class WorkingDayCalendar:
    """Official working days in mainland China, less the city's own closures.

    The library's answer for every day it knows is read once per process; counts and
    sums are then prefix sums, so a deadline or a span of a year costs the same as a day.
    """

    def __init__(
        self,
        closures: Iterable[date] = (),
        *,
        close_of_business: time = CLOSE_OF_BUSINESS,
    ) -> None:
        self._closures = frozenset(closures)
        self._close_of_business = close_of_business
        self._first_known, official = _official_working_days()
        self._last_known = self._first_known + timedelta(days=len(official) - 1)
        working = [
            is_working and self._first_known + timedelta(days=offset) not in self._closures
            for offset, is_working in enumerate(official)
        ]
        self._working = working
        # _counted[i]: working days among the known days before and including day i.
        self._counted = list(accumulate(int(flag) for flag in working))

    @property
    def last_known_date(self) -> date:
        """The last date the calendar can answer for (31 December of the library's last year)."""
        return self._last_known

    @property
    def closures(self) -> frozenset[date]:
        """The dates the city closed its offices on top of the official schedule."""
        return self._closures

    def is_working_day(self, day: date | datetime) -> bool:
        """Whether offices work on that day (an instant counts by its date in Zhuzhou).

        Raises :class:`CalendarUnknown` outside the years the library knows.
        """
        return self._working[self._index(city_date(day))]

    def close_of(self, day: date) -> datetime:
        """The instant a day's business ends, in Zhuzhou's time."""
        return datetime.combine(day, self._close_of_business, tzinfo=CITY_TIMEZONE)

    def nth_working_day_after(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (n >= 1); ``day`` itself never counts."""
        if n < 1:
            raise ValueError("n must be at least 1")
        wanted = self._counted[self._index(day)] + n
        found = bisect_left(self._counted, wanted)
        if found == len(self._counted):
            raise CalendarUnknown(self._last_known + _ONE_DAY)
        return self._first_known + timedelta(days=found)

    def add_working_days(self, received: datetime, n: int) -> datetime:
        """The due instant of a time limit of ``n`` working days for a case received then.

        Close of business of the n-th working day after the date of receipt; ``n = 0``
        is due by the close of the working day the case is first in the office.
        """
        if n < 0:
            raise ValueError("a time limit cannot be negative")
        day = city_date(received)
        if n > 0:
            return self.close_of(self.nth_working_day_after(day, n))
        if self.is_working_day(day) and received < self.close_of(day):
            return self.close_of(day)
        return self.close_of(self.nth_working_day_after(day, 1))

    def working_days_between(self, start: datetime | date, end: datetime | date) -> int:
        """Working days after ``start``'s date up to and including ``end``'s (signed).

        The days a case took (received to completed), or the days left (today to due):
        0 on the same date, negative when ``end`` is before ``start`` (overdue).
        """
        first, last = city_date(start), city_date(end)
        return self._counted[self._index(last)] - self._counted[self._index(first)]

    def suspended_working_days(
        self,
        suspensions: Iterable[Suspension],
        *,
        now: datetime | None = None,
    ) -> int:
        """How many working days the clock stood still, overlapping stops counted once.

        Each stop covers the working days after its start's date up to and including its
        resumption's; a stop not yet resumed runs until ``now`` (required then).
        """
        spans: list[tuple[date, date]] = []
        for suspension in suspensions:
            end = suspension.end if suspension.end is not None else now
            if end is None:
                raise ValueError("a suspension not yet resumed needs `now`")
            first, last = city_date(suspension.start), city_date(end)
            if first < last:
                spans.append((first, last))
        total = 0
        covered: date | None = None  # the last date already counted
        for first, last in sorted(spans):
            if covered is not None and first < covered:
                first = covered
            if first < last:
                total += self.working_days_between(first, last)
                covered = last
        return total

    def due_with_suspensions(
        self,
        received: datetime,
        n: int,
        suspensions: Iterable[Suspension],
        *,
        now: datetime | None = None,
    ) -> datetime:
        """The due instant of ``n`` working days, moved back by the working days suspended.

        A case still suspended gets the due instant it would have if resumed ``now``.
        """
        return self.add_working_days(
            received, n + self.suspended_working_days(suspensions, now=now)
        )

    def _index(self, day: date) -> int:
        """The day's place among the known days; :class:`CalendarUnknown` outside them."""
        if not self._first_known <= day <= self._last_known:
            raise CalendarUnknown(day)
        return (day - self._first_known).days


@cache
def _official_working_days() -> tuple[date, tuple[bool, ...]]:
    """The first day the library knows, and whether each known day is an official workday.

    Asked of the library once per process: its range is every year its holiday table
    names, and it refuses any other (``NotImplementedError``) — so do we.
    """
    years = [day.year for day in chinese_calendar.holidays]
    first, last = date(min(years), 1, 1), date(max(years), 12, 31)
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    return first, tuple(bool(chinese_calendar.is_workday(day)) for day in days)
