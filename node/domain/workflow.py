"""The application entity and its state machine: 申请 → 合规审查 → 审核 → 公示 → 颁证.

Design:

- One table, :data:`TRANSITIONS`, maps (state, action) to the states the action
  may lead to; every action looks itself up there first and raises
  IllegalTransitionError when absent. Terminal states have no entries.
- Audit approval and publication are separate acts: ``approve_audit`` moves
  to ``awaiting_notice`` and ``publish_notice`` puts the notice up. Centres
  publish on their board when they choose (often in batches), and the notice
  period must count from the publication, not from the audit.
- Actions take the moment they happen as ``at`` (timezone-aware, never before
  the previous action); services read it from a Clock. The entity holds no
  clock, so a stored application needs nothing injected to be loaded.
- The notice counts working days on the centre's calendar, passed in with the
  actions that need it. Several objections may be pending; the notice resumes
  when the last is dismissed, and any upheld objection rejects the application.
- Four-eyes: the auditor may be nobody who acted in the compliance review
  (started it, returned the application, or completed it).
- Every action appends an immutable WorkflowEvent to ``events``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from node.domain.calendar import WorkingDayCalendar, local_date, require_aware
from node.domain.compliance import ComplianceReport
from node.domain.errors import (
    ComplianceFailedError,
    DuplicateObjectionError,
    FourEyesError,
    IllegalTransitionError,
    NoticeNotOverError,
    NoticeOverError,
    ObjectionNotFoundError,
    ReportMismatchError,
    TimeOrderError,
)
from node.domain.frozen_json import JsonValue, freeze_mapping, thaw
from node.domain.identifiers import RegistrationNumber
from node.domain.notice import Notice, Objection, ObjectionDecision
from node.domain.text import TextRule, require_text
from node.domain.values import ApplicationContent

REASON = TextRule(2000, multiline=True)
DEFAULT_NOTICE_WORKING_DAYS = 10


class ApplicationState(StrEnum):
    """Where an application stands."""

    DRAFT = "draft"
    """草稿: being written by the applicant."""
    SUBMITTED = "submitted"
    """已提交: waiting for a reviewer."""
    RETURNED = "returned"
    """退回补正: returned to the applicant for amendment."""
    COMPLIANCE_REVIEW = "compliance_review"
    """合规审查: under compliance review."""
    AUDIT = "audit"
    """审核: compliance passed, waiting for the second person's audit."""
    AWAITING_NOTICE = "awaiting_notice"
    """审核通过待公示: audit approved, not yet on the notice board."""
    PUBLIC_NOTICE = "public_notice"
    """公示: on public notice, the period running."""
    OBJECTION = "objection"
    """异议处理: notice paused until every pending objection is decided."""
    ISSUED = "issued"
    """已颁证: the certificate was issued."""
    REJECTED = "rejected"
    """不予登记: refused."""
    WITHDRAWN = "withdrawn"
    """已撤回: withdrawn by the applicant."""


class Action(StrEnum):
    """What can be done to an application; each is a method of :class:`Application`."""

    SUBMIT = "submit"
    START_REVIEW = "start_review"
    RETURN_FOR_AMENDMENT = "return_for_amendment"
    AMEND = "amend"
    RESUBMIT = "resubmit"
    COMPLETE_REVIEW = "complete_review"
    REJECT = "reject"
    APPROVE_AUDIT = "approve_audit"
    PUBLISH_NOTICE = "publish_notice"
    FILE_OBJECTION = "file_objection"
    DECIDE_OBJECTION = "decide_objection"
    ISSUE = "issue"
    WITHDRAW = "withdraw"


_S = ApplicationState
_A = Action

TRANSITIONS: Mapping[tuple[ApplicationState, Action], frozenset[ApplicationState]] = (
    MappingProxyType(
        {
            (_S.DRAFT, _A.AMEND): frozenset({_S.DRAFT}),
            (_S.DRAFT, _A.SUBMIT): frozenset({_S.SUBMITTED}),
            (_S.DRAFT, _A.WITHDRAW): frozenset({_S.WITHDRAWN}),
            (_S.SUBMITTED, _A.START_REVIEW): frozenset({_S.COMPLIANCE_REVIEW}),
            (_S.SUBMITTED, _A.WITHDRAW): frozenset({_S.WITHDRAWN}),
            (_S.RETURNED, _A.AMEND): frozenset({_S.RETURNED}),
            (_S.RETURNED, _A.RESUBMIT): frozenset({_S.SUBMITTED}),
            (_S.RETURNED, _A.WITHDRAW): frozenset({_S.WITHDRAWN}),
            (_S.COMPLIANCE_REVIEW, _A.RETURN_FOR_AMENDMENT): frozenset({_S.RETURNED}),
            (_S.COMPLIANCE_REVIEW, _A.COMPLETE_REVIEW): frozenset({_S.AUDIT}),
            (_S.COMPLIANCE_REVIEW, _A.REJECT): frozenset({_S.REJECTED}),
            (_S.COMPLIANCE_REVIEW, _A.WITHDRAW): frozenset({_S.WITHDRAWN}),
            (_S.AUDIT, _A.APPROVE_AUDIT): frozenset({_S.AWAITING_NOTICE}),
            (_S.AUDIT, _A.REJECT): frozenset({_S.REJECTED}),
            (_S.AUDIT, _A.WITHDRAW): frozenset({_S.WITHDRAWN}),
            (_S.AWAITING_NOTICE, _A.PUBLISH_NOTICE): frozenset({_S.PUBLIC_NOTICE}),
            (_S.AWAITING_NOTICE, _A.WITHDRAW): frozenset({_S.WITHDRAWN}),
            (_S.PUBLIC_NOTICE, _A.FILE_OBJECTION): frozenset({_S.OBJECTION}),
            (_S.PUBLIC_NOTICE, _A.ISSUE): frozenset({_S.ISSUED}),
            (_S.PUBLIC_NOTICE, _A.WITHDRAW): frozenset({_S.WITHDRAWN}),
            (_S.OBJECTION, _A.FILE_OBJECTION): frozenset({_S.OBJECTION}),
            (_S.OBJECTION, _A.DECIDE_OBJECTION): frozenset(
                {_S.REJECTED, _S.PUBLIC_NOTICE, _S.OBJECTION}
            ),
        }
    )
)
"""(state, action) → states the action may lead to; a missing pair is an illegal transition."""

TERMINAL_STATES = frozenset({_S.ISSUED, _S.REJECTED, _S.WITHDRAWN})


def allowed_actions(state: ApplicationState) -> frozenset[Action]:
    """The actions :data:`TRANSITIONS` allows in ``state``."""
    return frozenset(action for (source, action) in TRANSITIONS if source is state)


@dataclass(frozen=True)
class WorkflowEvent:
    """One action taken on an application, as the store persists it in a hash-chained log."""

    sequence: int
    action: Action
    actor: str
    at: datetime
    from_state: ApplicationState
    to_state: ApplicationState
    details: Mapping[str, JsonValue]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready fields (times in ISO 8601)."""
        return {
            "sequence": self.sequence,
            "action": self.action.value,
            "actor": self.actor,
            "at": self.at.isoformat(),
            "from_state": self.from_state.value,
            "to_state": self.to_state.value,
            "details": thaw(self.details),
        }


def _actor(name: str, field: str) -> str:
    return require_text(name, field, 200)


class Application:
    """A registration application (登记申请) and everything decided about it."""

    def __init__(self, application_id: str, content: ApplicationContent) -> None:
        self._id = require_text(application_id, "application_id", 64)
        self._content = content
        self._state = ApplicationState.DRAFT
        self._reviewers: set[str] = set()
        self._report: ComplianceReport | None = None
        self._auditor: str | None = None
        self._notice: Notice | None = None
        self._remaining_working_days: int | None = None
        self._objections: list[Objection] = []
        self._decisions: list[ObjectionDecision] = []
        self._registration_number: RegistrationNumber | None = None
        self._events: list[WorkflowEvent] = []

    # -- reading ---------------------------------------------------------------------------

    @property
    def id(self) -> str:
        """The application's id, chosen by the service that creates it."""
        return self._id

    @property
    def content(self) -> ApplicationContent:
        """What is applied for, as last amended."""
        return self._content

    @property
    def state(self) -> ApplicationState:
        """The current state."""
        return self._state

    @property
    def events(self) -> tuple[WorkflowEvent, ...]:
        """Every action taken, oldest first."""
        return tuple(self._events)

    @property
    def reviewers(self) -> frozenset[str]:
        """Everyone who acted in the compliance review."""
        return frozenset(self._reviewers)

    @property
    def compliance_report(self) -> ComplianceReport | None:
        """The report that completed the review."""
        return self._report

    @property
    def auditor(self) -> str | None:
        """Who approved the audit."""
        return self._auditor

    @property
    def notice(self) -> Notice | None:
        """The public notice, its end recomputed after each dismissed objection."""
        return self._notice

    @property
    def remaining_working_days(self) -> int | None:
        """Notice working days left while the notice is paused by objections."""
        return self._remaining_working_days

    @property
    def objections(self) -> tuple[Objection, ...]:
        """Every objection filed, oldest first."""
        return tuple(self._objections)

    @property
    def decisions(self) -> tuple[ObjectionDecision, ...]:
        """Every objection decision, oldest first."""
        return tuple(self._decisions)

    @property
    def pending_objections(self) -> tuple[Objection, ...]:
        """Objections not yet decided."""
        decided = {decision.objection_id for decision in self._decisions}
        return tuple(o for o in self._objections if o.id not in decided)

    @property
    def registration_number(self) -> RegistrationNumber | None:
        """The number of the certificate issued for this application."""
        return self._registration_number

    # -- actions ---------------------------------------------------------------------------

    def submit(self, by: str, *, at: datetime) -> None:
        """Hand the draft to the centre."""
        self._begin(Action.SUBMIT, at)
        self._record(Action.SUBMIT, _actor(by, "by"), at, ApplicationState.SUBMITTED)

    def start_review(self, reviewer: str, *, at: datetime) -> None:
        """A reviewer takes the application into compliance review (合规审查)."""
        self._begin(Action.START_REVIEW, at)
        reviewer = _actor(reviewer, "reviewer")
        self._reviewers.add(reviewer)
        self._record(Action.START_REVIEW, reviewer, at, ApplicationState.COMPLIANCE_REVIEW)

    def return_for_amendment(self, reviewer: str, reason: str, *, at: datetime) -> None:
        """Send the application back to the applicant for amendment (补正)."""
        self._begin(Action.RETURN_FOR_AMENDMENT, at)
        reviewer = _actor(reviewer, "reviewer")
        reason = REASON.clean(reason, "reason")
        self._reviewers.add(reviewer)
        self._record(
            Action.RETURN_FOR_AMENDMENT, reviewer, at, ApplicationState.RETURNED, {"reason": reason}
        )

    def amend(self, by: str, content: ApplicationContent, *, at: datetime) -> None:
        """Replace the content of a draft or a returned application."""
        self._begin(Action.AMEND, at)
        by = _actor(by, "by")
        self._content = content
        self._record(Action.AMEND, by, at, self._state, {"content": content.to_dict()})

    def resubmit(self, by: str, *, at: datetime) -> None:
        """Hand the amended application back to the centre."""
        self._begin(Action.RESUBMIT, at)
        self._record(Action.RESUBMIT, _actor(by, "by"), at, ApplicationState.SUBMITTED)

    def complete_review(self, reviewer: str, report: ComplianceReport, *, at: datetime) -> None:
        """Finish compliance review with a passing report; a failing one calls for ``reject``."""
        self._begin(Action.COMPLETE_REVIEW, at)
        reviewer = _actor(reviewer, "reviewer")
        if report.rights != self._content.rights:
            raise ReportMismatchError()
        if not report.passed:
            raise ComplianceFailedError(section.value for section in report.failed)
        self._reviewers.add(reviewer)
        self._report = report
        self._record(
            Action.COMPLETE_REVIEW,
            reviewer,
            at,
            ApplicationState.AUDIT,
            {"report": report.to_dict()},
        )

    def reject(self, actor: str, reason: str, *, at: datetime) -> None:
        """Refuse registration (不予登记) during review or audit."""
        self._begin(Action.REJECT, at)
        actor = _actor(actor, "actor")
        reason = REASON.clean(reason, "reason")
        self._record(Action.REJECT, actor, at, ApplicationState.REJECTED, {"reason": reason})

    def approve_audit(self, auditor: str, *, at: datetime) -> None:
        """The second person approves the audit (审核); publication comes next."""
        self._begin(Action.APPROVE_AUDIT, at)
        auditor = _actor(auditor, "auditor")
        if auditor in self._reviewers:
            raise FourEyesError(auditor)
        self._auditor = auditor
        self._record(Action.APPROVE_AUDIT, auditor, at, ApplicationState.AWAITING_NOTICE)

    def publish_notice(
        self,
        publisher: str,
        *,
        at: datetime,
        calendar: WorkingDayCalendar,
        working_days: int = DEFAULT_NOTICE_WORKING_DAYS,
    ) -> None:
        """Put the application on public notice (公示) from ``at`` for ``working_days``."""
        self._begin(Action.PUBLISH_NOTICE, at)
        publisher = _actor(publisher, "publisher")
        notice = Notice.publish(at, working_days, calendar)
        self._notice = notice
        self._record(
            Action.PUBLISH_NOTICE,
            publisher,
            at,
            ApplicationState.PUBLIC_NOTICE,
            _notice_details(notice),
        )

    def file_objection(self, objection: Objection, *, calendar: WorkingDayCalendar) -> None:
        """Record an objection (异议); the first one pauses the notice period."""
        at = objection.filed_at
        self._begin(Action.FILE_OBJECTION, at)
        notice = self._current_notice()
        if self._state is ApplicationState.PUBLIC_NOTICE and notice.is_over(at):
            raise NoticeOverError(notice.ends_at)
        if any(filed.id == objection.id for filed in self._objections):
            raise DuplicateObjectionError(objection.id)
        if self._remaining_working_days is None:
            self._remaining_working_days = notice.remaining_working_days(local_date(at), calendar)
        self._objections.append(objection)
        self._record(
            Action.FILE_OBJECTION,
            objection.filed_by,
            at,
            ApplicationState.OBJECTION,
            {
                "objection": objection.to_dict(),
                "remaining_working_days": self._remaining_working_days,
            },
        )

    def decide_objection(
        self,
        decider: str,
        objection_id: str,
        *,
        upheld: bool,
        reason: str,
        at: datetime,
        calendar: WorkingDayCalendar,
    ) -> None:
        """Decide one pending objection.

        Upheld: the application is rejected. Dismissed: the notice resumes for the
        remaining working days, counted after the decision date, once no other
        objection is pending.
        """
        self._begin(Action.DECIDE_OBJECTION, at)
        if objection_id not in {objection.id for objection in self.pending_objections}:
            raise ObjectionNotFoundError(objection_id)
        decision = ObjectionDecision(objection_id, decider, upheld, reason, at)
        details: dict[str, object] = {
            "objection_id": objection_id,
            "upheld": upheld,
            "reason": decision.reason,
        }
        self._decisions.append(decision)
        if upheld:
            target = ApplicationState.REJECTED
        elif self.pending_objections:
            target = ApplicationState.OBJECTION
        else:
            remaining = self._remaining_working_days
            assert remaining is not None
            self._notice = self._current_notice().resumed(at, remaining, calendar)
            self._remaining_working_days = None
            target = ApplicationState.PUBLIC_NOTICE
            details |= _notice_details(self._notice)
        self._record(Action.DECIDE_OBJECTION, decision.decided_by, at, target, details)

    def issue(self, issuer: str, *, at: datetime, registration_number: RegistrationNumber) -> None:
        """Issue the certificate (颁证) once the notice is over with no objection pending."""
        self._begin(Action.ISSUE, at)
        issuer = _actor(issuer, "issuer")
        notice = self._current_notice()
        if not notice.is_over(at) or self.pending_objections:
            raise NoticeNotOverError(notice.ends_at)
        self._registration_number = registration_number
        self._record(
            Action.ISSUE,
            issuer,
            at,
            ApplicationState.ISSUED,
            {"registration_number": str(registration_number)},
        )

    def withdraw(self, by: str, *, at: datetime) -> None:
        """The applicant withdraws (撤回) the application."""
        self._begin(Action.WITHDRAW, at)
        self._record(Action.WITHDRAW, _actor(by, "by"), at, ApplicationState.WITHDRAWN)

    # -- restoring -------------------------------------------------------------------------

    @classmethod
    def _restore(
        cls,
        application_id: str,
        content: ApplicationContent,
        *,
        state: ApplicationState,
        reviewers: Iterable[str],
        report: ComplianceReport | None,
        auditor: str | None,
        notice: Notice | None,
        remaining_working_days: int | None,
        objections: Iterable[Objection],
        decisions: Iterable[ObjectionDecision],
        registration_number: RegistrationNumber | None,
        events: Iterable[WorkflowEvent],
    ) -> Application:
        """An application exactly as it was stored (``node.domain.snapshot``); not for services."""
        application = cls(application_id, content)
        application._state = state
        application._reviewers = set(reviewers)
        application._report = report
        application._auditor = auditor
        application._notice = notice
        application._remaining_working_days = remaining_working_days
        application._objections = list(objections)
        application._decisions = list(decisions)
        application._registration_number = registration_number
        application._events = list(events)
        return application

    # -- machinery -------------------------------------------------------------------------

    def _begin(self, action: Action, at: datetime) -> None:
        """Refuse the action unless the table allows it now and ``at`` is in order."""
        if (self._state, action) not in TRANSITIONS:
            raise IllegalTransitionError(self._state.value, action.value)
        require_aware(at)
        if self._events and at < self._events[-1].at:
            raise TimeOrderError(at, self._events[-1].at)

    def _record(
        self,
        action: Action,
        actor: str,
        at: datetime,
        to_state: ApplicationState,
        details: Mapping[str, object] | None = None,
    ) -> None:
        allowed = TRANSITIONS[(self._state, action)]
        assert to_state in allowed, f"{action} may not lead from {self._state} to {to_state}"
        self._events.append(
            WorkflowEvent(
                sequence=len(self._events) + 1,
                action=action,
                actor=actor,
                at=at,
                from_state=self._state,
                to_state=to_state,
                details=freeze_mapping(details or {}),
            )
        )
        self._state = to_state

    def _current_notice(self) -> Notice:
        assert self._notice is not None, "a notice exists from public_notice on"
        return self._notice


def _notice_details(notice: Notice) -> dict[str, object]:
    return {
        "working_days": notice.working_days,
        "notice_ends_on": notice.ends_on.isoformat(),
        "notice_ends_at": notice.ends_at.isoformat(),
    }
