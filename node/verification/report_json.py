"""The verification report as JSON: what ``dataprop verify --json`` prints and the API returns."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from node.documents.bundle import CertificateBundle
from node.verification.public import Verified
from node.verification.report import CheckName, Outcome


class _Json(BaseModel):
    model_config = ConfigDict(frozen=True)


class CheckJson(_Json):
    """One verification step."""

    step: int = Field(description="the step's number in the verification, 1 to 9")
    name: CheckName
    outcome: Outcome
    reason: str = Field(description="why, in words a bank clerk can read")


class PartyJson(_Json):
    """A party to a pledge."""

    name: str
    code: str


class MoneyJson(_Json):
    """An amount as a decimal string, and its currency."""

    amount: str
    currency: str


class PledgeTermsJson(_Json):
    """What the issuing node recorded of a pledge, as far as the one asking may see: its term
    for everyone; the pledgee and the principal only for that pledgee and the regulator."""

    status: str = Field(description="as the node records it today (active, or expired)")
    term_start: date
    term_end: date
    pledgee: PartyJson | None = Field(None, description="only for the pledgee and the regulator")
    principal: MoneyJson | None = Field(None, description="only for the pledgee and the regulator")


class PledgeJson(_Json):
    """An active pledge (质押) on the certificate, in on-chain priority order."""

    pledge_id: str
    priority: int = Field(description="顺位 as registered: 1 + the pledges registered before it")
    rank: int = Field(description="its place among the active pledges: 1 is paid first")
    record_digest: str
    pledgee_digest: str
    registered_block: int
    terms: PledgeTermsJson | None = Field(
        None, description="null when the node asked did not record the pledge"
    )


class ContractsJson(_Json):
    """The consortium's contracts the report was checked against."""

    centre_registry: str
    anchor_registry: str
    certificate_registry: str


class CentreJson(_Json):
    """The issuing centre as the certificate names it; the centre check says if the chain agrees."""

    name: str
    region_code: str
    signer: str


class VerificationJson(_Json):
    """The verdict on a certificate bundle and every check behind it."""

    verdict: Literal["valid", "invalid"]
    registration_number: str | None
    centre: CentreJson | None
    chain_id: int
    block_number: int = Field(description="the block height every chain read was pinned to")
    contracts: ContractsJson
    checked_on: date = Field(description="the day validity was checked for")
    checks: list[CheckJson]
    pledges: list[PledgeJson]

    @classmethod
    def of(
        cls, verified: Verified, terms: Mapping[str, PledgeTermsJson] | None = None
    ) -> VerificationJson:
        """The JSON form of a report; ``terms`` adds what the node recorded of the pledges,
        by pledge id."""
        known = terms or {}
        report = verified.report
        schema_passed = report.check(CheckName.SCHEMA).passed
        return cls(
            verdict="valid" if report.ok else "invalid",
            registration_number=report.registration_number,
            centre=_centre(verified.bundle) if schema_passed else None,
            chain_id=report.chain_id,
            block_number=report.block_number,
            contracts=ContractsJson(
                centre_registry=report.addresses.centre_registry,
                anchor_registry=report.addresses.anchor_registry,
                certificate_registry=report.addresses.certificate_registry,
            ),
            checked_on=report.checked_on,
            checks=[
                CheckJson(
                    step=check.name.step,
                    name=check.name,
                    outcome=check.outcome,
                    reason=check.reason,
                )
                for check in report.checks
            ],
            pledges=[
                PledgeJson(
                    pledge_id=pledge.pledge_id,
                    priority=pledge.priority,
                    rank=rank,
                    record_digest=pledge.record_digest,
                    pledgee_digest=pledge.pledgee_digest,
                    registered_block=pledge.registered_block,
                    terms=known.get(pledge.pledge_id),
                )
                for rank, pledge in enumerate(report.pledges, start=1)
            ],
        )


def _centre(bundle: CertificateBundle) -> CentreJson:
    centre = bundle.document["centre"]
    return CentreJson(
        name=centre["name"], region_code=centre["region_code"], signer=centre["signer"]
    )
