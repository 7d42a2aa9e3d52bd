"""Registration facts in ``registration_facts`` and the yearbook's counts over them.

The counts are one SQL statement: a UNION ALL of small GROUP BY queries, one per
breakdown, so that PostgreSQL answers every breakdown from the same snapshot even
at READ COMMITTED, and a new registration cannot make the parts of a report
disagree. Amounts are summed as integer fen and turned into yuan here.
"""

from __future__ import annotations

import typing
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Numeric,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from node.domain.pledge import PledgeStatus
from node.domain.registration_facts import (
    FactsOrigin,
    Listing,
    RegistrationFacts,
    Subject,
)
from node.domain.securities import Board, SecuritiesCode
from node.domain.statistics import ListedCompanyTally, Period, RegistryTallies
from node.domain.values import DataType, IndustrySection, Ownership, Right, Rights
from node.store.errors import AlreadyExistsError, NotFoundError
from node.store.models import CertificateRow, PledgeRow, RegistrationFactsRow
from node.store.ports import AbstractRegistrationFactsRepository

FEN = Decimal(100)
CHUNK = 5000
"""Numbers checked per query (stays under every driver's bind-parameter limit)."""
_FEN_COLUMNS = {
    Subject.INTANGIBLE: "intangible_fen",
    Subject.DEVELOPMENT: "development_fen",
    Subject.INVENTORY: "inventory_fen",
}
_LISTING_KEYS = {"listed": True, "non-listed": False, "not-recorded": None}


def fen_of(amount: Decimal) -> int:
    """Yuan to integer fen (the amount has at most two decimals)."""
    return int(amount * FEN)


def facts_values(facts: RegistrationFacts) -> dict[str, Any]:
    """The column values of a registration's facts."""
    listing = facts.listing
    code = None if listing is None or listing.securities_code is None else listing.securities_code
    return {
        "registration_number": facts.registration_number,
        "origin": facts.origin.value,
        "registered_on": facts.registered_on,
        "credit_code": facts.credit_code,
        "ownership": facts.ownership.value,
        "listed": None if listing is None else listing.listed,
        "securities_code": None if code is None else code.value,
        "board": None if code is None else code.board.value,
        "province_code": facts.province_code,
        "region_code": facts.region_code,
        "industry_section": facts.industry_section.value,
        "industry_division": facts.industry_division,
        "data_type": facts.data_type.value,
        "right_holding": Right.HOLDING in facts.rights,
        "right_use": Right.USE in facts.rights,
        "right_operation": Right.OPERATION in facts.rights,
        **{
            column: None if subject not in facts.amounts else fen_of(facts.amounts[subject])
            for subject, column in _FEN_COLUMNS.items()
        },
    }


def facts_of_row(row: RegistrationFactsRow) -> RegistrationFacts:
    """The facts a row holds."""
    listing = None
    if row.listed is not None:
        code = None if row.securities_code is None else SecuritiesCode.parse(row.securities_code)
        listing = Listing(row.listed, code)
    rights = [
        right
        for right, held in (
            (Right.HOLDING, row.right_holding),
            (Right.USE, row.right_use),
            (Right.OPERATION, row.right_operation),
        )
        if held
    ]
    amounts = {
        subject: Decimal(fen).scaleb(-2)
        for subject, column in _FEN_COLUMNS.items()
        if (fen := getattr(row, column)) is not None
    }
    return RegistrationFacts(
        registration_number=row.registration_number,
        origin=FactsOrigin(row.origin),
        registered_on=row.registered_on,
        credit_code=row.credit_code,
        ownership=Ownership(row.ownership),
        province_code=row.province_code,
        region_code=row.region_code,
        industry_section=IndustrySection(row.industry_section),
        data_type=DataType(row.data_type),
        rights=Rights.of(*rights),
        listing=listing,
        industry_division=row.industry_division,
        amounts=amounts,
    )


class RegistrationFactsRepository(AbstractRegistrationFactsRepository):
    """Facts in the ``registration_facts`` table."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add_many(self, facts: Sequence[RegistrationFacts]) -> None:
        """Checked with two queries per chunk of numbers, then one multi-row INSERT."""
        numbers = [item.registration_number for item in facts]
        taken: set[str] = set()
        certified: set[str] = set()
        for start in range(0, len(numbers), CHUNK):
            part = numbers[start : start + CHUNK]
            taken.update(self._numbers_in(RegistrationFactsRow.registration_number, part))
            certified.update(self._numbers_in(CertificateRow.registration_number, part))
        for number in numbers:
            if number in taken:
                raise AlreadyExistsError("registration_facts", number)
            if number not in certified:
                raise NotFoundError("certificate", number)
            taken.add(number)
        if not facts:
            return
        try:
            self._session.connection().execute(
                insert(typing.cast(Table, RegistrationFactsRow.__table__)),
                [facts_values(f) for f in facts],
            )
        except IntegrityError as exc:
            raise AlreadyExistsError("registration_facts", numbers[0]) from exc

    def get(self, registration_number: str) -> RegistrationFacts:
        row = self._session.get(RegistrationFactsRow, registration_number)
        if row is None:
            raise NotFoundError("registration_facts", registration_number)
        return facts_of_row(row)

    def tallies(self, period: Period) -> RegistryTallies:
        rows = self._session.execute(_tallies_statement(period)).all()
        return _tallies_of(rows)

    def _numbers_in(self, column: Any, numbers: Sequence[str]) -> list[str]:
        return list(self._session.scalars(select(column).where(column.in_(numbers))))


_F = RegistrationFactsRow


def _tallies_statement(period: Period) -> Any:
    """One statement, each row ``(part, key1, key2, count, fen1, fen2, fen3)``."""
    within: ColumnElement[bool] = _F.registered_on <= period.last
    if period.first is not None:
        within = and_(_F.registered_on >= period.first, within)
    listing = case(
        (_F.listed.is_(None), literal("not-recorded")),
        (_F.listed.is_(True), literal("listed")),
        else_=literal("non-listed"),
    )
    day = cast(_F.registered_on, String)

    def part(
        name: str,
        key1: Any = None,
        key2: Any = None,
        count: Any = None,
        sums: tuple[Any, Any, Any] = (None, None, None),
    ) -> Select[Any]:
        columns = [
            literal(name).label("part"),
            cast(null() if key1 is None else key1, String).label("key1"),
            cast(null() if key2 is None else key2, String).label("key2"),
            (func.count() if count is None else count).label("n"),
            *(
                (cast(null(), Numeric) if total is None else total).label(f"s{index}")
                for index, total in enumerate(sums, 1)
            ),
        ]
        query = select(*columns).where(within)
        groups = [key for key in (key1, key2) if key is not None]
        return query.group_by(*groups) if groups else query

    listed = part(
        "listed_company",
        _F.securities_code,
        _F.board,
        sums=(
            func.sum(_F.intangible_fen),
            func.sum(_F.development_fen),
            func.sum(_F.inventory_fen),
        ),
    ).where(_F.listed.is_(True))
    return union_all(
        _pledges_part(period),
        part("registrants", count=func.count(func.distinct(_F.credit_code))),
        part("ownership_listing", _F.ownership, listing),
        part("province", _F.province_code),
        part("section", _F.industry_section),
        part("data_type", _F.data_type),
        part("day", day),
        listed,
    )


REGISTERED_PLEDGES = (PledgeStatus.ACTIVE, PledgeStatus.RELEASED, PledgeStatus.EXPIRED)
"""The statuses of pledges that were registered (confirmed by the centre)."""


def _pledges_part(period: Period) -> Select[Any]:
    """``("pledges", NULL, NULL, count, principal in fen, NULL, NULL)``."""
    first, after = period.moments()
    requested: ColumnElement[bool] = PledgeRow.requested_at < after
    if first is not None:
        requested = and_(PledgeRow.requested_at >= first, requested)
    return select(
        literal("pledges").label("part"),
        cast(null(), String).label("key1"),
        cast(null(), String).label("key2"),
        func.count().label("n"),
        func.sum(PledgeRow.principal_minor).label("s1"),
        cast(null(), Numeric).label("s2"),
        cast(null(), Numeric).label("s3"),
    ).where(
        requested,
        PledgeRow.currency == "CNY",
        PledgeRow.status.in_([status.value for status in REGISTERED_PLEDGES]),
    )


def _tallies_of(rows: Sequence[Any]) -> RegistryTallies:
    registrants = 0
    by_ownership_listing: dict[tuple[Ownership, bool | None], int] = {}
    by_province: dict[str, int] = {}
    by_section: dict[IndustrySection, int] = {}
    by_data_type: dict[DataType, int] = {}
    by_month: defaultdict[tuple[int, int], int] = defaultdict(int)
    days: list[date] = []
    companies = []
    pledges, pledged = 0, Decimal(0)
    for part, key1, key2, count, *sums in rows:
        if part == "pledges":
            pledges, pledged = count, Decimal(sums[0] or 0).scaleb(-2)
        elif part == "registrants":
            registrants = count
        elif part == "ownership_listing":
            by_ownership_listing[(Ownership(key1), _LISTING_KEYS[key2])] = count
        elif part == "province":
            by_province[key1] = count
        elif part == "section":
            by_section[IndustrySection(key1)] = count
        elif part == "data_type":
            by_data_type[DataType(key1)] = count
        elif part == "day":
            day = date.fromisoformat(key1[:10])
            days.append(day)
            by_month[(day.year, day.month)] += count
        else:
            companies.append(
                ListedCompanyTally(
                    securities_code=key1,
                    board=Board(key2),
                    registrations=count,
                    amounts={
                        subject: Decimal(0 if fen is None else fen).scaleb(-2)
                        for subject, fen in zip(_FEN_COLUMNS, sums, strict=True)
                    },
                )
            )
    return RegistryTallies(
        registrations=sum(by_ownership_listing.values()),
        registrants=registrants,
        by_ownership_listing=by_ownership_listing,
        by_province=by_province,
        by_section=by_section,
        by_data_type=by_data_type,
        by_month=dict(by_month),
        listed_companies=tuple(sorted(companies, key=lambda company: company.securities_code)),
        first_registered_on=min(days, default=None),
        pledges=pledges,
        pledged=pledged,
    )
