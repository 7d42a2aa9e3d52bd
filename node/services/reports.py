"""Reports read from the store: the registry's annual report (yearbook)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from node.domain.calendar import Clock, local_date
from node.domain.centre import Centre
from node.domain.errors import InvalidFieldError
from node.domain.statistics import Period
from node.reports.yearbook import CentreJson, Yearbook, build_yearbook
from node.store.ports import AbstractUnitOfWork


class YearbookService:
    """Builds the yearbook from the registrations the store holds."""

    def __init__(
        self, unit_of_work: Callable[[], AbstractUnitOfWork], centre: Centre, clock: Clock
    ) -> None:
        self._unit_of_work = unit_of_work
        self._centre = centre
        self._clock = clock

    def yearbook(self, *, year: int | None = None, as_of: date | None = None) -> Yearbook:
        """The report of the calendar year ``year``, or of every registration up to ``as_of``
        (today when neither is given); the counts come from one read of the store."""
        if year is not None and as_of is not None:
            raise InvalidFieldError("as_of", "conflicting_options", "give year or as_of, not both")
        now = self._clock.now()
        period = Period.year(year) if year is not None else Period.as_of(as_of or local_date(now))
        with self._unit_of_work() as uow:
            tallies = uow.registration_facts.tallies(period)
        return build_yearbook(
            tallies,
            period,
            year=year,
            centre=CentreJson(name=self._centre.name, region_code=self._centre.region_code.value),
            generated_at=now,
        )
