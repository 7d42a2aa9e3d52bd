"""The period a report covers and the counts the store takes over the registrations in it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from node.domain.calendar import CHINA_STANDARD_TIME
from node.domain.errors import InvalidFieldError
from node.domain.registration_facts import Subject
from node.domain.securities import Board
from node.domain.values import DataType, IndustrySection, Ownership


@dataclass(frozen=True)
class Period:
    """Registrations from ``first`` (None: since the first one) to ``last``, both included."""

    first: date | None
    last: date

    def __post_init__(self) -> None:
        if self.first is not None and self.first > self.last:
            raise InvalidFieldError("period", "empty_period", "first day is after the last")

    @classmethod
    def year(cls, year: int) -> Period:
        """The calendar year ``year``."""
        if not 2000 <= year <= 9999:
            raise InvalidFieldError("year", "out_of_range", "must be from 2000 to 9999")
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def as_of(cls, day: date) -> Period:
        """Every registration up to and including ``day`` (截至).."""
        return cls(None, day)

    def moments(self) -> tuple[datetime | None, datetime]:
        """The period as instants: from the first day's start (China Standard Time) to the
        start of the day after the last."""
        first = None if self.first is None else _start_of(self.first)
        if self.last == date.max:  # the year 9999: no day after it in the calendar
            return first, datetime.max.replace(tzinfo=CHINA_STANDARD_TIME)
        return first, _start_of(self.last + timedelta(days=1))

    def contains(self, day: date) -> bool:
        """Whether ``day`` lies in the period."""
        return (self.first is None or self.first <= day) and day <= self.last


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CHINA_STANDARD_TIME)


@dataclass(frozen=True)
class ListedCompanyTally:
    """What one listed company (by securities code) registered in the period."""

    securities_code: str
    board: Board
    registrations: int
    amounts: Mapping[Subject, Decimal] = field(default_factory=dict)
    """Sum of each subject's amounts in yuan over its registrations (0 when none was given)."""

    @property
    def total(self) -> Decimal:
        """All three subjects together."""
        return sum(self.amounts.values(), Decimal(0))


@dataclass(frozen=True)
class RegistryTallies:
    """Counts over the registrations of a period, as the store aggregates them."""

    registrations: int
    registrants: int
    """Distinct credit codes."""
    by_ownership_listing: Mapping[tuple[Ownership, bool | None], int]
    """Registrations per ownership and listing (None: listing not recorded)."""
    by_province: Mapping[str, int]
    """Registrations per two-digit province code."""
    by_section: Mapping[IndustrySection, int]
    by_data_type: Mapping[DataType, int]
    by_month: Mapping[tuple[int, int], int]
    """Registrations per (year, month)."""
    listed_companies: tuple[ListedCompanyTally, ...]
    first_registered_on: date | None
    """The earliest registration date in the period, None when it has none."""
    pledges: int = 0
    """Pledges registered (confirmed, whether still active, released or expired) that were
    requested in the period."""
    pledged: Decimal = Decimal(0)
    """Their secured principal in yuan (pledges in CNY)."""
