"""Snapshots are lossless: random valid histories survive a JSON round trip unchanged.

The walks take an application (or certificate) through random sequences of
allowed actions. After every step the entity is snapshotted, sent through
``json.dumps``/``json.loads`` and rebuilt; the rebuilt copy must equal the
original in every observable field, and the walk then continues on the
rebuilt copy and on the original side by side, so a rebuilt entity must also
behave exactly like the original.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.domain.calendar import WorkingDayCalendar, local_date
from node.domain.certificate import Certificate, CertificateStatus, Licensee, Succession
from node.domain.compliance import ComplianceSection, Verdict
from node.domain.identifiers import CreditCode
from node.domain.notice import Objection
from node.domain.snapshot import (
    SnapshotFormatError,
    application_from_snapshot,
    application_to_snapshot,
    certificate_from_snapshot,
    certificate_to_snapshot,
)
from node.domain.values import ApplicationContent, Right, Rights
from node.domain.workflow import Application, allowed_actions
from node.errors import DomainError
from tests.unit.domain.builders import (
    NATIONAL_DAY_2025,
    SAMPLE_CREDIT_CODES,
    asset,
    content,
    cst,
    holder,
    number,
    report,
)
from tests.unit.store.support import issued

CALENDARS = [WorkingDayCalendar(), NATIONAL_DAY_2025]
RIGHTS = [
    Rights.of(Right.HOLDING),
    Rights.of(Right.HOLDING, Right.USE),
    Rights.of(Right.HOLDING, Right.USE, Right.OPERATION),
]
PEOPLE = ["alice", "bob", "carol", "dave", "erin"]
WEIGHTS = {"withdraw": 1, "reject": 1, "amend": 1, "return_for_amendment": 2, "file_objection": 3}
"""How often an action is drawn against 6 for the others, so walks reach notice and issue."""

Step = Callable[[Application], None]


def json_round_trip(snapshot: dict[str, object]) -> dict[str, object]:
    """What a JSON column gives back."""
    loaded = json.loads(json.dumps(snapshot, ensure_ascii=False))
    assert isinstance(loaded, dict)
    return loaded


def assert_same_application(rebuilt: Application, original: Application) -> None:
    """Every observable field of the two applications is equal."""
    assert rebuilt.id == original.id
    assert rebuilt.content == original.content
    assert rebuilt.state is original.state
    assert rebuilt.events == original.events
    assert rebuilt.reviewers == original.reviewers
    assert rebuilt.compliance_report == original.compliance_report
    assert rebuilt.auditor == original.auditor
    assert rebuilt.notice == original.notice
    assert rebuilt.remaining_working_days == original.remaining_working_days
    assert rebuilt.objections == original.objections
    assert rebuilt.decisions == original.decisions
    assert rebuilt.pending_objections == original.pending_objections
    assert rebuilt.registration_number == original.registration_number
    assert application_to_snapshot(rebuilt) == application_to_snapshot(original)


def next_step(
    data: st.DataObject, app: Application, at: datetime, calendar: WorkingDayCalendar
) -> Step:
    """A random action allowed in the application's state, with random valid arguments."""
    state = app.state
    choices = [
        action
        for action in sorted(allowed_actions(state), key=lambda action: action.value)
        for _ in range(WEIGHTS.get(action.value, 6))
    ]
    action = data.draw(st.sampled_from(choices), label="action")
    person = data.draw(st.sampled_from(PEOPLE), label="person")
    rights = data.draw(st.sampled_from(RIGHTS), label="rights")
    reason = data.draw(st.text(alphabet="理由说明 abc", min_size=1, max_size=20).filter(str.strip))
    if action.value == "submit":
        return lambda a: a.submit(person, at=at)
    if action.value == "start_review":
        return lambda a: a.start_review(person, at=at)
    if action.value == "return_for_amendment":
        return lambda a: a.return_for_amendment(person, reason, at=at)
    if action.value == "amend":
        name = data.draw(st.sampled_from(["数据集甲", "数据集乙", "数字农业产供销数据集"]))
        return lambda a: a.amend(person, ApplicationContent(holder(), asset(name), rights), at=at)
    if action.value == "resubmit":
        return lambda a: a.resubmit(person, at=at)
    if action.value == "complete_review":
        optional = data.draw(st.sampled_from([Verdict.PASS, Verdict.CONDITIONAL, Verdict.FAIL]))
        verdicts = {ComplianceSection.PROPERTY_RIGHTS.value: optional}
        return lambda a: a.complete_review(person, report(a.content.rights, **verdicts), at=at)
    if action.value == "reject":
        return lambda a: a.reject(person, reason, at=at)
    if action.value == "approve_audit":
        return lambda a: a.approve_audit(person, at=at)
    if action.value == "publish_notice":
        days = data.draw(st.integers(min_value=1, max_value=15), label="working days")
        return lambda a: a.publish_notice(person, at=at, calendar=calendar, working_days=days)
    if action.value == "file_objection":
        objection_id = f"obj-{len(app.objections) + 1}"
        return lambda a: a.file_objection(
            Objection(objection_id, person, reason, at), calendar=calendar
        )
    if action.value == "decide_objection":
        pending = [objection.id for objection in app.pending_objections]
        objection_id = data.draw(st.sampled_from(pending), label="objection")
        upheld = data.draw(st.booleans(), label="upheld")
        return lambda a: a.decide_objection(
            person, objection_id, upheld=upheld, reason=reason, at=at, calendar=calendar
        )
    if action.value == "issue":
        serial = data.draw(st.integers(min_value=1, max_value=999_999), label="serial")
        when = at
        if app.notice is not None and data.draw(st.booleans(), label="wait for the notice"):
            when = max(at, app.notice.ends_at)
        return lambda a: a.issue(person, at=when, registration_number=number(serial))
    assert action.value == "withdraw"
    return lambda a: a.withdraw(person, at=at)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_applications_survive_random_histories(data: st.DataObject) -> None:
    calendar = data.draw(st.sampled_from(CALENDARS), label="calendar")
    original = Application("app-1", content(data.draw(st.sampled_from(RIGHTS))))
    rebuilt = application_from_snapshot(json_round_trip(application_to_snapshot(original)))
    assert_same_application(rebuilt, original)
    at = cst(2025, 9, 22, 9)
    for _ in range(data.draw(st.integers(min_value=1, max_value=30), label="steps")):
        if not allowed_actions(original.state):
            break
        hours = data.draw(st.integers(min_value=0, max_value=24 * 12), label="hours later")
        at = at + timedelta(hours=hours)
        step = next_step(data, original, at, calendar)
        try:
            step(original)
            at = original.events[-1].at
        except DomainError as refused:
            # an action refused by a rule (four-eyes, notice over or not over, failed
            # report, ...) must be refused the same way by the rebuilt copy
            with pytest.raises(type(refused)):
                step(rebuilt)
        else:
            step(rebuilt)
        assert_same_application(rebuilt, original)
        rebuilt = application_from_snapshot(json_round_trip(application_to_snapshot(rebuilt)))
        assert_same_application(rebuilt, original)


def assert_same_certificate(rebuilt: Certificate, original: Certificate) -> None:
    """Every observable field of the two certificates is equal."""
    assert rebuilt.registration_number == original.registration_number
    assert rebuilt.content == original.content
    assert (rebuilt.issued_on, rebuilt.valid_until) == (original.issued_on, original.valid_until)
    assert rebuilt.supersedes == original.supersedes
    assert rebuilt.status is original.status
    assert rebuilt.licences == original.licences
    assert rebuilt.actions == original.actions
    assert certificate_to_snapshot(rebuilt) == certificate_to_snapshot(original)


CertificateStep = Callable[[Certificate], object]


def assert_same_outcome(rebuilt: object, original: object) -> None:
    """Equal action records; successors equal field by field."""
    if isinstance(original, Succession):
        assert isinstance(rebuilt, Succession)
        assert rebuilt.action == original.action
        assert_same_certificate(rebuilt.certificate, original.certificate)
    else:
        assert rebuilt == original


def certificate_step(
    kind: str, at: datetime, code: str, digest: str | None, index: int
) -> CertificateStep:
    """One post-issue action, to apply to the original and the rebuilt certificate alike."""
    steps: dict[str, CertificateStep] = {
        "licence": lambda c: c.licence(
            Licensee("某银行", CreditCode(code)),
            "用于风控建模。",
            min(c.valid_until, local_date(at) + timedelta(days=90)),
            actor="holder",
            at=at,
            previous_digest=digest,
        ),
        "change": lambda c: c.change(
            ApplicationContent(c.holder, asset(f"资产{index}"), c.rights),
            actor="centre",
            at=at,
            new_number=number(10 + index),
            previous_digest=digest,
        ),
        "transfer": lambda c: c.transfer(
            holder(code, "受让方公司"), actor="centre", at=at, new_number=number(20 + index)
        ),
        "renew": lambda c: c.renew(
            c.valid_until + timedelta(days=365), actor="centre", at=at, new_number=number(30)
        ),
        "cancel": lambda c: c.cancel("holder", at=at, reason="不再经营。"),
        "revoke": lambda c: c.revoke("centre", "以欺骗手段取得登记。", at=at),
        "expire": lambda c: c.expire(at=at),
    }
    return steps[kind]


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_certificates_survive_random_histories(data: st.DataObject) -> None:
    issued_on = date(2026, 3, 20)
    supersedes = data.draw(st.sampled_from([None, number(900)]), label="supersedes")
    original = Certificate.issue(number(1), content(), issued_on=issued_on, supersedes=supersedes)
    rebuilt = certificate_from_snapshot(json_round_trip(certificate_to_snapshot(original)))
    assert_same_certificate(rebuilt, original)
    at = cst(2026, 3, 20, 10)
    for index in range(data.draw(st.integers(min_value=0, max_value=6), label="steps")):
        if original.status is not CertificateStatus.ACTIVE:
            break
        at += timedelta(days=data.draw(st.integers(min_value=0, max_value=500), label="days"))
        kind = data.draw(
            st.sampled_from(
                ["licence", "change", "transfer", "renew", "cancel", "revoke", "expire"]
            )
        )
        code = data.draw(st.sampled_from(SAMPLE_CREDIT_CODES[1:]), label="other party")
        digest = data.draw(st.sampled_from([None, "0x" + "ab" * 32]), label="previous digest")
        step = certificate_step(kind, at, code, digest, index)
        try:
            outcome = step(original)
        except DomainError as refused:
            with pytest.raises(type(refused)):
                step(rebuilt)
        else:
            assert_same_outcome(step(rebuilt), outcome)
        assert_same_certificate(rebuilt, original)
        rebuilt = certificate_from_snapshot(json_round_trip(certificate_to_snapshot(rebuilt)))
        assert_same_certificate(rebuilt, original)


def test_snapshots_are_plain_json() -> None:
    snapshot = application_to_snapshot(issued())
    assert json_round_trip(snapshot) == snapshot
    assert snapshot["snapshot_version"] == 1
    assert snapshot["registration_number"] == str(number(1))


@pytest.mark.parametrize(
    "damage",
    [
        lambda s: s.pop("state"),
        lambda s: s.update(state="nonsense"),
        lambda s: s.update(snapshot_version=99),
        lambda s: s.update(events="not a list"),
        lambda s: s["events"][0].update(at="2026-03-02T09:00:00"),
        lambda s: s.update(content={"holder": {}}),
    ],
)
def test_a_damaged_snapshot_is_refused(damage: Callable[[dict[str, Any]], object]) -> None:
    snapshot = json_round_trip(application_to_snapshot(issued()))
    damage(snapshot)
    with pytest.raises(SnapshotFormatError) as excinfo:
        application_from_snapshot(snapshot)
    assert excinfo.value.code == "snapshot_format"
