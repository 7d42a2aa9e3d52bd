from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.domain.calendar import (
    CHINA_STANDARD_TIME,
    Clock,
    FixedClock,
    SystemClock,
    WorkingDayCalendar,
    local_date,
    start_of_day,
)
from node.domain.errors import InvalidFieldError
from tests.unit.domain.builders import NATIONAL_DAY_2025

PLAIN = WorkingDayCalendar()

NATIONAL_DAY_2024 = WorkingDayCalendar(
    holidays=frozenset(date(2024, 10, day) for day in range(1, 8)),
    makeup_workdays=frozenset({date(2024, 9, 29), date(2024, 10, 12)}),
)


def test_weekends_are_off_weekdays_on() -> None:
    monday = date(2026, 3, 2)
    assert [PLAIN.is_working_day(monday + timedelta(days=i)) for i in range(7)] == [
        True,
        True,
        True,
        True,
        True,
        False,
        False,
    ]


def test_national_day_2025_holidays_and_makeup_days() -> None:
    cal = NATIONAL_DAY_2025
    assert date(2025, 9, 28).weekday() == 6  # a Sunday, worked
    assert date(2025, 10, 11).weekday() == 5  # a Saturday, worked
    assert cal.is_working_day(date(2025, 9, 28))
    assert cal.is_working_day(date(2025, 10, 11))
    assert not cal.is_working_day(date(2025, 10, 12))
    assert not any(cal.is_working_day(date(2025, 10, d)) for d in range(1, 9))
    assert cal.is_working_day(date(2025, 10, 9))


def test_ten_working_days_across_national_day_2025() -> None:
    # Friday 26 Sep: Sun 28, Mon 29, Tue 30 | 1-8 Oct off | Thu 9, Fri 10, Sat 11 (make-up),
    # Mon 13, Tue 14, Wed 15, Thu 16.
    start = date(2025, 9, 26)
    assert NATIONAL_DAY_2025.add_working_days(start, 3) == date(2025, 9, 30)
    assert NATIONAL_DAY_2025.add_working_days(start, 4) == date(2025, 10, 9)
    assert NATIONAL_DAY_2025.add_working_days(start, 6) == date(2025, 10, 11)
    assert NATIONAL_DAY_2025.add_working_days(start, 10) == date(2025, 10, 16)
    assert NATIONAL_DAY_2025.working_days_between(start, date(2025, 10, 16)) == 10
    assert PLAIN.add_working_days(start, 10) == date(2025, 10, 10)


def test_national_day_2024_with_makeup_saturday() -> None:
    # Monday 30 Sep 2024 is the one working day between the make-up Sunday and the holiday.
    assert NATIONAL_DAY_2024.add_working_days(date(2024, 9, 28), 2) == date(2024, 9, 30)
    assert NATIONAL_DAY_2024.add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 8)
    assert NATIONAL_DAY_2024.add_working_days(date(2024, 10, 11), 1) == date(2024, 10, 12)
    assert NATIONAL_DAY_2024.working_days_between(date(2024, 9, 27), date(2024, 10, 13)) == 7


def test_start_day_is_not_counted_even_when_it_is_a_working_day() -> None:
    monday = date(2026, 3, 2)
    assert PLAIN.add_working_days(monday, 1) == date(2026, 3, 3)
    assert PLAIN.add_working_days(monday, 0) == monday
    saturday = date(2026, 3, 7)
    assert PLAIN.add_working_days(saturday, 1) == date(2026, 3, 9)


def test_negative_count_is_refused() -> None:
    with pytest.raises(InvalidFieldError, match="out_of_range"):
        PLAIN.add_working_days(date(2026, 3, 2), -1)


def test_between_is_zero_when_end_is_not_after_start() -> None:
    day = date(2026, 3, 4)
    assert PLAIN.working_days_between(day, day) == 0
    assert PLAIN.working_days_between(day, day - timedelta(days=10)) == 0


_days = st.dates(min_value=date(2025, 9, 1), max_value=date(2025, 11, 30))


@given(_days, st.integers(min_value=0, max_value=40))
def test_between_inverts_add(start: date, n: int) -> None:
    end = NATIONAL_DAY_2025.add_working_days(start, n)
    assert NATIONAL_DAY_2025.working_days_between(start, end) == n
    if n:
        assert NATIONAL_DAY_2025.is_working_day(end)


@given(_days, _days, _days)
def test_between_is_additive(a: date, b: date, c: date) -> None:
    first, middle, last = sorted((a, b, c))
    cal = NATIONAL_DAY_2025
    assert cal.working_days_between(first, last) == cal.working_days_between(
        first, middle
    ) + cal.working_days_between(middle, last)


def test_a_day_cannot_be_both_holiday_and_makeup() -> None:
    day = date(2025, 9, 28)
    with pytest.raises(InvalidFieldError) as excinfo:
        WorkingDayCalendar(holidays=frozenset({day}), makeup_workdays=frozenset({day}))
    assert excinfo.value.code == "calendar_conflict"


def test_makeup_days_must_be_weekend_days() -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        WorkingDayCalendar(makeup_workdays=frozenset({date(2025, 9, 29)}))
    assert excinfo.value.code == "makeup_not_weekend"


def test_local_date_uses_china_standard_time() -> None:
    assert local_date(datetime(2025, 9, 30, 16, 30, tzinfo=UTC)) == date(2025, 10, 1)
    assert local_date(datetime(2025, 9, 30, 15, 30, tzinfo=UTC)) == date(2025, 9, 30)
    assert start_of_day(date(2025, 10, 1)) == datetime(2025, 9, 30, 16, tzinfo=UTC)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        local_date(datetime(2025, 10, 1, 9))
    assert excinfo.value.code == "naive_datetime"
    with pytest.raises(InvalidFieldError):
        FixedClock(datetime(2025, 10, 1, 9))


def test_fixed_clock_stands_still_until_moved() -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=CHINA_STANDARD_TIME)
    clock: Clock = FixedClock(start)
    assert clock.now() == start
    assert clock.now() == start
    assert isinstance(clock, FixedClock)
    assert clock.advance(timedelta(hours=2)) == start + timedelta(hours=2)
    clock.set(start - timedelta(days=1))
    assert clock.now() == start - timedelta(days=1)


def test_system_clock_is_timezone_aware() -> None:
    now = SystemClock().now()
    assert now.utcoffset() == timedelta(0)
