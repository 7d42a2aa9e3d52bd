"""The yearbook over hand-made registrations: every figure as worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from node.domain.errors import InvalidFieldError
from node.reports.yearbook import Yearbook, share, yuan
from node.services.imports import RegistrationImportService
from node.services.pledges import PledgeService
from node.services.registration_csv import parse_import_csv
from node.services.reports import YearbookService
from tests.unit.reports.yearbook_data import EXPECTED_2025, csv_bytes, rows
from tests.unit.services.conftest import SAMPLES, Node
from tests.unit.services.pledging import (
    BANK_A,
    BANK_B,
    active_pledge,
    issue_first_sample,
    request_body,
)


def import_hand_made(node: Node) -> None:
    file = parse_import_csv(csv_bytes(rows()))
    outcome = RegistrationImportService(node.context).import_rows(
        "operator", file.rows, source="hand-made.csv"
    )
    assert outcome.complete and len(outcome.imported) == 14


def yearbook(node: Node, *, year: int | None = None, as_of: date | None = None) -> Yearbook:
    service = YearbookService(node.store.uow, node.context.centre, node.store.clock)
    return service.yearbook(year=year, as_of=as_of)


def test_every_figure_of_the_year_is_the_one_worked_out_by_hand(node: Node) -> None:
    import_hand_made(node)
    report = yearbook(node, year=2025).to_json()
    for key, expected in EXPECTED_2025.items():
        assert report[key] == expected, key
    assert report["period"] == {"year": 2025, "start": "2025-01-01", "end": "2025-12-31"}
    assert report["centre"] == {"name": "青岛市数据资产登记评价中心", "region_code": "370200"}
    assert "pledges" not in report


def test_as_of_counts_every_registration_up_to_the_day(node: Node) -> None:
    import_hand_made(node)
    report = yearbook(node, as_of=date(2025, 12, 31)).to_json()
    assert report["period"] == {"year": None, "start": None, "end": "2025-12-31"}
    assert (report["registrations"], report["registrants"]) == (13, 9)
    assert report["by_ownership"]["state"] == {"count": 6, "share": "46.15"}
    months = report["by_month"]
    assert list(months) == ["2024-12", *(f"2025-{month:02d}" for month in range(1, 13))]
    assert months["2024-12"] == 1 and sum(months.values()) == 13
    everything = yearbook(node).to_json()
    assert everything["registrations"] == 14
    assert everything["period"]["end"] == "2026-03-02"


def test_a_period_without_registrations_has_zeros_and_empty_lists(node: Node) -> None:
    import_hand_made(node)
    report = yearbook(node, year=2027).to_json()
    assert (report["registrations"], report["registrants"]) == (0, 0)
    assert report["by_ownership"] == {
        "state": {"count": 0, "share": "0.00"},
        "non-state": {"count": 0, "share": "0.00"},
    }
    assert report["by_area"]["east"] == {"count": 0, "share": "0.00"}
    assert report["by_province"] == [] and report["industry_sections_covered"] == 0
    assert set(report["by_month"].values()) == {0} and len(report["by_month"]) == 12
    listed = report["listed"]
    assert (listed["companies"], listed["amount_total"], listed["top"]) == (0, "0.00", [])
    assert listed["by_subject"]["intangible"] == {"amount": "0.00", "share": "0.00", "companies": 0}
    assert listed["concentration"] == {"top3_share": "0.00", "top5_share": "0.00"}
    assert yearbook(node, as_of=date(2024, 1, 1)).to_json()["by_month"] == {}


def test_a_registration_issued_through_the_workflow_counts_as_not_recorded_non_listed(
    node: Node,
) -> None:
    application_id = node.through_notice(SAMPLES[0])
    node.after_notice()
    issued = node.issuance.issue("issuer", application_id)
    report = yearbook(node).to_json()
    holder = SAMPLES[0]["holder"]
    assert (report["registrations"], report["listing_not_recorded"]) == (1, 1)
    assert report["by_listing"]["non-listed"]["by_ownership"][holder["ownership"]] == 1
    assert report["by_listing"]["listed"]["count"] == 0
    assert report["by_province"][0]["code"] == holder["region_code"][:2]
    assert report["by_industry_section"][SAMPLES[0]["asset"]["industry_section"]] == 1
    with node.store.uow() as uow:
        facts = uow.registration_facts.get(str(issued.certificate.registration_number))
    assert facts.listing is None and facts.amounts == {}
    assert facts.registered_on == issued.certificate.issued_on


def test_a_year_and_a_day_together_are_refused(node: Node) -> None:
    with pytest.raises(InvalidFieldError) as raised:
        yearbook(node, year=2025, as_of=date(2025, 1, 1))
    assert raised.value.code == "conflicting_options"


@pytest.mark.parametrize(
    ("part", "total", "expected"),
    [
        (1, 3, "33.33"),
        (2, 3, "66.67"),
        (1, 800, "0.13"),
        (1, 8, "12.50"),
        (5, 5, "100.00"),
        (0, 0, "0.00"),
        (Decimal("0.01"), Decimal("0.02"), "50.00"),
    ],
)
def test_shares_are_rounded_half_up_to_two_decimals(
    part: int | Decimal, total: int | Decimal, expected: str
) -> None:
    assert share(part, total) == expected


def test_amounts_keep_two_decimals() -> None:
    assert yuan(Decimal("1750.5")) == "1750.50"
    assert yuan(Decimal("0")) == "0.00"
    assert yuan(Decimal("999999999999.99") * 3) == "2999999999999.97"


def test_registered_pledges_of_the_period_are_counted_with_their_principal(node: Node) -> None:
    number = issue_first_sample(node)
    pledges = PledgeService(node.context)
    active_pledge(pledges, number)
    released = active_pledge(
        pledges, number, BANK_B, principal={"amount": "1234.56", "currency": "CNY"}
    )
    pledges.release_own(f"{BANK_B}-officer", BANK_B, released)
    pledges.request(f"{BANK_A}-officer", BANK_A, request_body(number))  # requested only
    report = yearbook(node).to_json()
    assert report["pledges"] == {"count": 2, "secured_amount": "5001234.56"}
    assert "pledges" not in yearbook(node, year=2025).to_json()
