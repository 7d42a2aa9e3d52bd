"""Lossless plain-JSON snapshots of applications and certificates, and their inverses.

A snapshot holds everything an entity knows (state, events, notice,
objections, licences, ...) as JSON-ready values: strings, numbers, booleans,
lists and dicts, with times in ISO 8601. ``application_from_snapshot`` rebuilds
an object equal in every observable field to the one snapshotted; the store
keeps these snapshots beside the columns it queries. Times come back with a
fixed UTC offset in place of a named zone (``+08:00`` for CST): the same
instants, so equality, ordering and local dates are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import TypeVar

from node.domain.certificate import (
    Certificate,
    CertificateAction,
    CertificateActionKind,
    CertificateStatus,
    Licence,
    Licensee,
)
from node.domain.compliance import ComplianceReport, ComplianceSection, SectionFinding, Verdict
from node.domain.frozen_json import freeze_mapping
from node.domain.identifiers import CreditCode, RegistrationNumber
from node.domain.notice import Notice, Objection, ObjectionDecision
from node.domain.parsing import parse_application
from node.domain.values import ApplicationContent, Rights, parse_enum
from node.domain.workflow import Action, Application, ApplicationState, WorkflowEvent
from node.errors import PersistenceError

SNAPSHOT_VERSION = 1
"""Version of the snapshot layout; bump it and convert old snapshots when the layout changes."""

Snapshot = dict[str, object]
_T = TypeVar("_T")


class SnapshotFormatError(PersistenceError):
    """A stored snapshot is malformed or of an unknown version and cannot be rebuilt."""

    code = "snapshot_format"


# -- applications -------------------------------------------------------------------------------


def application_to_snapshot(application: Application) -> Snapshot:
    """Everything ``application`` knows, as JSON-ready values."""
    report = application.compliance_report
    notice = application.notice
    number = application.registration_number
    return {
        "snapshot_version": SNAPSHOT_VERSION,
        "id": application.id,
        "content": application.content.to_dict(),
        "state": application.state.value,
        "reviewers": sorted(application.reviewers),
        "compliance_report": None if report is None else _report_to_dict(report),
        "auditor": application.auditor,
        "notice": None if notice is None else _notice_to_dict(notice),
        "remaining_working_days": application.remaining_working_days,
        "objections": [objection.to_dict() for objection in application.objections],
        "decisions": [_decision_to_dict(decision) for decision in application.decisions],
        "registration_number": None if number is None else str(number),
        "events": [event.to_dict() for event in application.events],
    }


def application_from_snapshot(snapshot: Mapping[str, object]) -> Application:
    """The application ``snapshot`` was taken of; SnapshotFormatError when it is malformed."""
    try:
        _check_version(snapshot)
        report = _optional(snapshot, "compliance_report", _mapping)
        notice = _optional(snapshot, "notice", _mapping)
        number = _optional(snapshot, "registration_number", _str)
        return Application._restore(
            _str(snapshot, "id"),
            _content(_mapping(snapshot, "content")),
            state=ApplicationState(_str(snapshot, "state")),
            reviewers=_strings(snapshot, "reviewers"),
            report=None if report is None else _report_from_dict(report),
            auditor=_optional(snapshot, "auditor", _str),
            notice=None if notice is None else _notice_from_dict(notice),
            remaining_working_days=_optional(snapshot, "remaining_working_days", _int),
            objections=[_objection_from_dict(item) for item in _mappings(snapshot, "objections")],
            decisions=[_decision_from_dict(item) for item in _mappings(snapshot, "decisions")],
            registration_number=None if number is None else RegistrationNumber.parse(number),
            events=[_event_from_dict(item) for item in _mappings(snapshot, "events")],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotFormatError(f"application snapshot: {exc}") from exc


def _report_to_dict(report: ComplianceReport) -> dict[str, object]:
    return {"rights": report.rights.to_list(), "sections": report.to_dict()}


def _report_from_dict(data: Mapping[str, object]) -> ComplianceReport:
    sections: dict[ComplianceSection, SectionFinding] = {}
    for name, finding in _mapping(data, "sections").items():
        if finding is None:
            continue
        if not isinstance(finding, Mapping):
            raise TypeError(f"section {name!r} must be an object or null")
        verdict = parse_enum(Verdict, finding.get("verdict"), f"sections.{name}.verdict")
        sections[ComplianceSection(name)] = SectionFinding(verdict, _str(finding, "findings"))
    return ComplianceReport(sections, Rights.parse(data["rights"]))


def _notice_to_dict(notice: Notice) -> dict[str, object]:
    return {
        "published_at": notice.published_at.isoformat(),
        "working_days": notice.working_days,
        "ends_on": notice.ends_on.isoformat(),
    }


def _notice_from_dict(data: Mapping[str, object]) -> Notice:
    return Notice(
        _datetime(data, "published_at"), _int(data, "working_days"), _date(data, "ends_on")
    )


def _objection_from_dict(data: Mapping[str, object]) -> Objection:
    return Objection(
        _str(data, "id"), _str(data, "filed_by"), _str(data, "reason"), _datetime(data, "filed_at")
    )


def _decision_to_dict(decision: ObjectionDecision) -> dict[str, object]:
    return {
        "objection_id": decision.objection_id,
        "decided_by": decision.decided_by,
        "upheld": decision.upheld,
        "reason": decision.reason,
        "decided_at": decision.decided_at.isoformat(),
    }


def _decision_from_dict(data: Mapping[str, object]) -> ObjectionDecision:
    return ObjectionDecision(
        _str(data, "objection_id"),
        _str(data, "decided_by"),
        _bool(data, "upheld"),
        _str(data, "reason"),
        _datetime(data, "decided_at"),
    )


def _event_from_dict(data: Mapping[str, object]) -> WorkflowEvent:
    return WorkflowEvent(
        sequence=_int(data, "sequence"),
        action=Action(_str(data, "action")),
        actor=_str(data, "actor"),
        at=_datetime(data, "at"),
        from_state=ApplicationState(_str(data, "from_state")),
        to_state=ApplicationState(_str(data, "to_state")),
        details=freeze_mapping(_mapping(data, "details")),
    )


# -- certificates -------------------------------------------------------------------------------


def certificate_to_snapshot(certificate: Certificate) -> Snapshot:
    """Everything ``certificate`` knows, as JSON-ready values."""
    supersedes = certificate.supersedes
    return {
        "snapshot_version": SNAPSHOT_VERSION,
        "registration_number": str(certificate.registration_number),
        "content": certificate.content.to_dict(),
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "supersedes": None if supersedes is None else str(supersedes),
        "status": certificate.status.value,
        "licences": [_licence_to_dict(licence) for licence in certificate.licences],
        "actions": [action.to_dict() for action in certificate.actions],
    }


def certificate_from_snapshot(snapshot: Mapping[str, object]) -> Certificate:
    """The certificate ``snapshot`` was taken of; SnapshotFormatError when it is malformed."""
    try:
        _check_version(snapshot)
        content = _content(_mapping(snapshot, "content"))
        supersedes = _optional(snapshot, "supersedes", _str)
        return Certificate._restore(
            RegistrationNumber.parse(_str(snapshot, "registration_number")),
            content.holder,
            content.asset,
            content.rights,
            issued_on=_date(snapshot, "issued_on"),
            valid_until=_date(snapshot, "valid_until"),
            supersedes=None if supersedes is None else RegistrationNumber.parse(supersedes),
            status=CertificateStatus(_str(snapshot, "status")),
            licences=[_licence_from_dict(item) for item in _mappings(snapshot, "licences")],
            actions=[_action_from_dict(item) for item in _mappings(snapshot, "actions")],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotFormatError(f"certificate snapshot: {exc}") from exc


def _licence_to_dict(licence: Licence) -> dict[str, object]:
    return {
        "licensee": {
            "name": licence.licensee.name,
            "credit_code": licence.licensee.credit_code.value,
        },
        "scope": licence.scope,
        "granted_on": licence.granted_on.isoformat(),
        "until": licence.until.isoformat(),
    }


def _licence_from_dict(data: Mapping[str, object]) -> Licence:
    licensee = _mapping(data, "licensee")
    return Licence(
        Licensee(_str(licensee, "name"), CreditCode.parse(licensee["credit_code"])),
        _str(data, "scope"),
        _date(data, "granted_on"),
        _date(data, "until"),
    )


def _action_from_dict(data: Mapping[str, object]) -> CertificateAction:
    successor = _optional(data, "successor", _str)
    return CertificateAction(
        kind=CertificateActionKind(_str(data, "kind")),
        registration_number=RegistrationNumber.parse(_str(data, "registration_number")),
        actor=_str(data, "actor"),
        at=_datetime(data, "at"),
        from_status=CertificateStatus(_str(data, "from_status")),
        to_status=CertificateStatus(_str(data, "to_status")),
        previous_digest=_optional(data, "previous_digest", _str),
        successor=None if successor is None else RegistrationNumber.parse(successor),
        details=freeze_mapping(_mapping(data, "details")),
    )


# -- reading plain values -----------------------------------------------------------------------


def _check_version(snapshot: Mapping[str, object]) -> None:
    version = snapshot.get("snapshot_version")
    if version != SNAPSHOT_VERSION:
        raise ValueError(f"unknown snapshot_version {version!r}, expected {SNAPSHOT_VERSION}")


def _content(data: Mapping[str, object]) -> ApplicationContent:
    content, _report = parse_application(dict(data))
    return content


def _str(data: Mapping[str, object], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise TypeError(f"{key!r} must be a string")
    return value


def _int(data: Mapping[str, object], key: str) -> int:
    value = data[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{key!r} must be an integer")
    return value


def _bool(data: Mapping[str, object], key: str) -> bool:
    value = data[key]
    if not isinstance(value, bool):
        raise TypeError(f"{key!r} must be a boolean")
    return value


def _datetime(data: Mapping[str, object], key: str) -> datetime:
    moment = datetime.fromisoformat(_str(data, key))
    if moment.tzinfo is None:
        raise ValueError(f"{key!r} must carry a UTC offset")
    return moment


def _date(data: Mapping[str, object], key: str) -> date:
    return date.fromisoformat(_str(data, key))


def _mapping(data: Mapping[str, object], key: str) -> Mapping[str, object]:
    value = data[key]
    if not isinstance(value, Mapping):
        raise TypeError(f"{key!r} must be an object")
    return value


def _sequence(data: Mapping[str, object], key: str) -> Sequence[object]:
    value = data[key]
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"{key!r} must be a list")
    return value


def _strings(data: Mapping[str, object], key: str) -> list[str]:
    items = _sequence(data, key)
    if not all(isinstance(item, str) for item in items):
        raise TypeError(f"{key!r} must be a list of strings")
    return [str(item) for item in items]


def _mappings(data: Mapping[str, object], key: str) -> list[Mapping[str, object]]:
    items = _sequence(data, key)
    if not all(isinstance(item, Mapping) for item in items):
        raise TypeError(f"{key!r} must be a list of objects")
    return [item for item in items if isinstance(item, Mapping)]


def _optional(
    data: Mapping[str, object], key: str, read: Callable[[Mapping[str, object], str], _T]
) -> _T | None:
    return None if data.get(key) is None else read(data, key)
