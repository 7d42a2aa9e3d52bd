"""The operator's import and the yearbook over the API: same checks and figures as the CLI."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.workflow_node import ApiNode, api_node
from tests.unit.reports.yearbook_data import EXPECTED_2025, csv_bytes, rows
from tests.unit.store.support import FakeStore

CSV = {"Content-Type": "text/csv"}


@pytest.fixture
def served() -> ApiNode:
    return api_node(FakeStore())


def post_csv(served: ApiNode, content: bytes, *, partial: bool = False, key: str = "k1") -> Any:
    return served.call(
        "issuer",
        "POST",
        "/operator/imports/registrations",
        params={"partial": "true"} if partial else {},
        content=content,
        headers={**CSV, "Idempotency-Key": key},
    )


def test_an_import_then_the_yearbook_of_the_year(served: ApiNode) -> None:
    response = post_csv(served, csv_bytes(rows(), bom=True))
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert (outcome["rows"], len(outcome["imported"]), outcome["rejected"]) == (14, 14, [])
    for who in ("regulator", "reviewer", "auditor", "issuer"):
        report = served.call(who, "GET", "/reports/yearbook", params={"year": 2025})
        assert report.status_code == 200, report.text
        figures = report.json()
        for key, expected in EXPECTED_2025.items():
            assert figures[key] == expected, key
    html = served.call("regulator", "GET", "/reports/yearbook", params={"format": "html"})
    assert html.headers["content-type"].startswith("text/html")
    assert "数据产权登记年报" in html.text and html.text.count("<svg") == 9
    as_of = served.call("regulator", "GET", "/reports/yearbook", params={"as_of": "2025-12-31"})
    assert as_of.json()["registrations"] == 13
    wrong = served.call("regulator", "GET", "/reports/yearbook", params={"as_of": "0"})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "as_of"


def test_refused_rows_write_nothing_and_partial_writes_the_good_ones(served: ApiNode) -> None:
    records = rows()[:3]
    records[2] = records[2] | {"rights": "holding|sell"}
    refused = post_csv(served, csv_bytes(records))
    assert refused.status_code == 422
    body = refused.json()
    assert body["error"] == {
        "code": "import_rows_refused",
        "message": "1 of 3 rows refused: nothing imported",
        "field": "rows",
    }
    assert body["rejected"] == [
        {
            "line": 4,
            "errors": [
                {
                    "column": "rights",
                    "code": "unknown_value",
                    "reason": body["rejected"][0]["errors"][0]["reason"],
                }
            ],
        }
    ]
    empty = served.call("regulator", "GET", "/reports/yearbook").json()
    assert empty["registrations"] == 0
    partial = post_csv(served, csv_bytes(records), partial=True, key="k2")
    assert partial.status_code == 200
    assert [row["line"] for row in partial.json()["imported"]] == [2, 3]
    assert served.call("regulator", "GET", "/reports/yearbook").json()["registrations"] == 2


def test_an_unusable_file_is_422_naming_the_header(served: ApiNode) -> None:
    response = post_csv(served, b"holder_name\nx\n")
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("import_file", "header")
