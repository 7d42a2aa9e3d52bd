"""Province-level divisions (省级行政区) and the east / central / west areas of the NBS.

The National Bureau of Statistics (国家统计局) divides the 31 mainland
province-level divisions into four economic areas: east (东部, 10), central
(中部, 6), west (西部, 12) and north-east (东北, 3: Liaoning, Jilin,
Heilongjiang). The registry's annual report uses three areas, so the
north-east counts as east, as in the NBS's older three-way grouping.
Hong Kong, Macao and Taiwan belong to none of the areas and hold no unified
social credit codes; they are not accepted as a holder's province.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from node.domain.errors import InvalidFieldError
from node.domain.identifiers import RegionCode


class Area(StrEnum):
    """An economic area of the NBS grouping, with the north-east inside the east."""

    EAST = "east"
    CENTRAL = "central"
    WEST = "west"

    @property
    def label(self) -> str:
        """The Chinese term."""
        return {"east": "东部", "central": "中部", "west": "西部"}[self.value]


@dataclass(frozen=True)
class Province:
    """A province-level division: the first two digits of its region codes, name and area."""

    code: str
    name: str
    short_name: str
    area: Area
    north_east: bool = False


_E, _C, _W = Area.EAST, Area.CENTRAL, Area.WEST

PROVINCES: tuple[Province, ...] = (
    Province("11", "北京市", "北京", _E),
    Province("12", "天津市", "天津", _E),
    Province("13", "河北省", "河北", _E),
    Province("14", "山西省", "山西", _C),
    Province("15", "内蒙古自治区", "内蒙古", _W),
    Province("21", "辽宁省", "辽宁", _E, north_east=True),
    Province("22", "吉林省", "吉林", _E, north_east=True),
    Province("23", "黑龙江省", "黑龙江", _E, north_east=True),
    Province("31", "上海市", "上海", _E),
    Province("32", "江苏省", "江苏", _E),
    Province("33", "浙江省", "浙江", _E),
    Province("34", "安徽省", "安徽", _C),
    Province("35", "福建省", "福建", _E),
    Province("36", "江西省", "江西", _C),
    Province("37", "山东省", "山东", _E),
    Province("41", "河南省", "河南", _C),
    Province("42", "湖北省", "湖北", _C),
    Province("43", "湖南省", "湖南", _C),
    Province("44", "广东省", "广东", _E),
    Province("45", "广西壮族自治区", "广西", _W),
    Province("46", "海南省", "海南", _E),
    Province("50", "重庆市", "重庆", _W),
    Province("51", "四川省", "四川", _W),
    Province("52", "贵州省", "贵州", _W),
    Province("53", "云南省", "云南", _W),
    Province("54", "西藏自治区", "西藏", _W),
    Province("61", "陕西省", "陕西", _W),
    Province("62", "甘肃省", "甘肃", _W),
    Province("63", "青海省", "青海", _W),
    Province("64", "宁夏回族自治区", "宁夏", _W),
    Province("65", "新疆维吾尔自治区", "新疆", _W),
)
"""The 31 mainland province-level divisions in the order of their codes."""

PROVINCE_BY_CODE = {province.code: province for province in PROVINCES}
_PROVINCE_BY_NAME = {
    name: province for province in PROVINCES for name in (province.name, province.short_name)
}


def province_of_region(region: RegionCode, field: str = "region_code") -> Province:
    """The province a region code lies in; InvalidFieldError outside the 31 mainland ones."""
    province = PROVINCE_BY_CODE.get(region.value[:2])
    if province is None:
        raise InvalidFieldError(
            field, "unknown_province", f"{region.value} lies in no mainland province-level division"
        )
    return province


def parse_province(text: object, field: str = "province") -> Province:
    """A province by its Chinese name, full (山东省) or short (山东)."""
    if not isinstance(text, str):
        raise InvalidFieldError(field, "wrong_type", "must be a string")
    province = _PROVINCE_BY_NAME.get(text.strip())
    if province is None:
        raise InvalidFieldError(
            field,
            "unknown_province",
            f"{text.strip()!r} is not a mainland province-level division (e.g. 山东省)",
        )
    return province
