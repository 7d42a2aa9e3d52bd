"""The centre's admin settings in ``centre_settings``, a table of one row."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from node.store.checks import require_aware, require_text
from node.store.models import NAME, CentreSettingsRow
from node.store.ports import AbstractCentreSettingsRepository
from node.store.records import CentreSettings


def checked_settings(settings: CentreSettings) -> CentreSettings:
    """``settings`` when their fields fit the table."""
    require_aware(settings.updated_at, "updated_at")
    require_text(settings.updated_by, "updated_by", NAME)
    return settings


class CentreSettingsRepository(AbstractCentreSettingsRepository):
    """The centre's settings of one unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self) -> CentreSettings | None:
        row = self._session.get(CentreSettingsRow, 1)
        if row is None:
            return None
        return CentreSettings(
            notice_working_days=row.notice_working_days,
            validity_years=row.validity_years,
            holidays=tuple(date.fromisoformat(day) for day in row.holidays),
            makeup_workdays=tuple(date.fromisoformat(day) for day in row.makeup_workdays),
            updated_at=row.updated_at,
            updated_by=row.updated_by,
        )

    def put(self, settings: CentreSettings) -> None:
        checked_settings(settings)
        row = self._session.get(CentreSettingsRow, 1) or CentreSettingsRow(id=1)
        row.notice_working_days = settings.notice_working_days
        row.validity_years = settings.validity_years
        row.holidays = [day.isoformat() for day in sorted(settings.holidays)]
        row.makeup_workdays = [day.isoformat() for day in sorted(settings.makeup_workdays)]
        row.updated_at = settings.updated_at
        row.updated_by = settings.updated_by
        self._session.add(row)
        self._session.flush()
