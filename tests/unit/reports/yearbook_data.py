"""Hand-made registrations whose yearbook figures are worked out by hand below.

Twelve registrations of 2025 by nine holders, one of 2024-12-31 and one of
2026-01-01 (outside the year). Two listed companies tie on their total
(1,750.50 yuan each); a listed company recognised 0; every province but
Shandong has one registration (a tie of six, sorted by code); Heilongjiang is
north-east, so east.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from node.domain.identifiers import credit_code_check_character
from node.domain.registration_import import COLUMNS


def credit_code(serial: int, region: str) -> str:
    """A valid credit code (its check character computed) of an organisation in ``region``."""
    body = f"91{region}{serial:09d}"
    return body + credit_code_check_character(body)


HOLDERS = {
    "c1": ("青岛港数据有限公司", "state", "", "山东省", "370202"),
    "c2": ("青岛海洋数据科技有限公司", "non-state", "", "山东省", "370212"),
    "c3": ("中国移动通信集团山东有限公司", "state", "600941.SH", "山东省", "370102"),
    "c4": ("北京研发数据股份有限公司", "non-state", "300766.SZ", "北京市", "110108"),
    "c5": ("成都芯片数据股份有限公司", "non-state", "688001.SH", "四川省", "510100"),
    "c6": ("深圳金融数据股份有限公司", "state", "000001.SZ", "广东省", "440300"),
    "c7": ("武汉制造数据股份有限公司", "non-state", "920184.BJ", "湖北省", "420100"),
    "c8": ("哈尔滨冰雪数据有限公司", "non-state", "", "黑龙江省", "230100"),
    "c9": ("郑州物流数据有限公司", "non-state", "", "河南省", "410100"),
}
# holder, section, division, data type, registered on, intangible, development, inventory
REGISTRATIONS = [
    ("c1", "A", "01", "structured", "2025-01-10", "", "", ""),
    ("c1", "A", "", "structured", "2025-01-20", "", "", ""),
    ("c2", "C", "13", "unstructured", "2025-02-05", "", "", ""),
    ("c3", "I", "63", "semi-structured", "2025-03-15", "1000.00", "500", ""),
    ("c3", "I", "64", "structured", "2025-03-20", "", "", "250.50"),
    ("c4", "M", "73", "structured", "2025-06-30", "1750.5", "", ""),
    ("c5", "I", "65", "unstructured", "2025-07-01", "", "999.49", ""),
    ("c6", "J", "66", "structured", "2025-07-02", "0", "", ""),
    ("c7", "C", "39", "semi-structured", "2025-11-11", "", "", "300.01"),
    ("c8", "I", "", "structured", "2025-12-31", "", "", ""),
    ("c9", "F", "", "structured", "2025-12-31", "", "", ""),
    ("c2", "C", "", "structured", "2025-05-05", "", "", ""),
    ("c1", "A", "", "structured", "2024-12-31", "", "", ""),
    ("c9", "G", "", "structured", "2026-01-01", "", "", ""),
]


def rows() -> list[dict[str, str]]:
    """The registrations as import rows (numbers left to the node)."""
    found = []
    for index, (holder, section, division, data_type, day, *amounts) in enumerate(REGISTRATIONS):
        name, ownership, code, province, region = HOLDERS[holder]
        found.append(
            {
                "registration_number": "",
                "holder_name": name,
                "credit_code": credit_code(int(holder[1:]), region),
                "ownership": ownership,
                "listed": "true" if code else "false",
                "securities_code": code,
                "province": province,
                "region_code": region,
                "industry_section": section,
                "industry_division": division,
                "asset_name": f"数据资源 {index + 1}",
                "data_type": data_type,
                "rights": "holding|use",
                "registered_on": day,
                "intangible_amount": amounts[0],
                "development_amount": amounts[1],
                "inventory_amount": amounts[2],
            }
        )
    return found


def csv_bytes(records: list[dict[str, str]], *, bom: bool = False) -> bytes:
    """The rows as an import file."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def _share(count: int, text: str) -> dict[str, Any]:
    return {"count": count, "share": text}


EXPECTED_2025: dict[str, Any] = {
    "registrants": 9,
    "registrations": 12,
    "by_ownership": {"state": _share(5, "41.67"), "non-state": _share(7, "58.33")},
    "by_listing": {
        "listed": {"count": 6, "share": "50.00", "by_ownership": {"state": 3, "non-state": 3}},
        "non-listed": {"count": 6, "share": "50.00", "by_ownership": {"state": 2, "non-state": 4}},
    },
    "listing_not_recorded": 0,
    "by_area": {
        "east": _share(9, "75.00"),
        "central": _share(2, "16.67"),
        "west": _share(1, "8.33"),
    },
    "area_not_assigned": 0,
    "by_province": [
        {"code": "37", "province": "山东省", "area": "east", "count": 6, "share": "50.00"},
        {"code": "11", "province": "北京市", "area": "east", "count": 1, "share": "8.33"},
        {"code": "23", "province": "黑龙江省", "area": "east", "count": 1, "share": "8.33"},
        {"code": "41", "province": "河南省", "area": "central", "count": 1, "share": "8.33"},
        {"code": "42", "province": "湖北省", "area": "central", "count": 1, "share": "8.33"},
        {"code": "44", "province": "广东省", "area": "east", "count": 1, "share": "8.33"},
        {"code": "51", "province": "四川省", "area": "west", "count": 1, "share": "8.33"},
    ],
    "by_industry_section": {
        letter: {"A": 2, "C": 3, "F": 1, "I": 4, "J": 1, "M": 1}.get(letter, 0)
        for letter in "ABCDEFGHIJKLMNOPQRST"
    },
    "industry_sections_covered": 6,
    "by_data_type": {"structured": 8, "semi-structured": 2, "unstructured": 2},
    "listed": {
        "companies": 5,
        "registrations": 6,
        "by_board": {
            "sh_main": {"companies": 1, "registrations": 2},
            "sz_main": {"companies": 1, "registrations": 1},
            "chinext": {"companies": 1, "registrations": 1},
            "star": {"companies": 1, "registrations": 1},
            "bse": {"companies": 1, "registrations": 1},
        },
        "amount_total": "4800.50",
        "by_subject": {
            "intangible": {"amount": "2750.50", "share": "57.30", "companies": 2},
            "development": {"amount": "1499.49", "share": "31.24", "companies": 2},
            "inventory": {"amount": "550.51", "share": "11.47", "companies": 2},
        },
        "companies_with_intangible_and_development": 1,
        "top": [
            {"securities_code": "300766.SZ", "board": "chinext", "amount": "1750.50"},
            {"securities_code": "600941.SH", "board": "sh_main", "amount": "1750.50"},
            {"securities_code": "688001.SH", "board": "star", "amount": "999.49"},
            {"securities_code": "920184.BJ", "board": "bse", "amount": "300.01"},
        ],
        "concentration": {"top3_share": "93.75", "top5_share": "100.00"},
    },
    "by_month": {
        f"2025-{month:02d}": {1: 2, 2: 1, 3: 2, 5: 1, 6: 1, 7: 2, 11: 1, 12: 2}.get(month, 0)
        for month in range(1, 13)
    },
}
"""The figures of 2025, worked out by hand from the registrations above."""
