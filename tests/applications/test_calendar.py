"""The working-day calendar: official holidays, makeup workdays, city closures, deadlines.

Dates are those of the State Council's published schedules for 2025 and 2026, as the
``chinese-calendar`` library carries them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import chinese_calendar
import pytest

from applications.calendar import CITY_TIMEZONE, Suspension, WorkingDayCalendar
from applications.errors import CalendarUnknown
from kit.errors import DomainError, error_codes

CALENDAR = WorkingDayCalendar()


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An instant in Zhuzhou's time."""
    return datetime(year, month, day, hour, minute, tzinfo=CITY_TIMEZONE)


def close(year: int, month: int, day: int) -> datetime:
    """17:30 of that day in Zhuzhou, the close of business."""
    return at(year, month, day, 17, 30)


# --- which days are working days ------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 26),  # Sunday worked for the Spring Festival
        date(2025, 2, 8),  # Saturday worked for the Spring Festival
        date(2025, 4, 27),  # Sunday worked for Labour Day
        date(2025, 9, 28),  # Sunday worked for National Day
        date(2025, 10, 11),  # Saturday worked for National Day
        date(2026, 1, 4),  # Sunday worked for New Year's Day
        date(2026, 2, 14),  # Saturday worked for the Spring Festival
        date(2026, 2, 28),  # Saturday worked for the Spring Festival
        date(2026, 9, 20),  # Sunday worked for National Day
        date(2026, 10, 10),  # Saturday worked for National Day
    ],
)
def test_a_weekend_makeup_workday_is_a_working_day(day: date) -> None:
    assert day.weekday() >= 5
    assert CALENDAR.is_working_day(day) is True


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 28),  # Spring Festival Eve, Tuesday
        date(2025, 2, 4),  # last day of the Spring Festival holiday, Tuesday
        date(2025, 10, 1),  # National Day, Wednesday
        date(2025, 10, 6),  # Mid-Autumn Festival inside the National Day holiday, Monday
        date(2025, 10, 8),  # last day of the 2025 National Day holiday, Wednesday
        date(2026, 1, 2),  # New Year holiday, Friday
        date(2026, 2, 23),  # last day of the 2026 Spring Festival holiday, Monday
        date(2026, 10, 7),  # last day of the 2026 National Day holiday, Wednesday
    ],
)
def test_a_holiday_weekday_is_not_a_working_day(day: date) -> None:
    assert day.weekday() < 5
    assert CALENDAR.is_working_day(day) is False


def test_plain_weekdays_work_and_plain_weekends_rest() -> None:
    assert CALENDAR.is_working_day(date(2025, 11, 5)) is True  # Wednesday
    assert CALENDAR.is_working_day(date(2025, 11, 8)) is False  # Saturday


def test_a_city_closure_is_not_a_working_day_even_on_a_makeup_workday() -> None:
    typhoon = WorkingDayCalendar({date(2025, 7, 15), date(2025, 10, 11)})
    assert CALENDAR.is_working_day(date(2025, 7, 15)) is True
    assert typhoon.is_working_day(date(2025, 7, 15)) is False
    assert typhoon.is_working_day(date(2025, 10, 11)) is False
    assert typhoon.closures == frozenset({date(2025, 7, 15), date(2025, 10, 11)})
    # A day-1 that falls on the closure moves to the next working day.
    assert typhoon.add_working_days(at(2025, 7, 14), 1) == close(2025, 7, 16)


def test_an_instant_counts_by_its_date_in_zhuzhou() -> None:
    # 17:00 UTC on Tuesday 30 September is 01:00 on Wednesday 1 October in Zhuzhou.
    instant = datetime(2025, 9, 30, 17, 0, tzinfo=UTC)
    assert CALENDAR.is_working_day(instant) is False
    assert CALENDAR.add_working_days(instant, 1) == close(2025, 10, 9)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        CALENDAR.add_working_days(datetime(2025, 9, 26, 16, 0), 1)


# --- beyond the library's data --------------------------------------------------------


def test_the_calendar_knows_2026_and_says_where_its_data_ends() -> None:
    assert CALENDAR.last_known_date == date(2026, 12, 31)
    assert CALENDAR.is_working_day(date(2026, 12, 31)) is True


@pytest.mark.parametrize("day", [date(2027, 1, 4), date(2003, 6, 2)])
def test_a_date_outside_the_librarys_years_raises_calendar_unknown(day: date) -> None:
    with pytest.raises(CalendarUnknown) as raised:
        CALENDAR.is_working_day(day)
    assert raised.value.day == day


def test_a_deadline_running_into_an_unknown_year_is_refused_not_guessed() -> None:
    with pytest.raises(CalendarUnknown) as raised:
        CALENDAR.add_working_days(at(2026, 12, 24), 10)
    assert raised.value.day == date(2027, 1, 1)
    with pytest.raises(CalendarUnknown):
        CALENDAR.working_days_between(at(2026, 12, 30), at(2027, 1, 5))


def test_calendar_unknown_is_a_typed_domain_error_with_its_code() -> None:
    error = CalendarUnknown(date(2027, 1, 4))
    assert isinstance(error, DomainError)
    assert error.code == "CALENDAR_UNKNOWN"
    assert "节假日" in error.message_zh
    assert "holiday schedule" in error.message_en
    assert "not known yet" in error_codes()["CALENDAR_UNKNOWN"].description


# --- deadlines -----------------------------------------------------------------------


def test_ten_working_days_across_the_2025_national_day_holiday() -> None:
    # Received Friday 26 September at 16:00. Day 1 is Sunday 28 September (a makeup
    # workday); then 29, 30 September; 1-8 October are the holiday; 9, 10 October;
    # Saturday 11 October (makeup); 13, 14, 15 and 16 October.
    due = CALENDAR.add_working_days(at(2025, 9, 26, 16), 10)
    assert due == close(2025, 10, 16)


def test_the_count_starts_the_next_working_day_whatever_the_hour_of_receipt() -> None:
    morning = CALENDAR.add_working_days(at(2025, 9, 26, 9), 10)
    after_hours = CALENDAR.add_working_days(at(2025, 9, 26, 20), 10)
    saturday = CALENDAR.add_working_days(at(2025, 9, 27, 11), 10)
    assert morning == after_hours == saturday == close(2025, 10, 16)


def test_a_case_received_on_a_holiday_counts_from_the_first_working_day_after_it() -> None:
    assert CALENDAR.add_working_days(at(2025, 10, 3), 1) == close(2025, 10, 9)
    # 2025 Spring Festival: received Friday 24 January; 26 January (Sunday) and 27 work,
    # 28 January to 4 February rest.
    assert CALENDAR.add_working_days(at(2025, 1, 24, 16), 5) == close(2025, 2, 7)


def test_the_2026_spring_festival_holiday_and_its_makeup_saturday() -> None:
    assert CALENDAR.add_working_days(at(2026, 2, 13, 16), 1) == close(2026, 2, 14)
    assert CALENDAR.add_working_days(at(2026, 2, 13, 16), 2) == close(2026, 2, 24)


def test_zero_days_is_due_by_the_close_of_the_day_the_case_is_in_the_office() -> None:
    assert CALENDAR.add_working_days(at(2025, 11, 3, 10), 0) == close(2025, 11, 3)
    assert CALENDAR.add_working_days(at(2025, 11, 3, 18), 0) == close(2025, 11, 4)
    assert CALENDAR.add_working_days(at(2025, 10, 11, 10), 0) == close(2025, 10, 11)
    assert CALENDAR.add_working_days(at(2025, 10, 1, 10), 0) == close(2025, 10, 9)


def test_a_negative_time_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add_working_days(at(2025, 11, 3), -1)


def test_the_close_of_business_can_be_set() -> None:
    midnight_rule = WorkingDayCalendar(close_of_business=time(23, 59, 59))
    due = midnight_rule.add_working_days(at(2025, 11, 3), 1)
    assert due == datetime(2025, 11, 4, 23, 59, 59, tzinfo=CITY_TIMEZONE)


# --- working days between ------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 5, 10, 20, 33, 60])
def test_working_days_between_receipt_and_due_is_the_time_limit(n: int) -> None:
    received = at(2025, 9, 26, 16)
    assert CALENDAR.working_days_between(received, CALENDAR.add_working_days(received, n)) == n


def test_working_days_between_counts_no_holiday_and_is_signed() -> None:
    assert CALENDAR.working_days_between(at(2025, 9, 30), at(2025, 10, 9)) == 1
    assert CALENDAR.working_days_between(at(2025, 9, 30, 9), at(2025, 9, 30, 17)) == 0
    assert CALENDAR.working_days_between(date(2025, 10, 16), date(2025, 9, 26)) == -10


# --- suspensions --------------------------------------------------------------------


def test_a_suspension_of_three_working_days_moves_the_due_date_by_three() -> None:
    received = at(2025, 11, 3)  # Monday
    assert CALENDAR.add_working_days(received, 10) == close(2025, 11, 17)
    # Suspended Wednesday 5th, resumed Monday 10th: 6, 7 and 10 November stood still.
    stop = Suspension(start=at(2025, 11, 5, 10), end=at(2025, 11, 10, 15))
    assert CALENDAR.suspended_working_days([stop]) == 3
    assert CALENDAR.due_with_suspensions(received, 10, [stop]) == close(2025, 11, 20)


def test_a_suspension_over_a_holiday_stops_only_its_working_days() -> None:
    stop = Suspension(start=at(2025, 9, 30), end=at(2025, 10, 9))
    assert CALENDAR.suspended_working_days([stop]) == 1


def test_overlapping_suspensions_count_each_working_day_once() -> None:
    stops = [
        Suspension(start=at(2025, 11, 5), end=at(2025, 11, 10)),
        Suspension(start=at(2025, 11, 6), end=at(2025, 11, 11)),
    ]
    assert CALENDAR.suspended_working_days(stops) == 4  # 6, 7, 10, 11 November
    assert CALENDAR.due_with_suspensions(at(2025, 11, 3), 10, stops) == close(2025, 11, 21)


def test_no_suspension_leaves_the_due_date_and_same_day_resumption_costs_nothing() -> None:
    received = at(2025, 11, 3)
    same_day = Suspension(start=at(2025, 11, 5, 9), end=at(2025, 11, 5, 16))
    assert CALENDAR.due_with_suspensions(received, 10, []) == close(2025, 11, 17)
    assert CALENDAR.due_with_suspensions(received, 10, [same_day]) == close(2025, 11, 17)


def test_a_suspension_still_running_counts_up_to_now_and_needs_now() -> None:
    open_stop = Suspension(start=at(2025, 11, 5, 10))
    with pytest.raises(ValueError, match="now"):
        CALENDAR.suspended_working_days([open_stop])
    assert CALENDAR.suspended_working_days([open_stop], now=at(2025, 11, 7, 12)) == 2


def test_a_suspension_inside_another_adds_nothing() -> None:
    stops = [
        Suspension(start=at(2025, 11, 5), end=at(2025, 11, 12)),
        Suspension(start=at(2025, 11, 6), end=at(2025, 11, 10)),
    ]
    assert CALENDAR.suspended_working_days(stops) == 5  # 6, 7, 10, 11, 12 November


# --- agreement with the library --------------------------------------------------------


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_day_of_the_year_agrees_with_the_library(year: int) -> None:
    first, last = date(year, 1, 1), date(year, 12, 31)
    official = set(chinese_calendar.get_workdays(first, last))
    days = [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
    assert {day for day in days if CALENDAR.is_working_day(day)} == official
    assert CALENDAR.working_days_between(date(year - 1, 12, 31), last) == len(official)
