"""The yearbook's periods as instants, to the calendar's last day."""

from __future__ import annotations

from datetime import date

from node.domain.statistics import Period


def test_the_last_calendar_year_ends_without_overflowing() -> None:
    first, end = Period.year(9999).moments()
    assert first is not None and first.date() == date(9999, 1, 1)
    assert end > first and Period.as_of(date.max).moments()[1] == end


def test_a_year_ends_at_the_start_of_the_next() -> None:
    first, end = Period.year(2026).moments()
    assert (first is not None and first.date(), end.date()) == (date(2026, 1, 1), date(2027, 1, 1))
