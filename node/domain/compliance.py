"""The compliance report (合规审查报告) a reviewer writes during compliance review (合规审查)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from node.domain.errors import InvalidFieldError
from node.domain.text import TextRule
from node.domain.values import Right, Rights

FINDINGS = TextRule(5000, multiline=True)


class ComplianceSection(StrEnum):
    """A section of the compliance report."""

    SUBJECT = "subject"
    """主体合规: the holder exists lawfully and has no disqualifying record."""
    DATA_CONTENT = "data_content"
    """数据内容合规: no core or important data, personal data de-identified."""
    DATA_SOURCE = "data_source"
    """数据来源合规: the data was obtained lawfully and with authorisation."""
    DATA_PROCESSING = "data_processing"
    """数据加工处理合规: processing follows classification and security rules."""
    CIRCULATION = "circulation"
    """数据流通合规: the way the data is offered to others is lawful."""
    PROPERTY_RIGHTS = "property_rights"
    """产权权益分析: the rights claimed match what the sources allow."""

    @property
    def label(self) -> str:
        """The Chinese section title."""
        return {
            "subject": "主体合规",
            "data_content": "数据内容合规",
            "data_source": "数据来源合规",
            "data_processing": "数据加工处理合规",
            "circulation": "数据流通合规",
            "property_rights": "产权权益分析",
        }[self.value]


MANDATORY_SECTIONS = (
    ComplianceSection.SUBJECT,
    ComplianceSection.DATA_CONTENT,
    ComplianceSection.DATA_SOURCE,
    ComplianceSection.DATA_PROCESSING,
)


def required_sections(rights: Rights | None) -> tuple[ComplianceSection, ...]:
    """Sections a report must have: the four mandatory ones, plus circulation for ``operation``.

    Whoever operates data products offers them to others, so the circulation
    review is what makes the operation right registrable.
    """
    if rights is not None and Right.OPERATION in rights:
        return (*MANDATORY_SECTIONS, ComplianceSection.CIRCULATION)
    return MANDATORY_SECTIONS


class Verdict(StrEnum):
    """The reviewer's verdict on one section."""

    PASS = "pass"
    FAIL = "fail"
    CONDITIONAL = "conditional"
    """Passes on conditions stated in the findings."""


@dataclass(frozen=True)
class SectionFinding:
    """The verdict (结论) and written findings (审查意见) of one section."""

    verdict: Verdict
    findings: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "findings", FINDINGS.clean(self.findings, "findings"))

    def to_dict(self) -> dict[str, str]:
        """The sample JSON shape."""
        return {"verdict": self.verdict.value, "findings": self.findings}


@dataclass(frozen=True)
class ComplianceReport:
    """A report on every required section, made for one set of claimed rights."""

    sections: Mapping[ComplianceSection, SectionFinding] = field(hash=False)
    rights: Rights

    def __post_init__(self) -> None:
        missing = self.missing_sections(self.sections, self.rights)
        if missing:
            raise InvalidFieldError(
                f"compliance_report.{missing[0].value}",
                "missing_section",
                f"the section {missing[0].label} is required",
            )
        ordered = {
            section: self.sections[section]
            for section in ComplianceSection
            if section in self.sections
        }
        object.__setattr__(self, "sections", MappingProxyType(ordered))

    @staticmethod
    def missing_sections(
        present: Collection[ComplianceSection], rights: Rights | None
    ) -> list[ComplianceSection]:
        """Required sections not in ``present`` (section keys or a section mapping)."""
        return [section for section in required_sections(rights) if section not in present]

    @property
    def required(self) -> tuple[ComplianceSection, ...]:
        """Sections whose failure fails the report."""
        return required_sections(self.rights)

    @property
    def failed(self) -> list[ComplianceSection]:
        """Required sections with verdict ``fail``."""
        return [s for s in self.required if self.sections[s].verdict is Verdict.FAIL]

    @property
    def passed(self) -> bool:
        """True when no required section fails; a failing optional section is advisory."""
        return not self.failed

    def to_dict(self) -> dict[str, dict[str, str] | None]:
        """The sample JSON shape: every section, ``None`` for those not reported."""
        return {
            section.value: finding.to_dict() if (finding := self.sections.get(section)) else None
            for section in ComplianceSection
        }
