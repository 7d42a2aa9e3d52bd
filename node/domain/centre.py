"""A registration centre (登记机构) as the domain sees it: identity and rule settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from node.domain.calendar import WorkingDayCalendar
from node.domain.certificate import DEFAULT_VALIDITY_YEARS, validity_end
from node.domain.errors import InvalidFieldError
from node.domain.identifiers import RegionCode, RegistrationNumber
from node.domain.notice import MAX_NOTICE_WORKING_DAYS
from node.domain.text import require_text
from node.domain.workflow import DEFAULT_NOTICE_WORKING_DAYS


@dataclass(frozen=True)
class Centre:
    """A centre: its region code prefixes its registration numbers."""

    region_code: RegionCode
    name: str
    endpoint: str
    calendar: WorkingDayCalendar = field(default_factory=WorkingDayCalendar)
    notice_working_days: int = DEFAULT_NOTICE_WORKING_DAYS
    validity_years: int = DEFAULT_VALIDITY_YEARS
    confirm_pledges_on_consent: bool = True
    """The centre's policy: a pledge request (or extension) the holder consented to is
    confirmed at once, without an operator."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", require_text(self.name, "centre.name", 200))
        parts = urlsplit(self.endpoint)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise InvalidFieldError(
                "centre.endpoint", "url_format", "must be an http(s) URL with a host"
            )
        if not 1 <= self.notice_working_days <= MAX_NOTICE_WORKING_DAYS:
            raise InvalidFieldError(
                "centre.notice_working_days",
                "out_of_range",
                f"must be from 1 to {MAX_NOTICE_WORKING_DAYS}",
            )
        if not 1 <= self.validity_years <= 30:
            raise InvalidFieldError("centre.validity_years", "out_of_range", "must be from 1 to 30")

    def registration_number(self, year: int, serial: int) -> RegistrationNumber:
        """The centre's registration number for ``serial`` in ``year``."""
        return RegistrationNumber.create(self.region_code, year, serial)

    def valid_until(self, issued_on: date) -> date:
        """Last valid day of a certificate the centre issues on ``issued_on``."""
        return validity_end(issued_on, self.validity_years)
