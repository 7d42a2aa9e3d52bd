"""One import row read into a registration, or every problem of the row with its column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from node.domain.identifiers import RegionCode, RegistrationNumber, credit_code_check_character
from node.domain.industry import DIVISION_RANGES, section_of_division
from node.domain.regions import PROVINCES, Area, parse_province
from node.domain.registration_facts import FactsOrigin, Subject
from node.domain.registration_import import (
    COLUMNS,
    NOT_RECORDED,
    ImportedRegistration,
    RowError,
    parse_row,
)
from node.domain.securities import Board, SecuritiesCode
from node.domain.values import DataType, IndustrySection, Ownership, Right

CENTRE = RegionCode("370200")
TODAY = date(2026, 3, 1)


def credit_code(serial: int, region: str = "370200") -> str:
    body = f"91{region}{serial:09d}"
    return body + credit_code_check_character(body)


def number(year: int, serial: int, region: str = "370200") -> str:
    return str(RegistrationNumber(RegionCode(region), year, serial))


def wrong_check(text: str) -> str:
    return text[:-1] + ("0" if text[-1] != "0" else "1")


def cells(**changes: str) -> dict[str, str]:
    row = {
        "registration_number": "",
        "holder_name": "中国移动通信集团山东有限公司",
        "credit_code": credit_code(7),
        "ownership": "state",
        "listed": "true",
        "securities_code": "600941.SH",
        "province": "山东省",
        "region_code": "370102",
        "industry_section": "I",
        "industry_division": "63",
        "asset_name": "通信信令脱敏数据",
        "data_type": "semi-structured",
        "rights": "holding|use",
        "registered_on": "2026-02-03",
        "intangible_amount": "1250000.50",
        "development_amount": "300000",
        "inventory_amount": "",
    }
    assert set(row) == set(COLUMNS)
    return row | changes


def parsed(**changes: str) -> ImportedRegistration:
    result = parse_row(cells(**changes), 7, centre_region=CENTRE, today=TODAY)
    assert isinstance(result, ImportedRegistration), result
    return result


def problems(**changes: str) -> list[tuple[str, str]]:
    result = parse_row(cells(**changes), 7, centre_region=CENTRE, today=TODAY)
    assert isinstance(result, list), "the row was accepted"
    assert {error.line for error in result} == {7}
    return [(error.column, error.code) for error in result]


def test_a_good_row_becomes_the_certificate_content_and_the_facts() -> None:
    row = parsed()
    holder, asset = row.content.holder, row.content.asset
    assert (holder.name, holder.ownership, holder.region_code.value) == (
        "中国移动通信集团山东有限公司",
        Ownership.STATE,
        "370102",
    )
    assert (asset.name, asset.data_type, asset.industry_section) == (
        "通信信令脱敏数据",
        DataType.SEMI_STRUCTURED,
        IndustrySection.I,
    )
    assert asset.source == asset.description == NOT_RECORDED
    assert list(row.content.rights) == [Right.HOLDING, Right.USE]
    facts = row.facts("370200-2026-000001-1")
    assert facts.origin is FactsOrigin.IMPORT
    assert facts.registered_on == date(2026, 2, 3)
    assert (facts.province_code, facts.industry_division) == ("37", "63")
    assert facts.listing is not None and facts.listing.board is Board.SH_MAIN
    assert facts.amounts == {
        Subject.INTANGIBLE: Decimal("1250000.50"),
        Subject.DEVELOPMENT: Decimal("300000.00"),
    }


def test_optional_cells_may_be_empty_and_booleans_ignore_case() -> None:
    row = parsed(
        listed="FALSE",
        securities_code="",
        industry_division="",
        intangible_amount="",
        development_amount="",
        registration_number=number(2026, 42),
    )
    assert row.listing.listed is False and row.listing.securities_code is None
    assert row.industry_division is None and row.amounts == {}


def test_every_problem_of_a_row_is_reported_with_its_column() -> None:
    found = problems(
        credit_code="913702000000000013",
        ownership="private",
        province="加州",
        industry_section="Z",
        data_type="csv",
        rights="holding|sell",
        registered_on="2026/02/03",
        intangible_amount="-5",
        development_amount="12.345",
        holder_name=" ",
    )
    assert found == [
        ("holder_name", "missing_value"),
        ("credit_code", "credit_code_check_digit"),
        ("ownership", "unknown_value"),
        ("province", "unknown_province"),
        ("industry_section", "unknown_value"),
        ("data_type", "unknown_value"),
        ("rights", "unknown_value"),
        ("registered_on", "date_format"),
        ("intangible_amount", "amount_format"),
        ("development_amount", "amount_format"),
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"listed": "true", "securities_code": ""}, ("securities_code", "required")),
        ({"listed": "false"}, ("securities_code", "not_listed")),
        ({"listed": "yes"}, ("listed", "boolean_format")),
        ({"securities_code": "600941"}, ("securities_code", "securities_code_format")),
        ({"securities_code": "900901.SH"}, ("securities_code", "securities_code_board")),
        ({"securities_code": "300766.SH"}, ("securities_code", "securities_code_board")),
        ({"region_code": "110108"}, ("region_code", "province_mismatch")),
        ({"region_code": "810000", "province": "山东"}, ("region_code", "unknown_province")),
        ({"industry_division": "13"}, ("industry_division", "industry_division_section")),
        ({"industry_division": "99"}, ("industry_division", "industry_division_format")),
        ({"registered_on": "2026-03-02"}, ("registered_on", "date_in_future")),
        ({"registered_on": "2026-02-30"}, ("registered_on", "date_format")),
        (
            {"registration_number": number(2025, 1)},
            ("registration_number", "registration_number_year"),
        ),
        (
            {"registration_number": number(2026, 1, "110000")},
            ("registration_number", "registration_number_centre"),
        ),
        (
            {"registration_number": wrong_check(number(2026, 1))},
            ("registration_number", "registration_number_check"),
        ),
        ({"rights": "use|use"}, ("rights", "duplicate")),
        ({"inventory_amount": "1000000000000"}, ("inventory_amount", "amount_format")),
        ({"inventory_amount": "1,000"}, ("inventory_amount", "amount_format")),
    ],
)
def test_a_broken_rule_names_its_column_and_code(
    changes: dict[str, str], expected: tuple[str, str]
) -> None:
    assert problems(**changes) == [expected]


def test_a_row_error_reads_as_line_column_reason_and_code() -> None:
    error = RowError(12, "credit_code", "credit_code_length", "must have 18 characters, has 3")
    assert str(error) == (
        "line 12, column credit_code: must have 18 characters, has 3 [credit_code_length]"
    )


@pytest.mark.parametrize(
    ("code", "board"),
    [
        ("600941.SH", Board.SH_MAIN),
        ("605599.sh", Board.SH_MAIN),
        ("688981.SH", Board.STAR),
        ("000001.SZ", Board.SZ_MAIN),
        ("002415.SZ", Board.SZ_MAIN),
        ("300766.SZ", Board.CHINEXT),
        ("301236.SZ", Board.CHINEXT),
        ("920184.BJ", Board.BSE),
        ("830799.BJ", Board.BSE),
    ],
)
def test_the_board_follows_from_exchange_and_prefix(code: str, board: Board) -> None:
    assert SecuritiesCode.parse(code).board is board


def test_the_nbs_areas_put_the_north_east_in_the_east() -> None:
    by_area = {area: [p.name for p in PROVINCES if p.area is area] for area in Area}
    assert len(PROVINCES) == 31
    assert [len(by_area[area]) for area in Area] == [13, 6, 12]
    assert {"辽宁省", "吉林省", "黑龙江省", "山东省", "海南省"} <= set(by_area[Area.EAST])
    assert set(by_area[Area.CENTRAL]) == {
        "山西省",
        "安徽省",
        "江西省",
        "河南省",
        "湖北省",
        "湖南省",
    }
    assert {"内蒙古自治区", "广西壮族自治区", "重庆市", "新疆维吾尔自治区"} <= set(
        by_area[Area.WEST]
    )
    assert parse_province("内蒙古") == parse_province("内蒙古自治区")


def test_every_division_from_01_to_97_belongs_to_exactly_one_section() -> None:
    covered = [n for _, first, last in DIVISION_RANGES for n in range(first, last + 1)]
    assert covered == list(range(1, 98))
    assert [section for section, _, _ in DIVISION_RANGES] == list(IndustrySection)
    assert section_of_division("63") is IndustrySection.I
    assert section_of_division("98") is None
