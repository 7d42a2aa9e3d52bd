"""Valid domain objects and documents for the domain tests to start from."""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any

from node.domain.calendar import CHINA_STANDARD_TIME, WorkingDayCalendar
from node.domain.compliance import ComplianceReport, ComplianceSection, SectionFinding, Verdict
from node.domain.identifiers import CreditCode, RegionCode, RegistrationNumber
from node.domain.values import (
    ApplicationContent,
    DataAsset,
    DataType,
    Holder,
    IndustrySection,
    Ownership,
    Right,
    Rights,
)

SAMPLE_CREDIT_CODES = (
    "913702002000000055",
    "91370200201047294E",
    "91370700202094586M",
    "91370500203141874H",
    "916528002041891675",
    "91370200205236455P",
)

_DOCUMENT: dict[str, Any] = {
    "holder": {
        "name": "青岛示例农业数据科技有限公司",
        "credit_code": "913702002000000055",
        "ownership": "non-state",
        "region_code": "370200",
    },
    "asset": {
        "name": "数字农业产供销数据集",
        "description": "覆盖蔬菜、水果种植基地的生产、仓储、批发和零售环节的日度数据。",
        "data_type": "structured",
        "industry_section": "A",
        "source": "自有生产经营系统采集与合作社授权",
        "scale": "约 1,200 万条记录 / 38 GB",
        "update_frequency": "每日",
        "scenarios": ["产销对接", "价格指数", "供应链金融风控"],
    },
    "rights": ["holding", "use", "operation"],
    "compliance_report": {
        section: {"verdict": "pass", "findings": f"{section} 合规。"}
        for section in (
            "subject",
            "data_content",
            "data_source",
            "data_processing",
            "circulation",
            "property_rights",
        )
    },
}

QINGDAO = RegionCode("370200")


def document() -> dict[str, Any]:
    """A fresh copy of a valid application document in the samples' shape."""
    return copy.deepcopy(_DOCUMENT)


def cst(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment in China Standard Time."""
    return datetime(year, month, day, hour, minute, tzinfo=CHINA_STANDARD_TIME)


def holder(
    credit_code: str = "913702002000000055", name: str = "青岛示例农业数据科技有限公司"
) -> Holder:
    """A valid holder."""
    return Holder(name, CreditCode(credit_code), Ownership.NON_STATE, QINGDAO)


def asset(name: str = "数字农业产供销数据集") -> DataAsset:
    """A valid data asset."""
    return DataAsset(
        name=name,
        description="生产、仓储、批发和零售环节的日度数据。",
        data_type=DataType.STRUCTURED,
        industry_section=IndustrySection.A,
        source="自有生产经营系统采集与合作社授权",
        scale="约 1,200 万条记录",
        update_frequency="每日",
        scenarios=("产销对接", "价格指数"),
    )


ALL_RIGHTS = Rights.of(Right.HOLDING, Right.USE, Right.OPERATION)


def content(rights: Rights = ALL_RIGHTS) -> ApplicationContent:
    """Valid application content."""
    return ApplicationContent(holder(), asset(), rights)


def report(rights: Rights = ALL_RIGHTS, **verdicts: Verdict) -> ComplianceReport:
    """A report with every section, passing unless ``verdicts`` says otherwise."""
    return ComplianceReport(
        {
            section: SectionFinding(verdicts.get(section.value, Verdict.PASS), "审查意见。")
            for section in ComplianceSection
        },
        rights,
    )


def number(serial: int = 1, year: int = 2026) -> RegistrationNumber:
    """A Qingdao registration number."""
    return RegistrationNumber.create(QINGDAO, year, serial)


NATIONAL_DAY_2025 = WorkingDayCalendar(
    holidays=frozenset(date(2025, 10, day) for day in range(1, 9)),
    makeup_workdays=frozenset({date(2025, 9, 28), date(2025, 10, 11)}),
)
"""2025: 1 to 8 October off (National Day, Mid-Autumn); Sun 28 Sep and Sat 11 Oct worked."""
