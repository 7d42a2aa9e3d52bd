"""The shapes of request bodies, so the OpenAPI spec states them exactly.

These mirror the application JSON that ``node.domain.parsing`` reads (lengths
from the domain's own rules) and describe it to clients; the domain still
checks what JSON Schema cannot say (check digits, administrative codes,
which compliance sections the claimed rights require) and answers 422 naming
the field. Routes pass ``model_dump(mode="json", exclude_none=True)`` on.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from node.domain.compliance import FINDINGS, Verdict
from node.domain.values import (
    ASSET_DESCRIPTION,
    ASSET_NAME,
    ASSET_SCALE,
    ASSET_SOURCE,
    ASSET_UPDATE_FREQUENCY,
    HOLDER_NAME,
    DataType,
    IndustrySection,
    Ownership,
    Right,
)

CREDIT_CODE = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}[0-9A-HJ-NPQRTUWXY]$"
"""统一社会信用代码 (GB 32100-2015); the last character is a check the domain verifies."""
FINANCIAL_INSTITUTION_CODE = r"^[A-Z][0-9]{4}[A-Z][0-9]{9}$"
"""金融机构编码 as on the financial licence, e.g. B0001H111000001 (it has no check character)."""
PARTY_CODE = f"{CREDIT_CODE}|{FINANCIAL_INSTITUTION_CODE}"
"""Whom a party key acts for: a credit code, or for a pledgee also its institution code."""
REGION_CODE = r"^[1-9][0-9]{5}$"
TEXT = 2000
"""The longest free text (a reason, a finding) a request may carry."""
REGISTRATION_NUMBER = r"^[1-9][0-9]{5}-[0-9]{4}-[0-9]{6}-[0-9A-Z]$"
"""登记编号 such as 370200-2026-000123-X; the last character is a check the domain verifies."""


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _iso_text(value: object) -> object:
    """Dates come as ISO strings; a number is not a date (lax pydantic would take 0 as 1970)."""
    if not isinstance(value, str):
        raise ValueError("a date is an ISO 8601 string, e.g. 2026-10-01")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_text)]
"""A date given as ``YYYY-MM-DD`` text only."""


def _text(rule_length: int, description: str = "") -> object:
    return Field(min_length=1, max_length=rule_length, description=description)


class HolderInput(_Input):
    """登记主体: the organisation that holds the data."""

    name: str = _text(HOLDER_NAME.max_length)  # type: ignore[assignment]
    credit_code: str = Field(pattern=CREDIT_CODE, description="unified social credit code")
    ownership: Ownership
    region_code: str = Field(pattern=REGION_CODE, description="administrative division code")


class AssetInput(_Input):
    """The data resource or product registered."""

    name: str = _text(ASSET_NAME.max_length)  # type: ignore[assignment]
    description: str = _text(ASSET_DESCRIPTION.max_length)  # type: ignore[assignment]
    data_type: DataType
    industry_section: IndustrySection
    source: str = _text(ASSET_SOURCE.max_length)  # type: ignore[assignment]
    scale: str = _text(ASSET_SCALE.max_length)  # type: ignore[assignment]
    update_frequency: str = _text(ASSET_UPDATE_FREQUENCY.max_length)  # type: ignore[assignment]
    scenarios: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=20
    )


class SectionInput(_Input):
    verdict: Verdict
    findings: str = _text(FINDINGS.max_length)  # type: ignore[assignment]


class ComplianceReportInput(_Input):
    """合规审查报告: the four mandatory sections; circulation when the operation right is
    claimed; property rights analysis optional."""

    subject: SectionInput
    data_content: SectionInput
    data_source: SectionInput
    data_processing: SectionInput
    circulation: SectionInput | None = None
    property_rights: SectionInput | None = None


class ApplicationInput(_Input):
    """A registration application (登记申请); a compliance report in it is ignored: the
    reviewer writes it."""

    holder: HolderInput
    asset: AssetInput
    rights: list[Right] = Field(min_length=1, max_length=3)
    compliance_report: ComplianceReportInput | None = None


class TransferInput(_Input):
    """转移: the new holder."""

    holder: HolderInput


class ReviewInput(_Input):
    """The reviewer's compliance report."""

    report: ComplianceReportInput


class Reason(_Input):
    """Why: required for returns, rejections and revocations."""

    reason: str = Field(min_length=1, max_length=TEXT)


class OptionalReason(_Input):
    reason: str | None = Field(None, min_length=1, max_length=TEXT)


def dumped(body: BaseModel) -> dict[str, object]:
    """A body as the plain JSON the domain reads (absent optional parts left out)."""
    return body.model_dump(mode="json", exclude_none=True)


RegistrationNumberPath = Annotated[
    str, Path(pattern=REGISTRATION_NUMBER, description="登记编号, e.g. 370200-2026-000123-X")
]
ApplicationIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
KeyIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="the key's public id")]
ObjectionIdPath = Annotated[str, Path(pattern=r"^obj-[1-9][0-9]{0,3}$")]
