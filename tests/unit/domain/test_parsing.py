from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from node.config import REPO_ROOT
from node.domain.compliance import ComplianceSection, Verdict
from node.domain.errors import ApplicationInvalidError, InvalidFieldError
from node.domain.parsing import parse_application, parse_compliance_report, parse_holder
from node.domain.values import DataType, IndustrySection, Ownership, Right, Rights
from tests.unit.domain.builders import SAMPLE_CREDIT_CODES, document

SAMPLES = REPO_ROOT / "samples" / "applications.json"


def _samples() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(SAMPLES.read_text(encoding="utf-8"))
    return data


def _errors(data: object) -> list[tuple[str, str]]:
    with pytest.raises(ApplicationInvalidError) as excinfo:
        parse_application(data)
    assert excinfo.value.code == "application_invalid"
    assert all(isinstance(e, InvalidFieldError) for e in excinfo.value.errors)
    return [(e.field, e.code) for e in excinfo.value.errors]


# -- the six samples -----------------------------------------------------------------------


@pytest.mark.parametrize("index", range(6))
def test_every_sample_parses_and_round_trips(index: int) -> None:
    sample = _samples()[index]
    content, report = parse_application(sample)
    assert report is not None
    assert report.passed
    assert content.to_dict() == {k: v for k, v in sample.items() if k != "compliance_report"}
    assert report.to_dict() == sample["compliance_report"]
    assert report.rights == content.rights


def test_sample_file_holds_exactly_the_credit_codes_tested() -> None:
    codes = tuple(sample["holder"]["credit_code"] for sample in _samples())
    assert codes == SAMPLE_CREDIT_CODES


def test_sample_values_are_read_into_domain_types() -> None:
    samples = _samples()
    content, _ = parse_application(samples[1])
    assert content.holder.ownership is Ownership.STATE
    assert content.asset.industry_section is IndustrySection.D
    third, _ = parse_application(samples[2])
    assert third.asset.data_type is DataType.SEMI_STRUCTURED
    assert third.rights.to_list() == ["use", "operation"]
    fourth, report = parse_application(samples[3])
    assert Right.OPERATION not in fourth.rights
    assert report is not None and ComplianceSection.CIRCULATION not in report.sections


# -- the embedded document and its variations ------------------------------------------------


def test_embedded_document_parses() -> None:
    content, report = parse_application(document())
    assert content.holder.credit_code.value == "913702002000000055"
    assert report is not None and report.sections[ComplianceSection.SUBJECT].verdict is Verdict.PASS


def test_report_is_optional() -> None:
    data = document()
    del data["compliance_report"]
    assert parse_application(data)[1] is None
    data["compliance_report"] = None
    assert parse_application(data)[1] is None


def test_credit_code_is_normalised_while_parsing() -> None:
    data = document()
    data["holder"]["credit_code"] = " 91370200201047294e "
    assert parse_application(data)[0].holder.credit_code.value == "91370200201047294E"


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split(".")

    def mutate(data: dict[str, Any]) -> None:
        target = data
        for key in parents:
            target = target[key]
        target[last] = value

    return mutate


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split(".")

    def mutate(data: dict[str, Any]) -> None:
        target = data
        for key in parents:
            target = target[key]
        del target[last]

    return mutate


BREAKAGES: list[tuple[Callable[[dict[str, Any]], None], str, str]] = [
    (_set("holder.name", ""), "holder.name", "blank"),
    (_set("holder.name", "名" * 201), "holder.name", "too_long"),
    (_set("holder.name", 7), "holder.name", "wrong_type"),
    (
        _set("holder.credit_code", "913702002000000056"),
        "holder.credit_code",
        "credit_code_check_digit",
    ),
    (_set("holder.credit_code", "9137020020000000"), "holder.credit_code", "credit_code_length"),
    (_set("holder.credit_code", "91370200200000005I"), "holder.credit_code", "credit_code_charset"),
    (_set("holder.ownership", "private"), "holder.ownership", "unknown_value"),
    (_set("holder.region_code", "070200"), "holder.region_code", "region_code_format"),
    (_set("holder.region_code", 370200), "holder.region_code", "wrong_type"),
    (_set("holder.extra", "x"), "holder.extra", "unknown_field"),
    (_delete("holder.name"), "holder.name", "missing_field"),
    (_set("holder", "公司"), "holder", "wrong_type"),
    (_set("asset.name", "  "), "asset.name", "blank"),
    (_set("asset.description", "述" * 5001), "asset.description", "too_long"),
    (_set("asset.data_type", "tabular"), "asset.data_type", "unknown_value"),
    (_set("asset.industry_section", "U"), "asset.industry_section", "unknown_value"),
    (_set("asset.industry_section", "a"), "asset.industry_section", "unknown_value"),
    (_set("asset.source", None), "asset.source", "wrong_type"),
    (_set("asset.scale", "x" * 201), "asset.scale", "too_long"),
    (_set("asset.update_frequency", ""), "asset.update_frequency", "blank"),
    (_set("asset.scenarios", []), "asset.scenarios", "too_few"),
    (_set("asset.scenarios", "产销对接"), "asset.scenarios", "wrong_type"),
    (_set("asset.scenarios", ["a", "a"]), "asset.scenarios[1]", "duplicate"),
    (_set("asset.scenarios", [f"s{i}" for i in range(21)]), "asset.scenarios", "too_many"),
    (_delete("asset.scenarios"), "asset.scenarios", "missing_field"),
    (_set("asset.owner", "x"), "asset.owner", "unknown_field"),
    (_set("rights", []), "rights", "too_few"),
    (_set("rights", ["holding", "holding"]), "rights[1]", "duplicate"),
    (_set("rights", ["pledge"]), "rights[0]", "unknown_value"),
    (_set("rights", {"holding": True}), "rights", "wrong_type"),
    (_delete("rights"), "rights", "missing_field"),
    (_set("attachments", []), "attachments", "unknown_field"),
    (_set("compliance_report.subject", None), "compliance_report.subject", "missing_section"),
    (_delete("compliance_report.data_source"), "compliance_report.data_source", "missing_section"),
    (
        _set("compliance_report.circulation", None),
        "compliance_report.circulation",
        "missing_section",
    ),
    (
        _set("compliance_report.subject.verdict", "ok"),
        "compliance_report.subject.verdict",
        "unknown_value",
    ),
    (_set("compliance_report.subject.findings", ""), "compliance_report.subject.findings", "blank"),
    (
        _delete("compliance_report.subject.findings"),
        "compliance_report.subject.findings",
        "missing_field",
    ),
    (
        _set("compliance_report.subject.score", 5),
        "compliance_report.subject.score",
        "unknown_field",
    ),
    (_set("compliance_report.valuation", {}), "compliance_report.valuation", "unknown_field"),
    (_set("compliance_report", []), "compliance_report", "wrong_type"),
]


@pytest.mark.parametrize(
    ("mutate", "field", "code"), BREAKAGES, ids=[f"{f}-{c}" for _, f, c in BREAKAGES]
)
def test_each_broken_field_is_reported_with_its_path(
    mutate: Callable[[dict[str, Any]], None], field: str, code: str
) -> None:
    data = document()
    mutate(data)
    assert _errors(data) == [(field, code)]


def test_every_field_error_is_reported_at_once() -> None:
    data = document()
    data["holder"]["name"] = ""
    data["holder"]["credit_code"] = "913702002000000056"
    data["holder"]["ownership"] = "private"
    data["holder"]["region_code"] = "070200"
    data["holder"]["phone"] = "0532"
    data["asset"]["description"] = "述" * 5001
    data["asset"]["data_type"] = "tabular"
    data["asset"]["industry_section"] = "U"
    del data["asset"]["source"]
    data["asset"]["scenarios"] = ["a", "a"]
    data["rights"] = ["holding", "pledge"]
    data["compliance_report"]["subject"]["verdict"] = "ok"
    data["compliance_report"]["data_content"] = None
    data["attachments"] = []
    assert _errors(data) == [
        ("attachments", "unknown_field"),
        ("holder.phone", "unknown_field"),
        ("holder.name", "blank"),
        ("holder.credit_code", "credit_code_check_digit"),
        ("holder.ownership", "unknown_value"),
        ("holder.region_code", "region_code_format"),
        ("asset.source", "missing_field"),
        ("asset.description", "too_long"),
        ("asset.data_type", "unknown_value"),
        ("asset.industry_section", "unknown_value"),
        ("asset.scenarios[1]", "duplicate"),
        ("rights[1]", "unknown_value"),
        ("compliance_report.subject.verdict", "unknown_value"),
        ("compliance_report.data_content", "missing_section"),
    ]


def test_missing_sections_are_all_reported_and_circulation_needs_operation() -> None:
    data = document()
    data["compliance_report"] = {"subject": {"verdict": "fail", "findings": "不合规。"}}
    assert _errors(data) == [
        ("compliance_report.data_content", "missing_section"),
        ("compliance_report.data_source", "missing_section"),
        ("compliance_report.data_processing", "missing_section"),
        ("compliance_report.circulation", "missing_section"),
    ]


def test_circulation_may_be_absent_without_operation_right() -> None:
    data = document()
    data["rights"] = ["holding", "use"]
    data["compliance_report"]["circulation"] = None
    _, report = parse_application(data)
    assert report is not None and report.passed


def test_a_failing_report_parses_and_says_so() -> None:
    data = document()
    data["compliance_report"]["data_source"]["verdict"] = "fail"
    _, report = parse_application(data)
    assert report is not None and not report.passed


@pytest.mark.parametrize("data", [None, [], "application", 5])
def test_root_must_be_an_object(data: object) -> None:
    assert _errors(data) == [("", "wrong_type")]


def test_empty_object_lists_every_missing_field() -> None:
    assert _errors({}) == [
        ("holder", "missing_field"),
        ("asset", "missing_field"),
        ("rights", "missing_field"),
    ]


def test_error_message_names_every_field() -> None:
    data = document()
    data["holder"]["credit_code"] = "913702002000000056"
    data["asset"]["name"] = ""
    with pytest.raises(ApplicationInvalidError) as excinfo:
        parse_application(data)
    message = str(excinfo.value)
    assert "holder.credit_code" in message and "asset.name" in message
    assert isinstance(excinfo.value, ValueError)


def test_a_reviewers_report_is_parsed_for_the_claimed_rights() -> None:
    sample = document()
    rights = Rights.parse(sample["rights"])
    report = parse_compliance_report(sample["compliance_report"], rights)
    assert report.passed
    del sample["compliance_report"]["data_source"]
    with pytest.raises(ApplicationInvalidError) as raised:
        parse_compliance_report(sample["compliance_report"], rights)
    assert [e.field for e in raised.value.errors] == ["compliance_report.data_source"]
    with pytest.raises(ApplicationInvalidError) as raised:
        parse_compliance_report(None, rights)
    assert [e.code for e in raised.value.errors] == ["required"]


def test_a_new_holder_is_parsed_with_every_field_error() -> None:
    holder = parse_holder({"holder": document()["holder"]})
    assert holder.credit_code.value == document()["holder"]["credit_code"]
    with pytest.raises(ApplicationInvalidError) as raised:
        parse_holder({"holder": {"name": "", "credit_code": "91370200MA3C5XXXX0"}})
    assert {e.field for e in raised.value.errors} >= {
        "holder.name",
        "holder.credit_code",
        "holder.ownership",
        "holder.region_code",
    }
    with pytest.raises(ApplicationInvalidError):
        parse_holder(["not", "an", "object"])
