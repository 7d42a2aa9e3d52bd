"""One row of a registration import (``dataprop import registrations``), read and checked.

A row names the holder, the asset, the rights, the registration date and the
statistics facts (``node.domain.registration_facts``). Every cell is checked even
after an earlier one failed, so that a report lists every problem of the row,
each with its column and a machine-readable code.

An import carries only the asset's name; the certificate's other asset fields
(description, source, scale, update frequency, scenarios) say that they were not
recorded (:data:`NOT_RECORDED`). The asset key is therefore derived from the
holder's credit code, the asset's name, data type and industry section: the same
asset imported twice is refused as already registered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar

from node.domain.errors import InvalidFieldError
from node.domain.identifiers import CreditCode, RegionCode, RegistrationNumber
from node.domain.industry import parse_division
from node.domain.regions import Province, parse_province, province_of_region
from node.domain.registration_facts import (
    FactsOrigin,
    Listing,
    RegistrationFacts,
    Subject,
    parse_amount,
)
from node.domain.securities import SecuritiesCode
from node.domain.values import (
    ASSET_NAME,
    HOLDER_NAME,
    ApplicationContent,
    DataAsset,
    DataType,
    Holder,
    IndustrySection,
    Ownership,
    Rights,
    parse_enum,
)

COLUMNS: tuple[str, ...] = (
    "registration_number",
    "holder_name",
    "credit_code",
    "ownership",
    "listed",
    "securities_code",
    "province",
    "region_code",
    "industry_section",
    "industry_division",
    "asset_name",
    "data_type",
    "rights",
    "registered_on",
    "intangible_amount",
    "development_amount",
    "inventory_amount",
)
"""The columns of an import file, each exactly once, in any order."""
OPTIONAL_COLUMNS = frozenset(
    {
        "registration_number",
        "securities_code",
        "industry_division",
        "intangible_amount",
        "development_amount",
        "inventory_amount",
    }
)
"""Columns whose cells may be empty (``securities_code`` is required when listed)."""
AMOUNT_COLUMNS: dict[Subject, str] = {subject: f"{subject.value}_amount" for subject in Subject}
NOT_RECORDED = "未记载 (历史登记导入)"
"""What an imported certificate states for the asset fields an import does not carry."""
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BOOLEANS = {"true": True, "false": False}
_T = TypeVar("_T")


@dataclass(frozen=True)
class RowError:
    """One problem of one row: its line in the file, the column, a code and the reason."""

    line: int
    column: str
    code: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason} [{self.code}]"


@dataclass(frozen=True)
class ImportedRegistration:
    """A row that passed every check: the certificate's content and the row's facts."""

    line: int
    registration_number: RegistrationNumber | None
    """As given in the row; None when the node assigns one."""
    content: ApplicationContent
    registered_on: date
    listing: Listing
    industry_division: str | None
    amounts: Mapping[Subject, Decimal] = field(default_factory=dict)

    def facts(self, registration_number: str) -> RegistrationFacts:
        """The row's statistics facts under the number the registration is stored with."""
        holder = self.content.holder
        return RegistrationFacts(
            registration_number=registration_number,
            origin=FactsOrigin.IMPORT,
            registered_on=self.registered_on,
            credit_code=holder.credit_code.value,
            ownership=holder.ownership,
            province_code=holder.region_code.value[:2],
            region_code=holder.region_code.value,
            industry_section=self.content.asset.industry_section,
            data_type=self.content.asset.data_type,
            rights=self.content.rights,
            listing=self.listing,
            industry_division=self.industry_division,
            amounts=self.amounts,
        )


class _Row:
    """The cells of one row and the errors found so far."""

    def __init__(self, cells: Mapping[str, str], line: int) -> None:
        self.cells = cells
        self.line = line
        self.errors: list[RowError] = []

    def read(self, column: str, parse: Callable[[str, str], _T]) -> _T | None:
        """``parse(cell, column)`` of a non-empty cell; None (and an error if required) else."""
        text = self.cells.get(column, "").strip()
        if not text:
            if column not in OPTIONAL_COLUMNS:
                self.fail(column, "missing_value", "is required")
            return None
        return self.attempt(column, lambda: parse(text, column))

    def attempt(self, column: str, make: Callable[[], _T]) -> _T | None:
        try:
            return make()
        except InvalidFieldError as error:
            self.fail(column, error.code, error.detail)
            return None

    def fail(self, column: str, code: str, reason: str) -> None:
        self.errors.append(RowError(self.line, column, code, reason))


def parse_row(
    cells: Mapping[str, str], line: int, *, centre_region: RegionCode, today: date
) -> ImportedRegistration | list[RowError]:
    """The registration a row describes, or every problem of the row.

    ``centre_region`` is this centre's: a given registration number must be one of
    its numbers, of the year of ``registered_on``, which may not be after ``today``.
    """
    row = _Row(cells, line)
    name = row.read("holder_name", HOLDER_NAME.clean)
    credit_code = row.read("credit_code", CreditCode.parse)
    ownership = row.read("ownership", lambda text, f: parse_enum(Ownership, text, f))
    listed = row.read("listed", _parse_bool)
    securities_code = row.read("securities_code", SecuritiesCode.parse)
    province = row.read("province", parse_province)
    region = row.read("region_code", RegionCode.parse)
    section = row.read("industry_section", lambda t, f: parse_enum(IndustrySection, t.upper(), f))
    division = row.read("industry_division", lambda text, f: _division(text, f, section))
    asset_name = row.read("asset_name", ASSET_NAME.clean)
    data_type = row.read("data_type", lambda text, f: parse_enum(DataType, text, f))
    rights = row.read("rights", _parse_rights)
    registered_on = row.read("registered_on", lambda text, f: _parse_day(text, f, today))
    number = row.read("registration_number", RegistrationNumber.parse)
    amounts = {
        subject: amount
        for subject, column in AMOUNT_COLUMNS.items()
        if (amount := row.read(column, parse_amount)) is not None
    }
    listing = None
    if listed is not None and (securities_code is not None or not _has(cells, "securities_code")):
        listing = row.attempt("securities_code", lambda: Listing(listed, securities_code))
    if region is not None and province is not None:
        row.attempt("region_code", lambda: _same_province(region, province))
    if number is not None and registered_on is not None:
        row.attempt(
            "registration_number", lambda: _own_number(number, centre_region, registered_on)
        )
    if row.errors:
        return row.errors
    assert name and credit_code and ownership and region and section and asset_name
    assert data_type and rights and registered_on and listing
    asset = DataAsset(
        name=asset_name,
        description=NOT_RECORDED,
        data_type=data_type,
        industry_section=section,
        source=NOT_RECORDED,
        scale=NOT_RECORDED,
        update_frequency=NOT_RECORDED,
        scenarios=(NOT_RECORDED,),
    )
    return ImportedRegistration(
        line=line,
        registration_number=number,
        content=ApplicationContent(Holder(name, credit_code, ownership, region), asset, rights),
        registered_on=registered_on,
        listing=listing,
        industry_division=division,
        amounts=amounts,
    )


def _has(cells: Mapping[str, str], column: str) -> bool:
    return bool(cells.get(column, "").strip())


def _parse_rights(text: str, field: str) -> Rights:
    return Rights.parse([name.strip() for name in text.split("|")], field)


def _parse_bool(text: str, field: str) -> bool:
    value = _BOOLEANS.get(text.lower())
    if value is None:
        raise InvalidFieldError(field, "boolean_format", f"{text!r} must be true or false")
    return value


def _parse_day(text: str, field: str, today: date) -> date:
    try:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidFieldError(
            field, "date_format", f"{text!r} must be an ISO date such as 2025-06-30"
        ) from None
    if day > today:
        raise InvalidFieldError(field, "date_in_future", f"{text} is after today ({today})")
    return day


def _division(text: str, field: str, section: IndustrySection | None) -> str | None:
    """The division checked against the section; unchecked when the section is bad already."""
    if section is None:
        return None
    return parse_division(text, section, field)


def _same_province(region: RegionCode, province: Province) -> None:
    actual = province_of_region(region)
    if actual != province:
        raise InvalidFieldError(
            "region_code",
            "province_mismatch",
            f"{region.value} lies in {actual.name}, not in {province.name}",
        )


def _own_number(number: RegistrationNumber, centre: RegionCode, registered_on: date) -> None:
    if number.region_code != centre:
        raise InvalidFieldError(
            "registration_number",
            "registration_number_centre",
            f"{number} is not a number of this centre ({centre.value})",
        )
    if number.year != registered_on.year:
        raise InvalidFieldError(
            "registration_number",
            "registration_number_year",
            f"{number} is of {number.year}, registered_on of {registered_on.year}",
        )
