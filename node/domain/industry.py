"""Industry divisions (大类) of GB/T 4754-2017 and the section (门类) each belongs to."""

from __future__ import annotations

import re

from node.domain.errors import InvalidFieldError
from node.domain.values import IndustrySection

_S = IndustrySection
DIVISION_RANGES: tuple[tuple[IndustrySection, int, int], ...] = (
    (_S.A, 1, 5),
    (_S.B, 6, 12),
    (_S.C, 13, 43),
    (_S.D, 44, 46),
    (_S.E, 47, 50),
    (_S.F, 51, 52),
    (_S.G, 53, 60),
    (_S.H, 61, 62),
    (_S.I, 63, 65),
    (_S.J, 66, 69),
    (_S.K, 70, 70),
    (_S.L, 71, 72),
    (_S.M, 73, 75),
    (_S.N, 76, 79),
    (_S.O, 80, 82),
    (_S.P, 83, 83),
    (_S.Q, 84, 85),
    (_S.R, 86, 90),
    (_S.S, 91, 96),
    (_S.T, 97, 97),
)
"""Each section's divisions, first and last (the standard numbers divisions 01 to 97)."""
_DIVISION = re.compile(r"[0-9]{2}")


def section_of_division(division: str) -> IndustrySection | None:
    """The section of a two-digit division code, None for a code the standard does not use."""
    number = int(division)
    for section, first, last in DIVISION_RANGES:
        if first <= number <= last:
            return section
    return None


def parse_division(text: object, section: IndustrySection, field: str = "industry_division") -> str:
    """A two-digit division code that belongs to ``section``."""
    if not isinstance(text, str):
        raise InvalidFieldError(field, "wrong_type", "must be a string")
    value = text.strip()
    if not _DIVISION.fullmatch(value) or section_of_division(value) is None:
        raise InvalidFieldError(
            field, "industry_division_format", f"{value!r} is not a division code from 01 to 97"
        )
    if section_of_division(value) is not section:
        raise InvalidFieldError(
            field,
            "industry_division_section",
            f"division {value} belongs to section {section_of_division(value)}, not {section}",
        )
    return value
