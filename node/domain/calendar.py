"""Working days of a centre and the clock that dates every action.

All centres are in China, which keeps one time zone (UTC+8, no daylight
saving), so local dates are taken in China Standard Time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol

from node.domain.errors import InvalidFieldError

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def require_aware(moment: datetime, field_name: str = "at") -> datetime:
    """``moment`` itself, or InvalidFieldError when it has no time zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidFieldError(field_name, "naive_datetime", "must carry a time zone")
    return moment


def local_date(moment: datetime) -> date:
    """The calendar date of ``moment`` in China Standard Time."""
    return require_aware(moment).astimezone(CHINA_STANDARD_TIME).date()


def start_of_day(day: date) -> datetime:
    """Midnight at the start of ``day`` in China Standard Time."""
    return datetime(day.year, day.month, day.day, tzinfo=CHINA_STANDARD_TIME)


@dataclass(frozen=True)
class WorkingDayCalendar:
    """A centre's working days: Monday to Friday, minus holidays, plus make-up days.

    ``makeup_workdays`` are the weekend dates worked in exchange for a longer
    holiday (调休), as the State Council's yearly holiday notice sets them.
    """

    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_workdays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "makeup_workdays", frozenset(self.makeup_workdays))
        both = sorted(self.holidays & self.makeup_workdays)
        if both:
            raise InvalidFieldError(
                "calendar.makeup_workdays",
                "calendar_conflict",
                f"{both[0].isoformat()} is both a holiday and a make-up working day",
            )
        weekdays = sorted(day for day in self.makeup_workdays if day.weekday() < 5)
        if weekdays:
            raise InvalidFieldError(
                "calendar.makeup_workdays",
                "makeup_not_weekend",
                f"{weekdays[0].isoformat()} is a weekday; make-up days fall on weekends",
            )

    def is_working_day(self, day: date) -> bool:
        """True when the centre works on ``day``."""
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself never counts)."""
        if n < 0:
            raise InvalidFieldError("working_days", "out_of_range", "must not be negative")
        day = start
        while n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; 0 when ``end <= start``."""
        count = 0
        day = start + timedelta(days=1)
        while day <= end:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count


class Clock(Protocol):
    """Where services get the current time; tests substitute a FixedClock."""

    def now(self) -> datetime:
        """The current moment, timezone-aware."""
        ...


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        """The current moment in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told to move."""

    def __init__(self, at: datetime) -> None:
        self._at = require_aware(at)

    def now(self) -> datetime:
        """The moment last set."""
        return self._at

    def set(self, at: datetime) -> None:
        """Move to ``at`` (forwards or backwards)."""
        self._at = require_aware(at)

    def advance(self, delta: timedelta) -> datetime:
        """Move on by ``delta`` and return the new moment."""
        self._at += delta
        return self._at
