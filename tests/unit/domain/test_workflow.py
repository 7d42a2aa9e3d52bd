from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from node.domain.calendar import WorkingDayCalendar
from node.domain.compliance import Verdict
from node.domain.errors import (
    ComplianceFailedError,
    FourEyesError,
    IllegalTransitionError,
    InvalidFieldError,
    ReportMismatchError,
    TimeOrderError,
)
from node.domain.frozen_json import thaw
from node.domain.notice import Objection
from node.domain.values import Right, Rights
from node.domain.workflow import (
    TERMINAL_STATES,
    TRANSITIONS,
    Action,
    Application,
    ApplicationState,
    allowed_actions,
)
from tests.unit.domain.builders import asset, content, cst, holder, number, report

S = ApplicationState
A = Action
PLAIN = WorkingDayCalendar()
START = cst(2026, 3, 2, 9)  # a Monday; ten working days of notice end on Monday 16 March
AFTER_NOTICE = cst(2026, 3, 20, 9)

# The specification of the state machine, written out independently of the module's table.
EXPECTED: dict[tuple[ApplicationState, Action], ApplicationState] = {
    (S.DRAFT, A.AMEND): S.DRAFT,
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.DRAFT, A.WITHDRAW): S.WITHDRAWN,
    (S.SUBMITTED, A.START_REVIEW): S.COMPLIANCE_REVIEW,
    (S.SUBMITTED, A.WITHDRAW): S.WITHDRAWN,
    (S.RETURNED, A.AMEND): S.RETURNED,
    (S.RETURNED, A.RESUBMIT): S.SUBMITTED,
    (S.RETURNED, A.WITHDRAW): S.WITHDRAWN,
    (S.COMPLIANCE_REVIEW, A.RETURN_FOR_AMENDMENT): S.RETURNED,
    (S.COMPLIANCE_REVIEW, A.COMPLETE_REVIEW): S.AUDIT,
    (S.COMPLIANCE_REVIEW, A.REJECT): S.REJECTED,
    (S.COMPLIANCE_REVIEW, A.WITHDRAW): S.WITHDRAWN,
    (S.AUDIT, A.APPROVE_AUDIT): S.AWAITING_NOTICE,
    (S.AUDIT, A.REJECT): S.REJECTED,
    (S.AUDIT, A.WITHDRAW): S.WITHDRAWN,
    (S.AWAITING_NOTICE, A.PUBLISH_NOTICE): S.PUBLIC_NOTICE,
    (S.AWAITING_NOTICE, A.WITHDRAW): S.WITHDRAWN,
    (S.PUBLIC_NOTICE, A.FILE_OBJECTION): S.OBJECTION,
    (S.PUBLIC_NOTICE, A.ISSUE): S.ISSUED,
    (S.PUBLIC_NOTICE, A.WITHDRAW): S.WITHDRAWN,
    (S.OBJECTION, A.FILE_OBJECTION): S.OBJECTION,
    (S.OBJECTION, A.DECIDE_OBJECTION): S.PUBLIC_NOTICE,
}

CALLS: dict[Action, Callable[[Application, datetime], None]] = {
    A.SUBMIT: lambda app, at: app.submit("applicant", at=at),
    A.START_REVIEW: lambda app, at: app.start_review("reviewer", at=at),
    A.RETURN_FOR_AMENDMENT: lambda app, at: app.return_for_amendment(
        "reviewer", "请补充数据来源授权文件。", at=at
    ),
    A.AMEND: lambda app, at: app.amend("applicant", content(), at=at),
    A.RESUBMIT: lambda app, at: app.resubmit("applicant", at=at),
    A.COMPLETE_REVIEW: lambda app, at: app.complete_review("reviewer", report(), at=at),
    A.REJECT: lambda app, at: app.reject("reviewer", "不符合登记条件。", at=at),
    A.APPROVE_AUDIT: lambda app, at: app.approve_audit("auditor", at=at),
    A.PUBLISH_NOTICE: lambda app, at: app.publish_notice("publisher", at=at, calendar=PLAIN),
    A.FILE_OBJECTION: lambda app, at: app.file_objection(
        Objection(f"obj-{len(app.objections) + 1}", "某公众", "数据来源存疑。", at), calendar=PLAIN
    ),
    A.DECIDE_OBJECTION: lambda app, at: app.decide_objection(
        "committee", "obj-1", upheld=False, reason="异议不成立。", at=at, calendar=PLAIN
    ),
    A.ISSUE: lambda app, at: app.issue("issuer", at=at, registration_number=number()),
    A.WITHDRAW: lambda app, at: app.withdraw("applicant", at=at),
}

_REVIEWED = [A.SUBMIT, A.START_REVIEW, A.COMPLETE_REVIEW, A.APPROVE_AUDIT, A.PUBLISH_NOTICE]
PATHS: dict[ApplicationState, list[Action]] = {
    S.DRAFT: [],
    S.SUBMITTED: [A.SUBMIT],
    S.COMPLIANCE_REVIEW: [A.SUBMIT, A.START_REVIEW],
    S.RETURNED: [A.SUBMIT, A.START_REVIEW, A.RETURN_FOR_AMENDMENT],
    S.AUDIT: _REVIEWED[:3],
    S.AWAITING_NOTICE: _REVIEWED[:4],
    S.PUBLIC_NOTICE: _REVIEWED,
    S.OBJECTION: [*_REVIEWED, A.FILE_OBJECTION],
    S.ISSUED: [*_REVIEWED, A.ISSUE],
    S.REJECTED: [A.SUBMIT, A.START_REVIEW, A.REJECT],
    S.WITHDRAWN: [A.WITHDRAW],
}


def _next_time(app: Application, action: Action) -> datetime:
    at = app.events[-1].at + timedelta(minutes=1) if app.events else START
    return max(at, AFTER_NOTICE) if action is A.ISSUE else at


def _do(app: Application, action: Action) -> None:
    CALLS[action](app, _next_time(app, action))


def application_in(state: ApplicationState) -> Application:
    app = Application("app-1", content())
    for action in PATHS[state]:
        _do(app, action)
    assert app.state is state
    return app


def test_every_state_and_action_is_covered() -> None:
    assert set(PATHS) == set(ApplicationState)
    assert set(CALLS) == set(Action)


def test_module_table_matches_the_specification() -> None:
    assert set(TRANSITIONS) == set(EXPECTED)
    for key, target in EXPECTED.items():
        assert target in TRANSITIONS[key]
    assert TRANSITIONS[(S.OBJECTION, A.DECIDE_OBJECTION)] == {
        S.PUBLIC_NOTICE,
        S.OBJECTION,
        S.REJECTED,
    }


@pytest.mark.parametrize("state", list(ApplicationState))
@pytest.mark.parametrize("action", list(Action))
def test_state_action_table(state: ApplicationState, action: Action) -> None:
    app = application_in(state)
    events_before = app.events
    expected = EXPECTED.get((state, action))
    if expected is None:
        with pytest.raises(IllegalTransitionError) as excinfo:
            _do(app, action)
        assert (excinfo.value.state, excinfo.value.action) == (state.value, action.value)
        assert state.value in str(excinfo.value) and action.value in str(excinfo.value)
        assert excinfo.value.code == "illegal_transition"
        assert app.state is state
        assert app.events == events_before
    else:
        _do(app, action)
        assert app.state is expected
        event = app.events[-1]
        assert (event.action, event.from_state, event.to_state) == (action, state, expected)
        assert event.sequence == len(events_before) + 1


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES))
def test_terminal_states_accept_nothing(state: ApplicationState) -> None:
    assert allowed_actions(state) == frozenset()


def test_allowed_actions_in_public_notice() -> None:
    assert allowed_actions(S.PUBLIC_NOTICE) == {A.FILE_OBJECTION, A.ISSUE, A.WITHDRAW}


def test_happy_path_records_every_step() -> None:
    app = application_in(S.PUBLIC_NOTICE)
    app.issue("issuer", at=AFTER_NOTICE, registration_number=number(7))
    assert [e.action for e in app.events] == [*_REVIEWED, A.ISSUE]
    assert [e.sequence for e in app.events] == [1, 2, 3, 4, 5, 6]
    assert [e.actor for e in app.events] == [
        "applicant",
        "reviewer",
        "reviewer",
        "auditor",
        "publisher",
        "issuer",
    ]
    assert all(a.to_state is b.from_state for a, b in zip(app.events, app.events[1:], strict=False))
    assert app.registration_number == number(7)
    assert app.events[-1].details["registration_number"] == str(number(7))
    assert app.auditor == "auditor"
    assert app.compliance_report == report()
    review = thaw(app.events[2].details["report"])
    assert isinstance(review, dict) and review["circulation"]["verdict"] == "pass"
    notice = app.events[4].details
    assert notice["working_days"] == 10
    assert notice["notice_ends_on"] == "2026-03-16"
    assert notice["notice_ends_at"] == "2026-03-17T00:00:00+08:00"


def test_events_are_immutable_and_serialisable() -> None:
    app = application_in(S.AUDIT)
    event = app.events[-1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.actor = "someone else"  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.details["report"] = None  # type: ignore[index]
    data = json.loads(json.dumps([e.to_dict() for e in app.events], ensure_ascii=False))
    assert data[-1]["details"]["report"]["subject"]["verdict"] == "pass"
    assert data[-1]["from_state"] == "compliance_review"
    assert isinstance(app.events, tuple)


# -- review --------------------------------------------------------------------------------


def test_return_amend_resubmit_cycle_updates_content() -> None:
    app = application_in(S.RETURNED)
    assert app.events[-1].details["reason"] == "请补充数据来源授权文件。"
    amended = dataclasses.replace(content(), asset=asset("新数据集名称"))
    app.amend("applicant", amended, at=cst(2026, 3, 3))
    assert app.content == amended
    assert app.state is S.RETURNED
    recorded = thaw(app.events[-1].details["content"])
    assert isinstance(recorded, dict) and recorded["asset"]["name"] == "新数据集名称"
    app.resubmit("applicant", at=cst(2026, 3, 4))
    assert app.state is S.SUBMITTED


def test_failing_report_cannot_complete_review_and_calls_for_reject() -> None:
    app = application_in(S.COMPLIANCE_REVIEW)
    failing = report(data_source=Verdict.FAIL)
    with pytest.raises(ComplianceFailedError) as excinfo:
        app.complete_review("reviewer", failing, at=cst(2026, 3, 3))
    assert excinfo.value.code == "compliance_failed"
    assert excinfo.value.failed_sections == ("data_source",)
    assert app.state is S.COMPLIANCE_REVIEW
    assert app.compliance_report is None
    app.reject("reviewer", "数据来源不合规。", at=cst(2026, 3, 3))
    assert app.state is S.REJECTED


def test_report_must_cover_the_claimed_rights() -> None:
    app = application_in(S.COMPLIANCE_REVIEW)
    with pytest.raises(ReportMismatchError):
        app.complete_review("reviewer", report(Rights.of(Right.USE)), at=cst(2026, 3, 3))
    assert app.state is S.COMPLIANCE_REVIEW


# -- four eyes -----------------------------------------------------------------------------


def test_auditor_may_not_be_the_reviewer() -> None:
    app = application_in(S.AUDIT)
    with pytest.raises(FourEyesError) as excinfo:
        app.approve_audit("reviewer", at=cst(2026, 3, 3))
    assert excinfo.value.code == "four_eyes"
    assert app.state is S.AUDIT
    assert app.auditor is None
    app.approve_audit("auditor", at=cst(2026, 3, 3))
    assert app.state is S.AWAITING_NOTICE


def test_auditor_may_not_be_anyone_who_acted_in_review() -> None:
    app = Application("app-2", content())
    app.submit("applicant", at=cst(2026, 3, 2, 9))
    app.start_review("alice", at=cst(2026, 3, 2, 10))
    app.return_for_amendment("bob", "补正。", at=cst(2026, 3, 2, 11))
    app.resubmit("applicant", at=cst(2026, 3, 2, 12))
    app.start_review("carol", at=cst(2026, 3, 2, 13))
    app.complete_review("dave", report(), at=cst(2026, 3, 2, 14))
    assert app.reviewers == {"alice", "bob", "carol", "dave"}
    for person in ("alice", "bob", "carol", "dave"):
        with pytest.raises(FourEyesError):
            app.approve_audit(person, at=cst(2026, 3, 3))
    app.approve_audit("erin", at=cst(2026, 3, 3))


def test_auditor_comparison_uses_the_normalised_name() -> None:
    app = application_in(S.AUDIT)
    with pytest.raises(FourEyesError):
        app.approve_audit("  reviewer ", at=cst(2026, 3, 3))


# -- time and actors -----------------------------------------------------------------------


def test_actions_may_not_go_back_in_time() -> None:
    app = application_in(S.SUBMITTED)
    with pytest.raises(TimeOrderError) as excinfo:
        app.start_review("reviewer", at=START - timedelta(seconds=1))
    assert excinfo.value.code == "time_order"
    assert app.state is S.SUBMITTED
    app.start_review("reviewer", at=START)  # the same moment is fine


def test_naive_time_is_refused() -> None:
    app = Application("app-1", content())
    with pytest.raises(InvalidFieldError) as excinfo:
        app.submit("applicant", at=datetime(2026, 3, 2, 9))
    assert (excinfo.value.field, excinfo.value.code) == ("at", "naive_datetime")


@pytest.mark.parametrize("actor", ["", "   ", "x" * 201])
def test_actor_must_be_named(actor: str) -> None:
    app = Application("app-1", content())
    with pytest.raises(InvalidFieldError) as excinfo:
        app.submit(actor, at=START)
    assert excinfo.value.field == "by"
    assert app.events == ()


def test_reasons_are_required_and_bounded() -> None:
    app = application_in(S.COMPLIANCE_REVIEW)
    with pytest.raises(InvalidFieldError) as excinfo:
        app.reject("reviewer", " ", at=cst(2026, 3, 3))
    assert excinfo.value.field == "reason"
    with pytest.raises(InvalidFieldError, match="too_long"):
        app.return_for_amendment("reviewer", "x" * 2001, at=cst(2026, 3, 3))
    assert app.state is S.COMPLIANCE_REVIEW


def test_application_id_is_required() -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        Application(" ", content())
    assert excinfo.value.field == "application_id"


def test_draft_can_be_amended_before_submission() -> None:
    app = Application("app-1", content())
    other = dataclasses.replace(content(), holder=holder(name="另一家公司"))
    app.amend("applicant", other, at=START)
    assert app.content.holder.name == "另一家公司"
    assert app.state is S.DRAFT
