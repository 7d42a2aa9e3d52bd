"""Versioned schemas of the documents a centre signs and anchors.

Each document is a JSON object with a common envelope (``kind``,
``schema_version``, ``subject``, ``centre``, ``created_at``,
``previous_digest``) and fields of its kind. The models validate documents
read back from a bundle or a peer (step 1 of verification) and are the
single source of ``docs/schemas/*.json`` (``dataprop documents schemas``).

Every value is a JSON string, integer, boolean, list or object: times and
dates are ISO 8601 strings kept exactly as built, so that a document parsed
and dumped again has the same canonical bytes and digest.

A new incompatible shape gets a new ``schema_version``; verifiers keep the
old models so that certificates issued years ago still verify.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from node.documents.kinds import DocumentKind
from node.domain.errors import InvalidFieldError

SCHEMA_VERSION = 1

Digest = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-f]{64}$")]
Address = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$")]
Timestamp = Annotated[
    str,
    StringConstraints(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
    ),
]
Day = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
CreditCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
RegistrationNumberText = Annotated[str, StringConstraints(min_length=8, max_length=40)]
Text = Annotated[str, StringConstraints(max_length=4000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Actor = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Right = Literal["holding", "use", "operation"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class CentreRef(_Strict):
    """The issuing centre as it names itself in its documents."""

    region_code: RegionCode
    name: Name
    signer: Address = Field(description="the centre's chain key that signs its documents")


class _Envelope(_Strict):
    schema_version: Literal[1] = 1
    subject: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="the registration number, or the application id before issue"
    )
    centre: CentreRef
    created_at: Timestamp
    previous_digest: Digest | None = Field(
        None, description="digest of the document this one follows (the case's chain)"
    )


class HolderFields(_Strict):
    name: Name
    credit_code: CreditCode
    ownership: Literal["state", "non-state"]
    region_code: RegionCode


class AssetFields(_Strict):
    name: Name
    description: Text
    data_type: Literal["structured", "semi-structured", "unstructured"]
    industry_section: Annotated[str, StringConstraints(pattern=r"^[A-T]$")]
    source: Text
    scale: Annotated[str, StringConstraints(max_length=200)]
    update_frequency: Annotated[str, StringConstraints(max_length=200)]
    scenarios: list[Annotated[str, StringConstraints(max_length=500)]] = Field(max_length=50)


class CertificateDocument(_Envelope):
    """The data-property registration certificate (数据产权登记证书)."""

    kind: Literal[DocumentKind.CERTIFICATE] = DocumentKind.CERTIFICATE
    registration_number: RegistrationNumberText
    certificate_id: Digest = Field(description="keccak-256 of the registration number")
    asset_key: Digest = Field(description="keccak-256 of the holder's code and asset fingerprint")
    holder: HolderFields
    asset: AssetFields
    rights: list[Right] = Field(min_length=1, max_length=3)
    issued_on: Day
    valid_until: Day
    supersedes: RegistrationNumberText | None = None
    application_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    compliance_report_digest: Digest | None = None
    notice_digest: Digest | None = None


class SectionFields(_Strict):
    verdict: Literal["pass", "fail", "conditional"]
    findings: Text


class ComplianceReportDocument(_Envelope):
    """The compliance report (合规审查报告) behind a certificate."""

    kind: Literal[DocumentKind.COMPLIANCE_REPORT] = DocumentKind.COMPLIANCE_REPORT
    application_id: Annotated[str, StringConstraints(max_length=64)]
    reviewers: list[Actor] = Field(min_length=1)
    rights: list[Right] = Field(min_length=1, max_length=3)
    sections: dict[str, SectionFields | None]
    passed: bool


class NoticeDocument(_Envelope):
    """The public notice (公示) of an application."""

    kind: Literal[DocumentKind.NOTICE] = DocumentKind.NOTICE
    application_id: Annotated[str, StringConstraints(max_length=64)]
    holder: HolderFields
    asset_name: Name
    rights: list[Right] = Field(min_length=1, max_length=3)
    published_at: Timestamp
    working_days: int = Field(ge=1, le=60)
    ends_on: Day


class ObjectionDecisionDocument(_Envelope):
    """The centre's decision on an objection (异议): upheld (成立) or dismissed (不成立)."""

    kind: Literal[DocumentKind.OBJECTION_DECISION] = DocumentKind.OBJECTION_DECISION
    application_id: Annotated[str, StringConstraints(max_length=64)]
    objection_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    filed_by: Actor
    objection_reason: Text
    filed_at: Timestamp
    upheld: bool
    reason: Text
    decided_by: Actor
    decided_at: Timestamp


class EventLogHeadDocument(_Envelope):
    """The head of the node's hash-chained audit log, anchored so the log cannot be rewritten."""

    kind: Literal[DocumentKind.EVENT_LOG_HEAD] = DocumentKind.EVENT_LOG_HEAD
    seq: int = Field(ge=1)
    hash: Digest
    at: Timestamp


InstitutionCode = Annotated[
    str, StringConstraints(pattern=r"^([0-9A-HJ-NPQRTUWXY]{18}|[A-Z][0-9]{4}[A-Z][0-9]{9})$")
]
Amount = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,14}\.[0-9]{2}$")]


class PledgorFields(_Strict):
    name: Name
    credit_code: CreditCode


class PledgeeFields(_Strict):
    name: Name
    code: InstitutionCode = Field(description="credit code or financial institution code")


class MoneyFields(_Strict):
    amount: Amount = Field(description="a decimal string with two decimal places")
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class ConsentFields(_Strict):
    consented_by: Actor
    credit_code: CreditCode
    consented_at: Timestamp
    letter_digest: Digest | None = Field(None, description="the holder's sealed consent letter")


class PledgeDocument(_Envelope):
    """A pledge record (质押登记), or an extension (展期) of one linked to it by ``extends``."""

    kind: Literal[DocumentKind.PLEDGE] = DocumentKind.PLEDGE
    pledge_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    chain_pledge_id: Digest = Field(description="keccak-256 of the pledge id, as on chain")
    registration_number: RegistrationNumberText
    certificate_id: Digest
    pledgor: PledgorFields
    pledgee: PledgeeFields
    pledgee_digest: Digest = Field(description="the pledgee as the chain names it")
    principal: MoneyFields
    term_start: Day
    term_end: Day
    unified_registry_number: Annotated[str, StringConstraints(min_length=4, max_length=64)] = Field(
        description="registration number at 中登网 (the unified registry)"
    )
    unified_registry_certificate_digest: Digest | None = None
    contract_digest: Digest
    registered_on: Day
    priority: int = Field(ge=1)
    requested_by: Actor
    requested_at: Timestamp
    confirmed_by: Actor
    confirmed_at: Timestamp
    consent: ConsentFields | None = None
    extension: int = Field(0, ge=0, description="0 for the record, n for its n-th extension")
    extends: Digest | None = Field(None, description="the pledge record an extension extends")
    agreement_digest: Digest | None = Field(None, description="the extension agreement")


class PledgeReleaseDocument(_Envelope):
    """The end of a pledge: released (解除质押) or expired at the end of its term."""

    kind: Literal[DocumentKind.PLEDGE_RELEASE] = DocumentKind.PLEDGE_RELEASE
    pledge_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    chain_pledge_id: Digest
    registration_number: RegistrationNumberText
    certificate_id: Digest
    record_digest: Digest = Field(description="the pledge record released")
    cause: Literal["released", "expired"]
    released_by: Actor
    released_at: Timestamp
    term_end: Day
    release_document_digest: Digest | None = Field(
        None, description="the pledgee's release document (解除质押通知书)"
    )
    reason: Text | None = None


class IssuerFields(_Strict):
    """The centre that issued a certificate, as the chain named it when it was verified."""

    centre_id: int = Field(ge=1, le=2**32 - 1)
    region_code: RegionCode
    name: Name
    signer: Address


class ChainPoint(_Strict):
    """The chain and block a verification read."""

    chain_id: int = Field(ge=1)
    block_number: int = Field(ge=0)
    centre_registry: Address


class RecognitionDocument(_Envelope):
    """互认备案: this centre verified another centre's certificate from the chain alone and
    recognises it; pledges and changes may then be filed here, the issuer staying of record."""

    kind: Literal[DocumentKind.RECOGNITION] = DocumentKind.RECOGNITION
    registration_number: RegistrationNumberText
    certificate_id: Digest
    certificate_digest: Digest = Field(description="digest of the certificate document verified")
    asset_key: Digest
    issuer: IssuerFields
    holder: HolderFields
    verified_on: ChainPoint
    warnings: list[Text] = Field(max_length=9, description="checks that passed with a warning")
    filed_by: Actor
    filed_at: Timestamp


ActionKind = Literal[
    DocumentKind.CHANGE,
    DocumentKind.TRANSFER,
    DocumentKind.LICENCE,
    DocumentKind.RENEWAL,
    DocumentKind.CANCELLATION,
    DocumentKind.REVOCATION,
    DocumentKind.EXPIRY,
]
ACTION_KINDS: tuple[ActionKind, ...] = (
    DocumentKind.CHANGE,
    DocumentKind.TRANSFER,
    DocumentKind.LICENCE,
    DocumentKind.RENEWAL,
    DocumentKind.CANCELLATION,
    DocumentKind.REVOCATION,
    DocumentKind.EXPIRY,
)


class CertificateActionDocument(_Envelope):
    """A decision after issue: change, transfer, licence, renewal, cancellation, revocation,
    expiry (变更/转移/许可/续证/注销/撤销/到期)."""

    kind: ActionKind
    registration_number: RegistrationNumberText
    certificate_id: Digest
    actor: Actor
    at: Timestamp
    from_status: Annotated[str, StringConstraints(max_length=20)]
    to_status: Annotated[str, StringConstraints(max_length=20)]
    successor: RegistrationNumberText | None = None
    details: dict[str, object]


Document = (
    CertificateDocument
    | ComplianceReportDocument
    | NoticeDocument
    | ObjectionDecisionDocument
    | CertificateActionDocument
    | EventLogHeadDocument
    | PledgeDocument
    | PledgeReleaseDocument
    | RecognitionDocument
)

MODELS: dict[DocumentKind, type[Document]] = {
    DocumentKind.CERTIFICATE: CertificateDocument,
    DocumentKind.COMPLIANCE_REPORT: ComplianceReportDocument,
    DocumentKind.NOTICE: NoticeDocument,
    DocumentKind.OBJECTION_DECISION: ObjectionDecisionDocument,
    DocumentKind.EVENT_LOG_HEAD: EventLogHeadDocument,
    DocumentKind.PLEDGE: PledgeDocument,
    DocumentKind.PLEDGE_RELEASE: PledgeReleaseDocument,
    DocumentKind.RECOGNITION: RecognitionDocument,
    **dict.fromkeys(ACTION_KINDS, CertificateActionDocument),
}


def parse_document(value: object) -> Document:
    """The document model of a JSON value, by its ``kind``.

    Raises :class:`InvalidFieldError` naming the first offending field
    (``document.<path>``) with the code ``document_schema``.
    """
    if not isinstance(value, Mapping):
        raise InvalidFieldError("document", "document_schema", "must be a JSON object")
    kind = value.get("kind")
    try:
        model = MODELS[DocumentKind(str(kind))]
    except (ValueError, KeyError):
        raise InvalidFieldError(
            "document.kind", "document_schema", f"unknown document kind {kind!r}"
        ) from None
    try:
        return model.model_validate(dict(value))
    except ValidationError as error:
        first = error.errors()[0]
        path = ".".join(str(part) for part in first["loc"])
        raise InvalidFieldError(f"document.{path}", "document_schema", first["msg"]) from None


def as_json(document: Document) -> dict[str, object]:
    """The document as the JSON object that is canonicalised, signed and anchored."""
    return document.model_dump(mode="json")


def json_schemas() -> dict[str, dict[str, object]]:
    """JSON Schema of each document model, by file name (``docs/schemas``)."""
    unique = {model.__name__: model for model in MODELS.values()}
    return {
        f"{name}.v{SCHEMA_VERSION}.json": model.model_json_schema()
        for name, model in sorted(unique.items())
    }
