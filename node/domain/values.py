"""Value objects of an application: holder, data asset, rights and their enumerations."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from node.domain.errors import InvalidFieldError
from node.domain.identifiers import CreditCode, RegionCode
from node.domain.text import TextListRule, TextRule

HOLDER_NAME = TextRule(200)
ASSET_NAME = TextRule(200)
ASSET_DESCRIPTION = TextRule(5000, multiline=True)
ASSET_SOURCE = TextRule(1000, multiline=True)
ASSET_SCALE = TextRule(200)
ASSET_UPDATE_FREQUENCY = TextRule(100)
ASSET_SCENARIOS = TextListRule(TextRule(200), min_items=1, max_items=20)

_E = TypeVar("_E", bound=StrEnum)


def parse_enum(enum: type[_E], value: object, field: str) -> _E:
    """The member of ``enum`` whose value is ``value``, or InvalidFieldError naming ``field``."""
    if not isinstance(value, str):
        raise InvalidFieldError(field, "wrong_type", "must be a string")
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidFieldError(
            field, "unknown_value", f"{value!r} is not one of {allowed}"
        ) from None


class Ownership(StrEnum):
    """Ownership of the holder: state-owned (国有) or not (非国有)."""

    STATE = "state"
    NON_STATE = "non-state"

    @property
    def label(self) -> str:
        """The Chinese term."""
        return {"state": "国有", "non-state": "非国有"}[self.value]


class DataType(StrEnum):
    """How the data is structured (结构化 / 半结构化 / 非结构化)."""

    STRUCTURED = "structured"
    SEMI_STRUCTURED = "semi-structured"
    UNSTRUCTURED = "unstructured"

    @property
    def label(self) -> str:
        """The Chinese term."""
        return {"structured": "结构化", "semi-structured": "半结构化", "unstructured": "非结构化"}[
            self.value
        ]


_SECTION_NAMES = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}


class IndustrySection(StrEnum):
    """A section (门类) of the industry classification GB/T 4754-2017."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"
    G = "G"
    H = "H"
    I = "I"  # noqa: E741 - the standard's letter
    J = "J"
    K = "K"
    L = "L"
    M = "M"
    N = "N"
    O = "O"  # noqa: E741 - the standard's letter
    P = "P"
    Q = "Q"
    R = "R"
    S = "S"
    T = "T"

    @property
    def label(self) -> str:
        """The section's Chinese name, e.g. 农、林、牧、渔业 for A."""
        return _SECTION_NAMES[self.value]


class Right(StrEnum):
    """A data property right that can be registered."""

    HOLDING = "holding"
    """数据资源持有权: the right to hold the data resource."""
    USE = "use"
    """数据加工使用权: the right to process and use the data."""
    OPERATION = "operation"
    """数据产品经营权: the right to operate (sell, license) data products."""

    @property
    def label(self) -> str:
        """The Chinese term."""
        return {
            "holding": "数据资源持有权",
            "use": "数据加工使用权",
            "operation": "数据产品经营权",
        }[self.value]


@dataclass(frozen=True)
class Rights:
    """The non-empty set of rights claimed or registered; listed in a fixed order."""

    items: frozenset[Right]

    def __post_init__(self) -> None:
        if not self.items:
            raise InvalidFieldError("rights", "too_few", "claim at least one right")

    @classmethod
    def of(cls, *rights: Right) -> Rights:
        """Rights from members, for code and tests."""
        return cls(frozenset(rights))

    @classmethod
    def parse(cls, values: object, field: str = "rights") -> Rights:
        """Read a list of right names; a repeated name is an error (``duplicate``)."""
        if isinstance(values, str) or not isinstance(values, Sequence):
            raise InvalidFieldError(field, "wrong_type", "must be a list of strings")
        if not values:
            raise InvalidFieldError(field, "too_few", "claim at least one right")
        seen: set[Right] = set()
        for index, value in enumerate(values):
            right = parse_enum(Right, value, f"{field}[{index}]")
            if right in seen:
                raise InvalidFieldError(f"{field}[{index}]", "duplicate", f"repeats {value!r}")
            seen.add(right)
        return cls(frozenset(seen))

    def __contains__(self, right: object) -> bool:
        return right in self.items

    def __iter__(self) -> Iterator[Right]:
        return (right for right in Right if right in self.items)

    def __len__(self) -> int:
        return len(self.items)

    def to_list(self) -> list[str]:
        """Right names in the order of :class:`Right`."""
        return [right.value for right in self]


@dataclass(frozen=True)
class Holder:
    """The registration subject (登记主体): the organisation that holds the data."""

    name: str
    credit_code: CreditCode
    ownership: Ownership
    region_code: RegionCode

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", HOLDER_NAME.clean(self.name, "holder.name"))

    def to_dict(self) -> dict[str, str]:
        """The sample JSON shape."""
        return {
            "name": self.name,
            "credit_code": self.credit_code.value,
            "ownership": self.ownership.value,
            "region_code": self.region_code.value,
        }


@dataclass(frozen=True)
class DataAsset:
    """The data resource (数据资源) or data product (数据产品) being registered."""

    name: str
    description: str
    data_type: DataType
    industry_section: IndustrySection
    source: str
    scale: str
    update_frequency: str
    scenarios: tuple[str, ...]

    def __post_init__(self) -> None:
        cleaned = {
            "name": ASSET_NAME.clean(self.name, "asset.name"),
            "description": ASSET_DESCRIPTION.clean(self.description, "asset.description"),
            "source": ASSET_SOURCE.clean(self.source, "asset.source"),
            "scale": ASSET_SCALE.clean(self.scale, "asset.scale"),
            "update_frequency": ASSET_UPDATE_FREQUENCY.clean(
                self.update_frequency, "asset.update_frequency"
            ),
            "scenarios": ASSET_SCENARIOS.clean(self.scenarios, "asset.scenarios"),
        }
        for name, value in cleaned.items():
            object.__setattr__(self, name, value)

    def fingerprint_material(self) -> dict[str, str]:
        """The fields that identify the asset, from which the on-chain asset key is derived.

        Scale, update frequency, description and scenarios change as the asset
        grows; they stay out so that the same asset keeps the same key.
        """
        return {
            "name": self.name,
            "data_type": self.data_type.value,
            "industry_section": self.industry_section.value,
            "source": self.source,
        }

    def to_dict(self) -> dict[str, str | list[str]]:
        """The sample JSON shape."""
        return {
            "name": self.name,
            "description": self.description,
            "data_type": self.data_type.value,
            "industry_section": self.industry_section.value,
            "source": self.source,
            "scale": self.scale,
            "update_frequency": self.update_frequency,
            "scenarios": list(self.scenarios),
        }


@dataclass(frozen=True)
class ApplicationContent:
    """What an applicant asks to register: who holds which data with which rights."""

    holder: Holder
    asset: DataAsset
    rights: Rights

    def to_dict(self) -> dict[str, object]:
        """The sample JSON shape, without the compliance report."""
        return {
            "holder": self.holder.to_dict(),
            "asset": self.asset.to_dict(),
            "rights": self.rights.to_list(),
        }
