"""The registry's annual report (登记年报) from the store's counts: the JSON every format shows.

How the figures are made:

- Every breakdown counts registrations (首次登记), once each, at their
  registration date; ``registrants`` counts distinct credit codes. Changes,
  transfers and renewals are no new registrations, and a registration that was
  later cancelled or revoked still counts for the period it was made in.
- Shares are percentages of the breakdown's total (registrations, or the listed
  companies' amount total), computed exactly and then rounded half up to two
  decimals, each on its own: the shares of a breakdown may add up to 99.99 or
  100.01. A share of an empty total is ``0.00``.
- Amounts are yuan with two decimals, summed exactly (the store keeps fen).
- Areas follow the NBS grouping with the north-east inside the east
  (``node.domain.regions``). A registration issued through the workflow whose
  listing is not recorded counts as non-listed (``listing_not_recorded`` says
  how many); one whose region lies outside the 31 mainland provinces counts in
  no area (``area_not_assigned``) and under its two-digit code in ``by_province``.
- Listed companies are told apart by securities code. ``by_subject.companies``
  counts companies with a positive amount under the subject; ``top`` lists the ten
  largest positive totals, ties by securities code; ``concentration`` is the share
  of the three and five largest in the amount total.
- ``by_province`` is sorted by count descending, ties by province code.
- ``pledges`` appears when pledges were registered in the period: pledges the
  centre confirmed (active, released or expired since) that were requested in
  the period (days in China Standard Time), with their principal in CNY summed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict

from node.domain.regions import PROVINCE_BY_CODE, Area
from node.domain.registration_facts import Subject
from node.domain.securities import Board
from node.domain.statistics import ListedCompanyTally, Period, RegistryTallies
from node.domain.values import DataType, IndustrySection, Ownership

REPORT_VERSION = 1
TOP_COMPANIES = 10
CENT = Decimal("0.01")


class _Json(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CentreJson(_Json):
    """The centre whose registrations the report counts."""

    name: str
    region_code: str


class PeriodJson(_Json):
    """The registration dates counted: ``start`` (null: since the first) to ``end``."""

    year: int | None
    start: str | None
    end: str


class CountShare(_Json):
    """A count and its share of the breakdown's total, in percent."""

    count: int
    share: str


class ListingPart(_Json):
    """Listed or non-listed registrations, split by ownership."""

    count: int
    share: str
    by_ownership: dict[str, int]


class ProvinceCount(_Json):
    """Registrations of holders in one province-level division."""

    code: str
    province: str
    area: str | None
    count: int
    share: str


class BoardCount(_Json):
    """Listed companies and their registrations on one board."""

    companies: int
    registrations: int


class SubjectAmount(_Json):
    """What listed companies recognised under one accounting subject."""

    amount: str
    share: str
    companies: int


class CompanyAmount(_Json):
    """One listed company's total over the three subjects."""

    securities_code: str
    board: str
    amount: str


class Concentration(_Json):
    """Shares of the largest companies in the amount total."""

    top3_share: str
    top5_share: str


class ListedSection(_Json):
    """Listed companies' registrations and the amounts they put on their balance sheets."""

    companies: int
    registrations: int
    by_board: dict[str, BoardCount]
    amount_total: str
    by_subject: dict[str, SubjectAmount]
    companies_with_intangible_and_development: int
    top: list[CompanyAmount]
    concentration: Concentration


class Pledges(_Json):
    """Pledge financings (质押融资) registered in the period."""

    count: int
    secured_amount: str


class Yearbook(_Json):
    """The annual report's figures; the JSON of ``dataprop report yearbook``."""

    report_version: int = REPORT_VERSION
    centre: CentreJson
    period: PeriodJson
    generated_at: str
    registrants: int
    registrations: int
    by_ownership: dict[str, CountShare]
    by_listing: dict[str, ListingPart]
    listing_not_recorded: int
    by_area: dict[str, CountShare]
    area_not_assigned: int
    by_province: list[ProvinceCount]
    by_industry_section: dict[str, int]
    industry_sections_covered: int
    by_data_type: dict[str, int]
    listed: ListedSection
    by_month: dict[str, int]
    pledges: Pledges | None = None

    def to_json(self) -> dict[str, object]:
        """The plain JSON object (``pledges`` left out when the period has none)."""
        return self.model_dump(mode="json", exclude={"pledges"} if self.pledges is None else None)


def share(part: int | Decimal, total: int | Decimal) -> str:
    """``part`` in percent of ``total``, rounded half up to two decimals; 0.00 of nothing."""
    if not total:
        return "0.00"
    exact = Decimal(part) * 100 / Decimal(total)
    return str(exact.quantize(CENT, rounding=ROUND_HALF_UP))


def yuan(amount: Decimal) -> str:
    """An exact amount of yuan with two decimals."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def build_yearbook(
    tallies: RegistryTallies,
    period: Period,
    *,
    year: int | None,
    centre: CentreJson,
    generated_at: datetime,
) -> Yearbook:
    """The report of ``period`` (the calendar year ``year`` when given) from its counts."""
    total = tallies.registrations
    ownership_listing = tallies.by_ownership_listing
    by_ownership = {
        o.value: _count_share(sum(n for (of, _), n in ownership_listing.items() if of is o), total)
        for o in Ownership
    }
    by_listing = {}
    for key, listed in (("listed", True), ("non-listed", False)):
        counts = {
            o.value: sum(
                n
                for (own, flag), n in ownership_listing.items()
                if own is o and (flag is True) is listed
            )
            for o in Ownership
        }
        part = sum(counts.values())
        by_listing[key] = ListingPart(count=part, share=share(part, total), by_ownership=counts)
    by_area = {area.value: 0 for area in Area}
    provinces = []
    for code, count in tallies.by_province.items():
        province = PROVINCE_BY_CODE.get(code)
        if province is not None:
            by_area[province.area.value] += count
        provinces.append(
            ProvinceCount(
                code=code,
                province=province.name if province is not None else f"其他 ({code})",
                area=None if province is None else province.area.value,
                count=count,
                share=share(count, total),
            )
        )
    provinces.sort(key=lambda item: (-item.count, item.code))
    sections = {s.value: tallies.by_section.get(s, 0) for s in IndustrySection}
    return Yearbook(
        centre=centre,
        period=PeriodJson(
            year=year,
            start=None if period.first is None else period.first.isoformat(),
            end=period.last.isoformat(),
        ),
        generated_at=generated_at.isoformat(),
        registrants=tallies.registrants,
        registrations=total,
        by_ownership=by_ownership,
        by_listing=by_listing,
        listing_not_recorded=sum(n for (_, flag), n in ownership_listing.items() if flag is None),
        by_area={key: _count_share(count, total) for key, count in by_area.items()},
        area_not_assigned=total - sum(by_area.values()),
        by_province=provinces,
        by_industry_section=sections,
        industry_sections_covered=sum(1 for count in sections.values() if count),
        by_data_type={t.value: tallies.by_data_type.get(t, 0) for t in DataType},
        listed=_listed(tallies.listed_companies),
        by_month=_months(tallies.by_month, period, tallies.first_registered_on),
        pledges=None
        if not tallies.pledges
        else Pledges(count=tallies.pledges, secured_amount=yuan(tallies.pledged)),
    )


def _count_share(count: int, total: int) -> CountShare:
    return CountShare(count=count, share=share(count, total))


def _listed(companies: Iterable[ListedCompanyTally]) -> ListedSection:
    companies = list(companies)
    amount_total = sum((company.total for company in companies), Decimal(0))
    subject_totals = {
        subject: sum((c.amounts.get(subject, Decimal(0)) for c in companies), Decimal(0))
        for subject in Subject
    }
    ranked = sorted(
        (company for company in companies if company.total > 0),
        key=lambda company: (-company.total, company.securities_code),
    )
    return ListedSection(
        companies=len(companies),
        registrations=sum(company.registrations for company in companies),
        by_board={
            board.value: BoardCount(
                companies=sum(1 for c in companies if c.board is board),
                registrations=sum(c.registrations for c in companies if c.board is board),
            )
            for board in Board
        },
        amount_total=yuan(amount_total),
        by_subject={
            subject.value: SubjectAmount(
                amount=yuan(subject_totals[subject]),
                share=share(subject_totals[subject], amount_total),
                companies=sum(1 for c in companies if c.amounts.get(subject, Decimal(0)) > 0),
            )
            for subject in Subject
        },
        companies_with_intangible_and_development=sum(
            1
            for c in companies
            if c.amounts.get(Subject.INTANGIBLE, Decimal(0)) > 0
            and c.amounts.get(Subject.DEVELOPMENT, Decimal(0)) > 0
        ),
        top=[
            CompanyAmount(
                securities_code=c.securities_code, board=c.board.value, amount=yuan(c.total)
            )
            for c in ranked[:TOP_COMPANIES]
        ],
        concentration=Concentration(
            top3_share=share(sum((c.total for c in ranked[:3]), Decimal(0)), amount_total),
            top5_share=share(sum((c.total for c in ranked[:5]), Decimal(0)), amount_total),
        ),
    )


def _months(
    counts: Mapping[tuple[int, int], int], period: Period, first: date | None
) -> dict[str, int]:
    """Every month of the period with its count, zeros included: the calendar year, or from
    the first registration's month to the period's end."""
    start = period.first if period.first is not None else first
    if start is None:
        return {}
    months: dict[str, int] = {}
    year, month = start.year, start.month
    while (year, month) <= (period.last.year, period.last.month):
        months[f"{year:04d}-{month:02d}"] = counts.get((year, month), 0)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
