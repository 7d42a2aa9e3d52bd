"""What the API answers about cases, certificates, notices, keys and log entries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from node.domain.certificate import Certificate
from node.domain.frozen_json import thaw
from node.domain.snapshot import application_to_snapshot, certificate_to_snapshot
from node.domain.workflow import Application
from node.store.records import ApiKey, CertificateRecord, EventEntry


class CaseView(BaseModel):
    """An application (登记申请) and everything decided about it."""

    id: str
    state: str
    version: int | None = Field(
        None, description="the stored version after this step (for optimistic locking)"
    )
    case: dict[str, Any] = Field(description="the full record: content, report, notice, events")

    @classmethod
    def of(cls, application: Application, version: int | None = None) -> CaseView:
        return cls(
            id=application.id,
            state=application.state.value,
            version=version,
            case=application_to_snapshot(application),
        )


class CertificateView(BaseModel):
    """A certificate (数据产权登记证书) with its current status."""

    registration_number: str
    status: str
    holder_credit_code: str
    issued_on: date
    valid_until: date
    certificate: dict[str, Any]

    @classmethod
    def of(cls, certificate: Certificate) -> CertificateView:
        snapshot = certificate_to_snapshot(certificate)
        return cls(
            registration_number=str(certificate.registration_number),
            status=certificate.status.value,
            holder_credit_code=certificate.holder.credit_code.value,
            issued_on=certificate.issued_on,
            valid_until=certificate.valid_until,
            certificate=snapshot,
        )


class CertificateSummary(BaseModel):
    """A certificate in a list: the stored facts without the full record."""

    registration_number: str
    status: str
    holder_credit_code: str
    issued_on: date
    valid_until: date
    superseded_by: str | None

    @classmethod
    def of(cls, record: CertificateRecord) -> CertificateSummary:
        return cls(
            registration_number=record.registration_number,
            status=record.status.value,
            holder_credit_code=record.holder_credit_code,
            issued_on=record.issued_on,
            valid_until=record.valid_until,
            superseded_by=record.superseded_by,
        )


class ActionView(BaseModel):
    """A certificate after an action, the decision document's digest and any successor."""

    certificate: CertificateView
    decision_digest: str
    successor: CertificateView | None = None


class NoticeView(BaseModel):
    """An entry of the public notice board (公示): what anyone may object to, until when."""

    application_id: str
    state: str
    holder_name: str
    holder_credit_code: str
    asset_name: str
    data_type: str
    industry_section: str
    rights: list[str]
    published_at: datetime
    ends_on: date
    remaining_working_days: int | None
    objections: int

    @classmethod
    def of(cls, application: Application) -> NoticeView:
        notice = application.notice
        assert notice is not None, "only cases under notice are on the board"
        content = application.content
        return cls(
            application_id=application.id,
            state=application.state.value,
            holder_name=content.holder.name,
            holder_credit_code=content.holder.credit_code.value,
            asset_name=content.asset.name,
            data_type=content.asset.data_type.value,
            industry_section=content.asset.industry_section.value,
            rights=content.rights.to_list(),
            published_at=notice.published_at,
            ends_on=notice.ends_on,
            remaining_working_days=application.remaining_working_days,
            objections=len(application.objections),
        )


class ApiKeyView(BaseModel):
    """An API key as the admin sees it: never its secret."""

    key_id: str
    principal: str
    role: str
    party: str | None
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    replaced_by: str | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyView:
        return cls(**{name: getattr(key, name) for name in cls.model_fields})


class IssuedKeyView(BaseModel):
    """A new key: the token is shown this once."""

    key: ApiKeyView
    token: str


class EventView(BaseModel):
    """An entry of the node's hash-chained event log."""

    seq: int
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    at: datetime
    hash: str

    @classmethod
    def of(cls, entry: EventEntry) -> EventView:
        return cls(
            seq=entry.seq,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            details=thaw_mapping(entry.details),
            at=entry.at,
            hash="0x" + entry.hash.hex(),
        )


def thaw_mapping(details: Any) -> dict[str, Any]:
    """Log details as plain JSON values."""
    plain = thaw(details)
    assert isinstance(plain, dict)
    return plain
