"""The statistics facts (统计要素) of one registration, from which the yearbook is counted.

Every registration (首次登记) of the node has one set of facts: an imported one
carries them in its CSV row; one issued through the workflow takes them from its
certificate. The certificate names the holder's ownership, region, industry
section, data type and rights, but not whether the holder is listed, its
industry division or the amounts it recognised on its balance sheet: those are
``None`` (not recorded). The yearbook counts a registration whose listing is not
recorded as non-listed and says how many it counted so (``listing_not_recorded``).

A change, transfer or renewal issues a successor certificate but is no new
registration: it has no facts of its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from node.domain.certificate import Certificate
from node.domain.errors import InvalidFieldError
from node.domain.securities import Board, SecuritiesCode
from node.domain.values import DataType, IndustrySection, Ownership, Rights

MAX_AMOUNT = Decimal("999999999999.99")
"""The largest amount accepted (just under one trillion yuan), so that sums stay exact
64-bit integers of fen on every database."""
_AMOUNT = re.compile(r"(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?")


class Subject(StrEnum):
    """An accounting subject (会计科目) under which data resources are recognised."""

    INTANGIBLE = "intangible"
    """无形资产."""
    DEVELOPMENT = "development"
    """开发支出."""
    INVENTORY = "inventory"
    """存货."""

    @property
    def label(self) -> str:
        """The Chinese term."""
        return {"intangible": "无形资产", "development": "开发支出", "inventory": "存货"}[
            self.value
        ]


class FactsOrigin(StrEnum):
    """Where a registration's facts came from."""

    IMPORT = "import"
    """A row of ``dataprop import registrations``."""
    ISSUE = "issue"
    """The certificate of an application issued through the workflow."""


def parse_amount(text: object, field: str) -> Decimal:
    """An amount in yuan: a plain decimal string, at most two decimals, not negative."""
    if not isinstance(text, str):
        raise InvalidFieldError(field, "wrong_type", "must be a string")
    value = text.strip()
    if not _AMOUNT.fullmatch(value):
        raise InvalidFieldError(
            field,
            "amount_format",
            f"{value!r} must be yuan as digits with at most two decimals (e.g. 1250000.50), "
            f"at most {MAX_AMOUNT}",
        )
    return Decimal(value).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Listing:
    """Whether the holder is listed and, when it is, its A-share code."""

    listed: bool
    securities_code: SecuritiesCode | None = None

    def __post_init__(self) -> None:
        if self.listed and self.securities_code is None:
            raise InvalidFieldError(
                "securities_code", "required", "is required when listed is true"
            )
        if not self.listed and self.securities_code is not None:
            raise InvalidFieldError(
                "securities_code", "not_listed", "must be empty when listed is false"
            )

    @property
    def board(self) -> Board | None:
        """The board of the securities code."""
        return None if self.securities_code is None else self.securities_code.board


@dataclass(frozen=True)
class RegistrationFacts:
    """What the yearbook counts of one registration."""

    registration_number: str
    origin: FactsOrigin
    registered_on: date
    credit_code: str
    ownership: Ownership
    province_code: str
    """The first two digits of the holder's region code: a province of
    ``node.domain.regions`` for every import; the workflow accepts any region code."""
    region_code: str
    industry_section: IndustrySection
    data_type: DataType
    rights: Rights
    listing: Listing | None = None
    """None when not recorded (a registration issued through the workflow)."""
    industry_division: str | None = None
    amounts: Mapping[Subject, Decimal] = field(default_factory=dict)
    """The amounts recognised, by subject; a subject left out was not given."""

    def __post_init__(self) -> None:
        amounts = dict(self.amounts)
        for subject, amount in amounts.items():
            if not Decimal(0) <= amount <= MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
                raise InvalidFieldError(
                    f"{subject.value}_amount", "amount_format", "must be 0 to the maximum, in fen"
                )
        object.__setattr__(self, "amounts", amounts)


def facts_of_certificate(certificate: Certificate) -> RegistrationFacts:
    """The facts of a registration issued through the workflow, from its certificate."""
    holder = certificate.holder
    return RegistrationFacts(
        registration_number=str(certificate.registration_number),
        origin=FactsOrigin.ISSUE,
        registered_on=certificate.issued_on,
        credit_code=holder.credit_code.value,
        ownership=holder.ownership,
        province_code=holder.region_code.value[:2],
        region_code=holder.region_code.value,
        industry_section=certificate.asset.industry_section,
        data_type=certificate.asset.data_type,
        rights=certificate.rights,
    )
