"""The verification report as JSON: what ``dataprop verify --json`` prints and the API returns."""

from __future__ import annotations

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


class PledgeJson(_Json):
    """An active pledge (质押) on the certificate, in on-chain priority order."""

    pledge_id: str
    priority: int
    record_digest: str
    pledgee_digest: str
    registered_block: int


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
    def of(cls, verified: Verified) -> VerificationJson:
        """The JSON form of a report."""
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
                    record_digest=pledge.record_digest,
                    pledgee_digest=pledge.pledgee_digest,
                    registered_block=pledge.registered_block,
                )
                for pledge in report.pledges
            ],
        )


def _centre(bundle: CertificateBundle) -> CentreJson:
    centre = bundle.document["centre"]
    return CentreJson(
        name=centre["name"], region_code=centre["region_code"], signer=centre["signer"]
    )
