from __future__ import annotations

import pytest

from node.domain.compliance import (
    MANDATORY_SECTIONS,
    ComplianceReport,
    ComplianceSection,
    SectionFinding,
    Verdict,
)
from node.domain.errors import InvalidFieldError
from node.domain.values import Right, Rights
from tests.unit.domain.builders import ALL_RIGHTS, report

HOLD_AND_USE = Rights.of(Right.HOLDING, Right.USE)


def _sections(*sections: ComplianceSection) -> dict[ComplianceSection, SectionFinding]:
    return {section: SectionFinding(Verdict.PASS, "通过。") for section in sections}


def test_sections_have_chinese_titles() -> None:
    assert [s.label for s in ComplianceSection] == [
        "主体合规",
        "数据内容合规",
        "数据来源合规",
        "数据加工处理合规",
        "数据流通合规",
        "产权权益分析",
    ]


def test_mandatory_sections_suffice_without_operation_right() -> None:
    r = ComplianceReport(_sections(*MANDATORY_SECTIONS), HOLD_AND_USE)
    assert r.passed
    assert ComplianceSection.CIRCULATION not in r.required


@pytest.mark.parametrize("missing", list(MANDATORY_SECTIONS))
def test_each_mandatory_section_is_required(missing: ComplianceSection) -> None:
    present = [s for s in MANDATORY_SECTIONS if s is not missing]
    with pytest.raises(InvalidFieldError) as excinfo:
        ComplianceReport(_sections(*present), HOLD_AND_USE)
    assert excinfo.value.field == f"compliance_report.{missing.value}"
    assert excinfo.value.code == "missing_section"


def test_circulation_is_required_when_operation_is_claimed() -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        ComplianceReport(_sections(*MANDATORY_SECTIONS), ALL_RIGHTS)
    assert excinfo.value.field == "compliance_report.circulation"


@pytest.mark.parametrize("section", list(MANDATORY_SECTIONS))
def test_a_failing_mandatory_section_fails_the_report(section: ComplianceSection) -> None:
    r = report(HOLD_AND_USE, **{section.value: Verdict.FAIL})
    assert not r.passed
    assert r.failed == [section]


def test_conditional_verdicts_pass() -> None:
    r = report(ALL_RIGHTS, subject=Verdict.CONDITIONAL, circulation=Verdict.CONDITIONAL)
    assert r.passed


def test_circulation_failure_fails_only_when_operation_is_claimed() -> None:
    assert not report(ALL_RIGHTS, circulation=Verdict.FAIL).passed
    assert report(HOLD_AND_USE, circulation=Verdict.FAIL).passed


def test_property_rights_analysis_is_advisory() -> None:
    assert report(ALL_RIGHTS, property_rights=Verdict.FAIL).passed


def test_sections_are_read_only_and_ordered() -> None:
    sections = _sections(*reversed(list(ComplianceSection)))
    r = ComplianceReport(sections, ALL_RIGHTS)
    assert list(r.sections) == list(ComplianceSection)
    sections.clear()
    assert len(r.sections) == 6
    with pytest.raises(TypeError):
        r.sections[ComplianceSection.SUBJECT] = SectionFinding(Verdict.FAIL, "x")  # type: ignore[index]


def test_to_dict_reports_absent_sections_as_null() -> None:
    r = ComplianceReport(_sections(*MANDATORY_SECTIONS), HOLD_AND_USE)
    data = r.to_dict()
    assert data["circulation"] is None
    assert data["subject"] == {"verdict": "pass", "findings": "通过。"}


def test_findings_are_bounded() -> None:
    with pytest.raises(InvalidFieldError, match="too_long"):
        SectionFinding(Verdict.PASS, "x" * 5001)
    with pytest.raises(InvalidFieldError, match="blank"):
        SectionFinding(Verdict.PASS, " ")
