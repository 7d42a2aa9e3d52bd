"""The centre's rule settings its admin may change: the notice period, the validity of
certificates and the working-day calendar (holidays and 调休 make-up days).

The configuration gives the first values; what the admin sets is stored and
logged, and wins over the configuration from then on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date

from node.domain.calendar import Clock, WorkingDayCalendar
from node.domain.centre import Centre
from node.store.ports import AbstractUnitOfWork
from node.store.records import CentreSettings


def with_settings(centre: Centre, settings: CentreSettings | None) -> Centre:
    """``centre`` with the stored settings applied (unchanged when none are stored)."""
    if settings is None:
        return centre
    return replace(
        centre,
        notice_working_days=settings.notice_working_days,
        validity_years=settings.validity_years,
        calendar=WorkingDayCalendar(
            frozenset(settings.holidays), frozenset(settings.makeup_workdays)
        ),
    )


class CentreSettingsService:
    """Reads and changes the stored settings over the configured centre."""

    def __init__(
        self, unit_of_work: Callable[[], AbstractUnitOfWork], clock: Clock, configured: Centre
    ) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._configured = configured

    def current(self) -> Centre:
        """The configured centre with the stored settings applied."""
        with self._unit_of_work() as uow:
            return with_settings(self._configured, uow.centre_settings.get())

    def update(
        self,
        actor: str,
        *,
        notice_working_days: int | None = None,
        validity_years: int | None = None,
        holidays: Iterable[date] | None = None,
        makeup_workdays: Iterable[date] | None = None,
    ) -> Centre:
        """Change the given settings (the others stay); every rule of ``Centre`` and
        ``WorkingDayCalendar`` is checked before anything is stored."""
        with self._unit_of_work() as uow:
            centre = with_settings(self._configured, uow.centre_settings.get())
            calendar = WorkingDayCalendar(
                frozenset(centre.calendar.holidays if holidays is None else holidays),
                frozenset(
                    centre.calendar.makeup_workdays if makeup_workdays is None else makeup_workdays
                ),
            )
            updated = replace(
                centre,
                calendar=calendar,
                notice_working_days=(
                    centre.notice_working_days
                    if notice_working_days is None
                    else notice_working_days
                ),
                validity_years=centre.validity_years if validity_years is None else validity_years,
            )
            stored = CentreSettings(
                notice_working_days=updated.notice_working_days,
                validity_years=updated.validity_years,
                holidays=tuple(sorted(calendar.holidays)),
                makeup_workdays=tuple(sorted(calendar.makeup_workdays)),
                updated_at=self._clock.now(),
                updated_by=actor,
            )
            uow.centre_settings.put(stored)
            uow.events.append(
                actor,
                "centre.settings",
                f"centre:{centre.region_code.value}",
                {
                    "notice_working_days": stored.notice_working_days,
                    "validity_years": stored.validity_years,
                    "holidays": [day.isoformat() for day in stored.holidays],
                    "makeup_workdays": [day.isoformat() for day in stored.makeup_workdays],
                },
            )
            uow.commit()
        return updated
