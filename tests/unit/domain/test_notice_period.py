from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.domain.calendar import CHINA_STANDARD_TIME, FixedClock, WorkingDayCalendar
from node.domain.errors import (
    DuplicateObjectionError,
    IllegalTransitionError,
    InvalidFieldError,
    NoticeNotOverError,
    NoticeOverError,
    ObjectionNotFoundError,
)
from node.domain.notice import Notice, Objection, ObjectionDecision
from node.domain.workflow import Application, ApplicationState
from tests.unit.domain.builders import NATIONAL_DAY_2025, content, cst, number, report

S = ApplicationState
PLAIN = WorkingDayCalendar()


def _awaiting_notice(clock: FixedClock) -> Application:
    app = Application("app-1", content())
    app.submit("applicant", at=clock.now())
    app.start_review("reviewer", at=clock.advance(timedelta(hours=1)))
    app.complete_review("reviewer", report(), at=clock.advance(timedelta(hours=1)))
    app.approve_audit("auditor", at=clock.advance(timedelta(hours=1)))
    return app


def _on_notice(published: datetime, calendar: WorkingDayCalendar, days: int = 10) -> Application:
    clock = FixedClock(published - timedelta(days=3))
    app = _awaiting_notice(clock)
    app.publish_notice("publisher", at=published, calendar=calendar, working_days=days)
    return app


def _objection(objection_id: str, at: datetime) -> Objection:
    return Objection(objection_id, "某市民", "该数据集含未授权的第三方数据。", at)


def _dismiss(app: Application, objection_id: str, at: datetime, cal: WorkingDayCalendar) -> None:
    app.decide_objection(
        "committee", objection_id, upheld=False, reason="不成立。", at=at, calendar=cal
    )


# -- the notice itself ---------------------------------------------------------------------


def test_notice_across_national_day_counts_only_working_days() -> None:
    app = _on_notice(cst(2025, 9, 26, 15), NATIONAL_DAY_2025)  # a Friday
    assert app.notice is not None
    assert app.notice.ends_on == date(2025, 10, 16)
    assert app.notice.ends_at == datetime(2025, 10, 17, tzinfo=CHINA_STANDARD_TIME)


def test_issue_waits_for_the_end_of_the_last_notice_day() -> None:
    app = _on_notice(cst(2025, 9, 26, 15), NATIONAL_DAY_2025)
    with pytest.raises(NoticeNotOverError) as excinfo:
        app.issue("issuer", at=cst(2025, 10, 16, 23, 59), registration_number=number())
    assert excinfo.value.code == "notice_not_over"
    assert excinfo.value.ends_at == datetime(2025, 10, 17, tzinfo=CHINA_STANDARD_TIME)
    assert app.state is S.PUBLIC_NOTICE
    app.issue("issuer", at=cst(2025, 10, 17, 0, 0), registration_number=number())
    assert app.state is S.ISSUED


def test_issue_compares_instants_not_wall_clock_text() -> None:
    app = _on_notice(cst(2025, 9, 26, 15), NATIONAL_DAY_2025)
    # Midnight 17 October in Beijing is 16:00 UTC on the 16th.
    with pytest.raises(NoticeNotOverError):
        app.issue(
            "issuer", at=datetime(2025, 10, 16, 15, 59, tzinfo=UTC), registration_number=number()
        )
    app.issue("issuer", at=datetime(2025, 10, 16, 16, 0, tzinfo=UTC), registration_number=number())


@pytest.mark.parametrize("days", [0, -1, 61])
def test_notice_length_is_bounded(days: int) -> None:
    clock = FixedClock(cst(2026, 3, 2))
    app = _awaiting_notice(clock)
    with pytest.raises(InvalidFieldError) as excinfo:
        app.publish_notice(
            "publisher", at=clock.advance(timedelta(hours=1)), calendar=PLAIN, working_days=days
        )
    assert excinfo.value.code == "out_of_range"
    assert app.state is S.AWAITING_NOTICE


def test_default_notice_is_ten_working_days() -> None:
    clock = FixedClock(cst(2026, 3, 2))
    app = _awaiting_notice(clock)
    app.publish_notice("publisher", at=cst(2026, 3, 2, 17), calendar=PLAIN)
    assert app.notice is not None
    assert app.notice.working_days == 10
    assert app.notice.ends_on == date(2026, 3, 16)


# -- objections pause the clock --------------------------------------------------------------


def test_objection_pauses_and_dismissal_resumes_across_holidays() -> None:
    app = _on_notice(cst(2025, 9, 26, 15), NATIONAL_DAY_2025)
    # Sep 28 (make-up Sunday), 29 and 30 have run: 7 working days remain.
    app.file_objection(_objection("obj-1", cst(2025, 9, 30, 11)), calendar=NATIONAL_DAY_2025)
    assert app.state is S.OBJECTION
    assert app.remaining_working_days == 7
    assert app.events[-1].details["remaining_working_days"] == 7
    with pytest.raises(IllegalTransitionError):
        app.issue("issuer", at=cst(2025, 11, 30), registration_number=number())
    _dismiss(app, "obj-1", cst(2025, 10, 10, 16), NATIONAL_DAY_2025)
    # From Friday 10 Oct: Sat 11 (make-up), Mon 13 .. Fri 17, Mon 20.
    assert app.state is S.PUBLIC_NOTICE
    assert app.notice is not None
    assert app.notice.ends_on == date(2025, 10, 20)
    assert app.remaining_working_days is None
    assert app.events[-1].details["notice_ends_on"] == "2025-10-20"
    with pytest.raises(NoticeNotOverError):
        app.issue("issuer", at=cst(2025, 10, 20, 18), registration_number=number())
    app.issue("issuer", at=cst(2025, 10, 21, 9), registration_number=number())
    assert app.state is S.ISSUED


def test_objection_filed_on_a_holiday_keeps_the_days_not_yet_run() -> None:
    app = _on_notice(cst(2025, 9, 26, 15), NATIONAL_DAY_2025)
    app.file_objection(_objection("obj-1", cst(2025, 10, 4, 11)), calendar=NATIONAL_DAY_2025)
    assert app.remaining_working_days == 7


def test_objection_and_decision_on_weekends() -> None:
    app = _on_notice(cst(2026, 3, 2, 9), PLAIN)  # Monday; ends Monday 16 March
    app.file_objection(_objection("obj-1", cst(2026, 3, 7, 10)), calendar=PLAIN)  # Saturday
    assert app.remaining_working_days == 6  # 9..13 and 16 March
    _dismiss(app, "obj-1", cst(2026, 3, 15, 10), PLAIN)  # Sunday
    assert app.notice is not None
    assert app.notice.ends_on == date(2026, 3, 23)


def test_objection_on_the_last_day_leaves_nothing_to_run() -> None:
    app = _on_notice(cst(2026, 3, 2, 9), PLAIN)
    app.file_objection(_objection("obj-1", cst(2026, 3, 16, 23, 30)), calendar=PLAIN)
    assert app.remaining_working_days == 0
    _dismiss(app, "obj-1", cst(2026, 3, 18, 10), PLAIN)
    with pytest.raises(NoticeNotOverError):
        app.issue("issuer", at=cst(2026, 3, 18, 11), registration_number=number())
    app.issue("issuer", at=cst(2026, 3, 19, 0, 0), registration_number=number())


def test_objection_after_the_notice_is_refused() -> None:
    app = _on_notice(cst(2026, 3, 2, 9), PLAIN)
    with pytest.raises(NoticeOverError) as excinfo:
        app.file_objection(_objection("obj-1", cst(2026, 3, 17, 0, 0)), calendar=PLAIN)
    assert excinfo.value.code == "notice_over"
    assert app.state is S.PUBLIC_NOTICE


def test_several_objections_resume_only_when_all_are_dismissed() -> None:
    app = _on_notice(cst(2026, 3, 2, 9), PLAIN)
    app.file_objection(_objection("obj-1", cst(2026, 3, 4, 10)), calendar=PLAIN)
    assert app.remaining_working_days == 8
    # A second objection while paused (even after the original end) does not restart the count.
    app.file_objection(_objection("obj-2", cst(2026, 3, 20, 10)), calendar=PLAIN)
    assert app.remaining_working_days == 8
    assert [o.id for o in app.pending_objections] == ["obj-1", "obj-2"]
    _dismiss(app, "obj-2", cst(2026, 3, 23, 10), PLAIN)
    assert app.state is S.OBJECTION
    assert [o.id for o in app.pending_objections] == ["obj-1"]
    _dismiss(app, "obj-1", cst(2026, 3, 25, 10), PLAIN)  # Wednesday
    assert app.state is S.PUBLIC_NOTICE
    assert app.notice is not None
    assert app.notice.ends_on == date(2026, 4, 6)  # 26, 27, 30, 31 Mar, 1, 2, 3, 6 Apr
    assert len(app.decisions) == 2


def test_upheld_objection_rejects_the_application() -> None:
    app = _on_notice(cst(2026, 3, 2, 9), PLAIN)
    app.file_objection(_objection("obj-1", cst(2026, 3, 4, 10)), calendar=PLAIN)
    app.file_objection(_objection("obj-2", cst(2026, 3, 4, 11)), calendar=PLAIN)
    app.decide_objection(
        "committee", "obj-2", upheld=True, reason="异议成立。", at=cst(2026, 3, 6), calendar=PLAIN
    )
    assert app.state is S.REJECTED
    event = app.events[-1]
    assert (event.from_state, event.to_state) == (S.OBJECTION, S.REJECTED)
    assert event.details["upheld"] is True
    assert event.actor == "committee"


def test_objection_ids_are_unique_and_decisions_need_a_pending_one() -> None:
    app = _on_notice(cst(2026, 3, 2, 9), PLAIN)
    app.file_objection(_objection("obj-1", cst(2026, 3, 4, 10)), calendar=PLAIN)
    with pytest.raises(DuplicateObjectionError):
        app.file_objection(_objection("obj-1", cst(2026, 3, 4, 11)), calendar=PLAIN)
    with pytest.raises(ObjectionNotFoundError):
        _dismiss(app, "obj-9", cst(2026, 3, 5), PLAIN)
    app.file_objection(_objection("obj-2", cst(2026, 3, 5, 11)), calendar=PLAIN)
    _dismiss(app, "obj-1", cst(2026, 3, 6), PLAIN)
    with pytest.raises(ObjectionNotFoundError) as excinfo:
        _dismiss(app, "obj-1", cst(2026, 3, 6), PLAIN)
    assert excinfo.value.code == "objection_not_found"
    assert app.state is S.OBJECTION


def test_objection_and_decision_fields_are_validated() -> None:
    at = cst(2026, 3, 4)
    with pytest.raises(InvalidFieldError) as excinfo:
        Objection("obj-1", "某市民", "x" * 2001, at)
    assert excinfo.value.field == "objection.reason"
    with pytest.raises(InvalidFieldError) as excinfo:
        Objection("obj-1", " ", "理由", at)
    assert excinfo.value.field == "objection.filed_by"
    with pytest.raises(InvalidFieldError) as excinfo:
        Objection("obj-1", "某市民", "理由", datetime(2026, 3, 4))
    assert excinfo.value.code == "naive_datetime"
    with pytest.raises(InvalidFieldError) as excinfo:
        ObjectionDecision("obj-1", "committee", False, "", at)
    assert excinfo.value.field == "decision.reason"


# -- property: paused days are neither lost nor added ----------------------------------------


@given(
    published=st.dates(min_value=date(2025, 9, 15), max_value=date(2025, 10, 20)),
    working_days=st.integers(min_value=1, max_value=20),
    filed_offset=st.integers(min_value=0, max_value=40),
    pause=st.integers(min_value=0, max_value=30),
)
def test_notice_runs_exactly_its_working_days_around_a_pause(
    published: date, working_days: int, filed_offset: int, pause: int
) -> None:
    cal = NATIONAL_DAY_2025
    notice = Notice.publish(
        datetime(published.year, published.month, published.day, 12, tzinfo=CHINA_STANDARD_TIME),
        working_days,
        cal,
    )
    filed = min(published + timedelta(days=filed_offset), notice.ends_on)
    decided = filed + timedelta(days=pause)
    run_before = cal.working_days_between(published, filed)
    remaining = notice.remaining_working_days(filed, cal)
    assert run_before + remaining == working_days
    resumed = notice.resumed(
        datetime(decided.year, decided.month, decided.day, 12, tzinfo=CHINA_STANDARD_TIME),
        remaining,
        cal,
    )
    assert cal.working_days_between(decided, resumed.ends_on) == remaining
    assert resumed.ends_on >= notice.ends_on
