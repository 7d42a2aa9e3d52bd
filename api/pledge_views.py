"""What the API takes and answers about pledges (质押); money is a decimal string both ways."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from api.inputs import CREDIT_CODE, REGISTRATION_NUMBER, TEXT, IsoDate
from api.pagination import Page
from node.documents.canonical import digest_hex
from node.documents.ids import pledge_id_of
from node.domain.money import Money
from node.domain.pledge import Consent, Extension, Party, PledgeStatus
from node.store.records import PledgeTotal, StoredPledge

AMOUNT_PATTERN = r"^[0-9]{1,14}(\.[0-9]{1,2})?$"
DIGEST_PATTERN = r"^0x[0-9a-fA-F]{64}$"


def _decimal_string(value: object) -> object:
    """Money comes as a string: a JSON number may have lost its cents on the way."""
    if not isinstance(value, str):
        raise ValueError('must be a decimal string such as "5000000.00", not a JSON number')
    return value


Amount = Annotated[
    Decimal,
    BeforeValidator(_decimal_string),
    Field(gt=0, max_digits=16, decimal_places=2),
    WithJsonSchema({"type": "string", "pattern": AMOUNT_PATTERN, "examples": ["5000000.00"]}),
]
"""A positive amount with at most two decimal places, sent and answered as a string."""
Digest = Annotated[str, Field(pattern=DIGEST_PATTERN, description="0x and 64 hex digits")]
PledgeIdPath = Annotated[
    str, Path(pattern=r"^[0-9a-f]{32}$", description="the pledge's id on this node")
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PledgorIn(_Body):
    name: str = Field(min_length=1, max_length=200)
    credit_code: str = Field(pattern=CREDIT_CODE, description="unified social credit code")


class MoneyIn(_Body):
    amount: Amount
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. CNY")


class PledgeRequest(_Body):
    """A pledge request (质押登记申请): the certificate, the parties, what it secures, how long."""

    registration_number: str = Field(pattern=REGISTRATION_NUMBER, description="登记编号")
    pledgor: PledgorIn = Field(description="出质人: the certificate's holder")
    pledgee_name: str = Field(
        min_length=1, max_length=200, description="质权人: the bank's name; its code is the key's"
    )
    principal: MoneyIn = Field(description="the secured principal (被担保主债权)")
    term_start: IsoDate
    term_end: IsoDate
    unified_registry_number: str = Field(
        pattern=r"^[0-9A-Za-z][0-9A-Za-z-]{3,63}$",
        description="the registration number at 中登网",
    )
    unified_registry_certificate_digest: Digest | None = Field(
        None, description="digest of the 中登网 registration certificate (登记证明)"
    )
    contract_digest: Digest = Field(description="digest of the pledge contract (质押合同)")


class ExtensionRequest(_Body):
    """展期: the new end of the term and the agreement behind it."""

    term_end: IsoDate
    agreement_digest: Digest = Field(description="digest of the extension agreement (展期协议)")


class ReleaseRequest(_Body):
    """解除质押 by the pledgee: why, and its release document when it has one."""

    release_document_digest: Digest | None = Field(
        None, description="digest of the release document (解除质押通知书)"
    )
    reason: str | None = Field(None, max_length=TEXT)


class OperatorRelease(_Body):
    """解除质押 by the centre, on the pledgee's release document."""

    release_document_digest: Digest = Field(
        description="digest of the pledgee's release document (解除质押通知书)"
    )
    reason: str | None = Field(None, max_length=TEXT)


class ConsentRequest(_Body):
    """出质人同意: the holder consents to what waits (a request or an extension)."""

    letter_digest: Digest | None = Field(
        None, description="digest of the holder's sealed consent letter, when it has one"
    )


class MoneyView(BaseModel):
    amount: Amount
    currency: str

    @classmethod
    def of(cls, money: Money) -> MoneyView:
        return cls(amount=money.text, currency=money.currency)


class PartyView(BaseModel):
    name: str
    code: str = Field(description="credit code, or a bank's financial institution code")

    @classmethod
    def of(cls, party: Party) -> PartyView:
        return cls(name=party.name, code=party.code)


class ConsentView(BaseModel):
    by: str
    credit_code: str
    at: datetime
    letter_digest: str | None

    @classmethod
    def of(cls, consent: Consent | None) -> ConsentView | None:
        if consent is None:
            return None
        return cls(
            by=consent.by,
            credit_code=consent.credit_code,
            at=consent.at,
            letter_digest=consent.letter_digest,
        )


class ExtensionView(BaseModel):
    term_end: date
    agreement_digest: str
    requested_by: str
    requested_at: datetime
    consent: ConsentView | None
    confirmed_by: str | None
    confirmed_at: datetime | None

    @classmethod
    def of(cls, extension: Extension) -> ExtensionView:
        return cls(
            term_end=extension.term_end,
            agreement_digest=extension.agreement_digest,
            requested_by=extension.requested_by,
            requested_at=extension.requested_at,
            consent=ConsentView.of(extension.consent),
            confirmed_by=extension.confirmed_by,
            confirmed_at=extension.confirmed_at,
        )


class ReleaseView(BaseModel):
    cause: Literal["released", "expired"]
    by: str
    at: datetime
    release_document_digest: str | None
    reason: str | None


class ChainView(BaseModel):
    """Where the pledge's latest chain write (registration, then release) stands."""

    action_id: int
    status: str = Field(description="pending, sent, confirmed or failed")
    error: str | None


class PledgeView(BaseModel):
    """A pledge (质押) of a certificate, with its priority (顺位) and where it stands."""

    id: str
    chain_pledge_id: str = Field(description="the pledge's id on chain")
    registration_number: str
    status: PledgeStatus = Field(
        description="as of today: an active pledge past its term reads as expired"
    )
    priority: int | None = Field(
        description="顺位: 1 + the pledges registered on the certificate before it; "
        "null until confirmed"
    )
    pledgor: PartyView
    pledgee: PartyView
    principal: MoneyView
    term_start: date
    term_end: date = Field(description="the end of the term, moved by confirmed extensions")
    unified_registry_number: str
    unified_registry_certificate_digest: str | None
    contract_digest: str
    requested_by: str
    requested_at: datetime
    consent: ConsentView | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    registered_on: date | None
    record_digest: str | None = Field(description="the signed pledge record")
    extensions: list[ExtensionView]
    pending_extension: ExtensionView | None
    release: ReleaseView | None
    chain: ChainView | None

    @classmethod
    def of(cls, stored: StoredPledge, today: date) -> PledgeView:
        pledge = stored.pledge
        terms = pledge.terms
        release = pledge.release
        pending = pledge.pending_extension
        return cls(
            id=pledge.id,
            chain_pledge_id=digest_hex(pledge_id_of(pledge.id)),
            registration_number=str(terms.registration_number),
            status=pledge.status_on(today),
            priority=pledge.priority,
            pledgor=PartyView.of(terms.pledgor),
            pledgee=PartyView.of(terms.pledgee),
            principal=MoneyView.of(terms.principal),
            term_start=terms.term_start,
            term_end=pledge.term_end,
            unified_registry_number=terms.unified_registry_number,
            unified_registry_certificate_digest=terms.unified_registry_certificate_digest,
            contract_digest=terms.contract_digest,
            requested_by=pledge.requested_by,
            requested_at=pledge.requested_at,
            consent=ConsentView.of(pledge.consent),
            confirmed_by=pledge.confirmed_by,
            confirmed_at=pledge.confirmed_at,
            registered_on=pledge.registered_on,
            record_digest=None
            if stored.record_digest is None
            else digest_hex(stored.record_digest),
            extensions=[ExtensionView.of(extension) for extension in pledge.extensions],
            pending_extension=None if pending is None else ExtensionView.of(pending),
            release=None
            if release is None
            else ReleaseView(
                cause="expired" if release.expired else "released",
                by=release.by,
                at=release.at,
                release_document_digest=release.release_document_digest,
                reason=release.reason,
            ),
            chain=None
            if stored.chain_action_id is None or stored.chain_status is None
            else ChainView(
                action_id=stored.chain_action_id,
                status=stored.chain_status.value,
                error=stored.chain_error,
            ),
        )


class PledgeTotalView(BaseModel):
    """How many pledges of one status and currency, and their principal."""

    status: PledgeStatus
    currency: str
    count: int
    principal: Amount

    @classmethod
    def of(cls, total: PledgeTotal) -> PledgeTotalView:
        return cls(
            status=total.status,
            currency=total.currency,
            count=total.count,
            principal=Money.of_minor_units(total.principal_minor, total.currency).text,
        )


class PledgeListing(Page[PledgeView]):
    """A page of pledges and the totals of every pledge the filter matches (not just the page)."""

    totals: list[PledgeTotalView]
