"""The public notice (公示) period and the objections (异议) filed against it.

A notice is over at midnight (China Standard Time) after its last working
day. An objection pauses it: the working days left after the filing date are
kept, and a dismissal restarts the count after the decision date, so neither
the filing day nor the decision day is counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from node.domain.calendar import WorkingDayCalendar, local_date, require_aware, start_of_day
from node.domain.errors import InvalidFieldError
from node.domain.text import TextRule, require_text

OBJECTION_REASON = TextRule(2000, multiline=True)
MAX_NOTICE_WORKING_DAYS = 60


@dataclass(frozen=True)
class Notice:
    """A published notice: when it went up, for how many working days, its last day."""

    published_at: datetime
    working_days: int
    ends_on: date

    @classmethod
    def publish(cls, at: datetime, working_days: int, calendar: WorkingDayCalendar) -> Notice:
        """A notice published at ``at``; the publication day itself is not counted."""
        require_aware(at)
        if not 1 <= working_days <= MAX_NOTICE_WORKING_DAYS:
            raise InvalidFieldError(
                "working_days",
                "out_of_range",
                f"must be from 1 to {MAX_NOTICE_WORKING_DAYS}, is {working_days}",
            )
        return cls(at, working_days, calendar.add_working_days(local_date(at), working_days))

    @property
    def ends_at(self) -> datetime:
        """The moment the notice is over: midnight after :attr:`ends_on`."""
        return start_of_day(self.ends_on + timedelta(days=1))

    def is_over(self, at: datetime) -> bool:
        """True from :attr:`ends_at` on."""
        return require_aware(at) >= self.ends_at

    def remaining_working_days(self, on: date, calendar: WorkingDayCalendar) -> int:
        """Working days of the notice still to run after the day ``on``."""
        return calendar.working_days_between(on, self.ends_on)

    def resumed(self, at: datetime, remaining: int, calendar: WorkingDayCalendar) -> Notice:
        """The notice continued from ``at`` for the ``remaining`` working days."""
        return replace(self, ends_on=calendar.add_working_days(local_date(at), remaining))


@dataclass(frozen=True)
class Objection:
    """An objection (异议) to an application on public notice."""

    id: str
    filed_by: str
    reason: str
    filed_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", require_text(self.id, "objection.id", 64))
        object.__setattr__(self, "filed_by", require_text(self.filed_by, "objection.filed_by", 200))
        object.__setattr__(self, "reason", OBJECTION_REASON.clean(self.reason, "objection.reason"))
        require_aware(self.filed_at, "objection.filed_at")

    def to_dict(self) -> dict[str, str]:
        """Plain fields for event details and documents."""
        return {
            "id": self.id,
            "filed_by": self.filed_by,
            "reason": self.reason,
            "filed_at": self.filed_at.isoformat(),
        }


@dataclass(frozen=True)
class ObjectionDecision:
    """The centre's decision on one objection: upheld (成立) or dismissed (不成立)."""

    objection_id: str
    decided_by: str
    upheld: bool
    reason: str
    decided_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "decided_by", require_text(self.decided_by, "decision.decided_by", 200)
        )
        object.__setattr__(self, "reason", OBJECTION_REASON.clean(self.reason, "decision.reason"))
        require_aware(self.decided_at, "decision.decided_at")
