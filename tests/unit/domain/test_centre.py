from __future__ import annotations

from datetime import date

import pytest

from node.domain.calendar import WorkingDayCalendar
from node.domain.centre import Centre
from node.domain.errors import InvalidFieldError
from node.domain.identifiers import RegionCode, RegistrationNumber
from tests.unit.domain.builders import NATIONAL_DAY_2025

QINGDAO = RegionCode("370200")


def test_defaults() -> None:
    centre = Centre(QINGDAO, "青岛市数据资产登记评价中心", "https://dr.example.cn/api")
    assert centre.notice_working_days == 10
    assert centre.validity_years == 3
    assert centre.calendar == WorkingDayCalendar()
    assert centre.valid_until(date(2026, 3, 20)) == date(2029, 3, 19)


def test_centre_numbers_carry_its_region() -> None:
    centre = Centre(QINGDAO, "青岛中心", "https://dr.example.cn", calendar=NATIONAL_DAY_2025)
    assert centre.registration_number(2026, 5) == RegistrationNumber.parse(
        str(centre.registration_number(2026, 5))
    )
    assert str(centre.registration_number(2026, 5)).startswith("370200-2026-000005-")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": " "}, "centre.name"),
        ({"endpoint": "ftp://dr.example.cn"}, "centre.endpoint"),
        ({"endpoint": "dr.example.cn"}, "centre.endpoint"),
        ({"endpoint": "https://"}, "centre.endpoint"),
        ({"notice_working_days": 0}, "centre.notice_working_days"),
        ({"notice_working_days": 61}, "centre.notice_working_days"),
        ({"validity_years": 0}, "centre.validity_years"),
    ],
)
def test_invalid_settings(kwargs: dict[str, object], field: str) -> None:
    values: dict[str, object] = {
        "region_code": QINGDAO,
        "name": "青岛中心",
        "endpoint": "http://127.0.0.1:8000",
    }
    values.update(kwargs)
    with pytest.raises(InvalidFieldError) as excinfo:
        Centre(**values)  # type: ignore[arg-type]
    assert excinfo.value.field == field
