"""Reading an application document (the JSON shape of the samples) into domain values.

Every field is checked even after an earlier one failed, so the applicant sees
all problems at once (``ApplicationInvalidError.errors``), each with its path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from node.domain.compliance import (
    FINDINGS,
    ComplianceReport,
    ComplianceSection,
    SectionFinding,
    Verdict,
)
from node.domain.errors import ApplicationInvalidError, InvalidFieldError
from node.domain.identifiers import CreditCode, RegionCode
from node.domain.values import (
    ASSET_DESCRIPTION,
    ASSET_NAME,
    ASSET_SCALE,
    ASSET_SCENARIOS,
    ASSET_SOURCE,
    ASSET_UPDATE_FREQUENCY,
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

_T = TypeVar("_T")


class _Reader:
    """Collects field errors while the document is read."""

    def __init__(self) -> None:
        self.errors: list[InvalidFieldError] = []

    def attempt(self, make: Callable[[], _T]) -> _T | None:
        try:
            return make()
        except InvalidFieldError as error:
            self.errors.append(error)
            return None

    def mapping(
        self,
        value: object,
        path: str,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> Mapping[str, object] | None:
        """The mapping at ``path``, with unknown and missing keys reported."""
        if not isinstance(value, Mapping):
            self.errors.append(InvalidFieldError(path, "wrong_type", "must be an object"))
            return None
        known = set(required) | set(optional)
        for key in value:
            if key not in known:
                self.errors.append(
                    InvalidFieldError(
                        _join(path, str(key)), "unknown_field", "is not a known field"
                    )
                )
        for key in required:
            if key not in value:
                self.errors.append(
                    InvalidFieldError(_join(path, key), "missing_field", "is required")
                )
        return value

    def field(
        self,
        mapping: Mapping[str, object],
        key: str,
        path: str,
        read: Callable[[object, str], _T],
    ) -> _T | None:
        """``read(value, path.key)`` when the key is present; absence was reported already."""
        if key not in mapping:
            return None
        return self.attempt(lambda: read(mapping[key], _join(path, key)))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def parse_application(data: object) -> tuple[ApplicationContent, ComplianceReport | None]:
    """Application content and, when the document carries one, its compliance report."""
    reader = _Reader()
    root = reader.mapping(data, "", ("holder", "asset", "rights"), ("compliance_report",))
    if root is None:
        raise ApplicationInvalidError(reader.errors)
    holder = _read_holder(reader, root)
    asset = _read_asset(reader, root)
    rights = reader.field(root, "rights", "", Rights.parse)
    report = _read_report(reader, root.get("compliance_report"), rights)
    if reader.errors:
        raise ApplicationInvalidError(reader.errors)
    assert holder is not None and asset is not None and rights is not None
    return ApplicationContent(holder, asset, rights), report


def parse_compliance_report(data: object, rights: Rights) -> ComplianceReport:
    """A reviewer's compliance report (the samples' ``compliance_report`` shape) for ``rights``."""
    reader = _Reader()
    if data is None:
        reader.errors.append(
            InvalidFieldError("compliance_report", "required", "the report is required")
        )
    report = _read_report(reader, data, rights)
    if reader.errors or report is None:
        raise ApplicationInvalidError(reader.errors)
    return report


def parse_holder(data: object) -> Holder:
    """A holder from ``{"holder": {...}}``, the shape a transfer (转移) names the new holder in."""
    reader = _Reader()
    root = reader.mapping(data, "", ("holder",))
    holder = None if root is None else _read_holder(reader, root)
    if reader.errors or holder is None:
        raise ApplicationInvalidError(reader.errors)
    return holder


def _read_holder(reader: _Reader, root: Mapping[str, object]) -> Holder | None:
    if "holder" not in root:
        return None
    raw = reader.mapping(
        root["holder"], "holder", ("name", "credit_code", "ownership", "region_code")
    )
    if raw is None:
        return None
    name = reader.field(raw, "name", "holder", HOLDER_NAME.clean)
    credit_code = reader.field(raw, "credit_code", "holder", CreditCode.parse)
    ownership = reader.field(raw, "ownership", "holder", lambda v, p: parse_enum(Ownership, v, p))
    region_code = reader.field(raw, "region_code", "holder", RegionCode.parse)
    if name is None or credit_code is None or ownership is None or region_code is None:
        return None
    return reader.attempt(lambda: Holder(name, credit_code, ownership, region_code))


_ASSET_KEYS = (
    "name",
    "description",
    "data_type",
    "industry_section",
    "source",
    "scale",
    "update_frequency",
    "scenarios",
)


def _read_asset(reader: _Reader, root: Mapping[str, object]) -> DataAsset | None:
    if "asset" not in root:
        return None
    raw = reader.mapping(root["asset"], "asset", _ASSET_KEYS)
    if raw is None:
        return None
    name = reader.field(raw, "name", "asset", ASSET_NAME.clean)
    description = reader.field(raw, "description", "asset", ASSET_DESCRIPTION.clean)
    data_type = reader.field(raw, "data_type", "asset", lambda v, p: parse_enum(DataType, v, p))
    section = reader.field(
        raw, "industry_section", "asset", lambda v, p: parse_enum(IndustrySection, v, p)
    )
    source = reader.field(raw, "source", "asset", ASSET_SOURCE.clean)
    scale = reader.field(raw, "scale", "asset", ASSET_SCALE.clean)
    frequency = reader.field(raw, "update_frequency", "asset", ASSET_UPDATE_FREQUENCY.clean)
    scenarios = reader.field(raw, "scenarios", "asset", ASSET_SCENARIOS.clean)
    if (
        name is None
        or description is None
        or data_type is None
        or section is None
        or source is None
        or scale is None
        or frequency is None
        or scenarios is None
    ):
        return None
    return reader.attempt(
        lambda: DataAsset(
            name, description, data_type, section, source, scale, frequency, scenarios
        )
    )


def _read_section(value: object, path: str, reader: _Reader) -> SectionFinding | None:
    raw = reader.mapping(value, path, ("verdict", "findings"))
    if raw is None:
        return None
    verdict = reader.field(raw, "verdict", path, lambda v, p: parse_enum(Verdict, v, p))
    findings = reader.field(raw, "findings", path, FINDINGS.clean)
    if verdict is None or findings is None:
        return None
    return SectionFinding(verdict, findings)


def _read_report(reader: _Reader, value: object, rights: Rights | None) -> ComplianceReport | None:
    """The report, or None when absent; a null section counts as not reported."""
    if value is None:
        return None
    path = "compliance_report"
    raw = reader.mapping(value, path, (), tuple(section.value for section in ComplianceSection))
    if raw is None:
        return None
    sections: dict[ComplianceSection, SectionFinding] = {}
    complete = True
    for section in ComplianceSection:
        section_value = raw.get(section.value)
        if section_value is None:
            continue
        finding = _read_section(section_value, _join(path, section.value), reader)
        if finding is None:
            complete = False
        else:
            sections[section] = finding
    present = {section for section in ComplianceSection if raw.get(section.value) is not None}
    for section in ComplianceReport.missing_sections(present, rights):
        reader.errors.append(
            InvalidFieldError(
                _join(path, section.value),
                "missing_section",
                f"the section {section.label} is required",
            )
        )
    if not complete or rights is None or reader.errors:
        return None
    return reader.attempt(lambda: ComplianceReport(sections, rights))
