"""Lossless plain-JSON snapshots of pledges, and their inverse (as ``node.domain.snapshot``
does for applications and certificates)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from node.domain.frozen_json import freeze_mapping
from node.domain.identifiers import RegistrationNumber
from node.domain.money import Money
from node.domain.pledge import (
    Consent,
    Extension,
    Party,
    Pledge,
    PledgeStatus,
    PledgeStep,
    PledgeStepKind,
    PledgeTerms,
    Release,
)
from node.domain.snapshot import Snapshot, SnapshotFormatError

PLEDGE_SNAPSHOT_VERSION = 1


def pledge_to_snapshot(pledge: Pledge) -> Snapshot:
    """Everything ``pledge`` knows, as JSON-ready values."""
    return {
        "snapshot_version": PLEDGE_SNAPSHOT_VERSION,
        "id": pledge.id,
        "terms": pledge.terms.to_dict(),
        "requested_by": pledge.requested_by,
        "requested_at": pledge.requested_at.isoformat(),
        "status": pledge.status.value,
        "consent": _consent(pledge.consent),
        "confirmed_by": pledge.confirmed_by,
        "confirmed_at": _time(pledge.confirmed_at),
        "priority": pledge.priority,
        "extensions": [_extension(extension) for extension in pledge.extensions],
        "pending_extension": None
        if pledge.pending_extension is None
        else _extension(pledge.pending_extension),
        "release": _release(pledge.release),
        "steps": [step.to_dict() for step in pledge.steps],
    }


def pledge_from_snapshot(snapshot: Mapping[str, Any]) -> Pledge:
    """The pledge a snapshot was taken of; SnapshotFormatError when it is malformed."""
    if snapshot.get("snapshot_version") != PLEDGE_SNAPSHOT_VERSION:
        raise SnapshotFormatError(
            f"unknown pledge snapshot version {snapshot.get('snapshot_version')!r}"
        )
    try:
        pending = snapshot["pending_extension"]
        return Pledge.restore(
            snapshot["id"],
            terms_from_dict(snapshot["terms"]),
            requested_by=snapshot["requested_by"],
            requested_at=datetime.fromisoformat(snapshot["requested_at"]),
            status=PledgeStatus(snapshot["status"]),
            consent=_consent_from(snapshot["consent"]),
            confirmed_by=snapshot["confirmed_by"],
            confirmed_at=_time_from(snapshot["confirmed_at"]),
            priority=snapshot["priority"],
            extensions=[_extension_from(item) for item in snapshot["extensions"]],
            pending_extension=None if pending is None else _extension_from(pending),
            release=_release_from(snapshot["release"]),
            steps=[_step_from(item) for item in snapshot["steps"]],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotFormatError(f"malformed pledge snapshot: {exc!r}") from exc


def terms_from_dict(data: Mapping[str, Any]) -> PledgeTerms:
    """The terms of :meth:`PledgeTerms.to_dict`'s output."""
    principal = data["principal"]
    return PledgeTerms(
        registration_number=RegistrationNumber.parse(data["registration_number"]),
        pledgor=Party(data["pledgor"]["name"], data["pledgor"]["code"]),
        pledgee=Party(data["pledgee"]["name"], data["pledgee"]["code"]),
        principal=Money.parse(principal["amount"], principal["currency"], "principal"),
        term_start=date.fromisoformat(data["term_start"]),
        term_end=date.fromisoformat(data["term_end"]),
        unified_registry_number=data["unified_registry_number"],
        unified_registry_certificate_digest=data["unified_registry_certificate_digest"],
        contract_digest=data["contract_digest"],
    )


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _time_from(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _consent(consent: Consent | None) -> dict[str, object] | None:
    if consent is None:
        return None
    return {
        "by": consent.by,
        "credit_code": consent.credit_code,
        "at": consent.at.isoformat(),
        "letter_digest": consent.letter_digest,
    }


def _consent_from(data: Mapping[str, Any] | None) -> Consent | None:
    if data is None:
        return None
    return Consent(
        data["by"], data["credit_code"], datetime.fromisoformat(data["at"]), data["letter_digest"]
    )


def _extension(extension: Extension) -> dict[str, object]:
    return {
        "term_end": extension.term_end.isoformat(),
        "agreement_digest": extension.agreement_digest,
        "requested_by": extension.requested_by,
        "requested_at": extension.requested_at.isoformat(),
        "consent": _consent(extension.consent),
        "confirmed_by": extension.confirmed_by,
        "confirmed_at": _time(extension.confirmed_at),
    }


def _extension_from(data: Mapping[str, Any]) -> Extension:
    return Extension(
        term_end=date.fromisoformat(data["term_end"]),
        agreement_digest=data["agreement_digest"],
        requested_by=data["requested_by"],
        requested_at=datetime.fromisoformat(data["requested_at"]),
        consent=_consent_from(data["consent"]),
        confirmed_by=data["confirmed_by"],
        confirmed_at=_time_from(data["confirmed_at"]),
    )


def _release(release: Release | None) -> dict[str, object] | None:
    if release is None:
        return None
    return {
        "by": release.by,
        "at": release.at.isoformat(),
        "expired": release.expired,
        "release_document_digest": release.release_document_digest,
        "reason": release.reason,
    }


def _release_from(data: Mapping[str, Any] | None) -> Release | None:
    if data is None:
        return None
    return Release(
        data["by"],
        datetime.fromisoformat(data["at"]),
        data["expired"],
        data["release_document_digest"],
        data["reason"],
    )


def _step_from(data: Mapping[str, Any]) -> PledgeStep:
    return PledgeStep(
        PledgeStepKind(data["kind"]),
        data["actor"],
        datetime.fromisoformat(data["at"]),
        PledgeStatus(data["from_status"]),
        PledgeStatus(data["to_status"]),
        freeze_mapping(data["details"]),
    )
