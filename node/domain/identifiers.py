"""Identifiers with check characters: credit codes, region codes, registration numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from node.domain.errors import InvalidFieldError

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100-2015: digits and capitals without I, O, Z, S, V."""

_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_VALUES = {char: value for value, char in enumerate(CREDIT_CODE_CHARSET)}
_REGION_CODE = re.compile(r"[1-8][0-9]{5}")
_REGISTRATION_NUMBER = re.compile(r"([0-9]{6})-([0-9]{4})-([0-9]{6})-([0-9Xx])")
_FINANCIAL_INSTITUTION_CODE = re.compile(r"[A-Z][0-9]{4}[A-Z][0-9]{9}")


def credit_code_check_character(body: str) -> str:
    """The 18th character of a credit code whose first 17 characters are ``body``."""
    total = sum(_CREDIT_CODE_VALUES[c] * w for c, w in zip(body, _CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def iso7064_mod11_2(digits: str) -> str:
    """The ISO 7064 MOD 11-2 check character ('0' to '9' or 'X') of a string of digits."""
    remainder = 0
    for digit in digits:
        remainder = (remainder + int(digit)) * 2 % 11
    check = (12 - remainder) % 11
    return "X" if check == 10 else str(check)


@dataclass(frozen=True)
class RegionCode:
    """A 6-digit administrative division code (行政区划代码), e.g. 370200 for Qingdao."""

    value: str

    def __post_init__(self) -> None:
        _check_region(self.value, "region_code")

    @classmethod
    def parse(cls, text: object, field: str = "region_code") -> RegionCode:
        """Read a region code from input, naming ``field`` in the error."""
        if not isinstance(text, str):
            raise InvalidFieldError(field, "wrong_type", "must be a string")
        value = text.strip()
        _check_region(value, field)
        return cls(value)

    @property
    def province_code(self) -> RegionCode:
        """The code of the province (省级) this region belongs to."""
        return RegionCode(self.value[:2] + "0000")

    def __str__(self) -> str:
        return self.value


def _check_region(value: str, field: str) -> None:
    if not isinstance(value, str) or not _REGION_CODE.fullmatch(value):
        raise InvalidFieldError(
            field, "region_code_format", "must be 6 digits starting with 1 to 8"
        )


@dataclass(frozen=True)
class CreditCode:
    """An 18-character unified social credit code (统一社会信用代码, GB 32100-2015).

    Layout: registration authority (1), organisation type (1), administrative
    division (6), organisation code (9), check character (1).
    """

    value: str

    def __post_init__(self) -> None:
        _check_credit_code(self.value, "credit_code")

    @classmethod
    def parse(cls, text: object, field: str = "credit_code") -> CreditCode:
        """Read a credit code: surrounding whitespace stripped, letters uppercased."""
        if not isinstance(text, str):
            raise InvalidFieldError(field, "wrong_type", "must be a string")
        value = text.strip().upper()
        _check_credit_code(value, field)
        return cls(value)

    @property
    def region_code(self) -> RegionCode:
        """The administrative division where the organisation was first registered."""
        return RegionCode(self.value[2:8])

    def __str__(self) -> str:
        return self.value


def _check_credit_code(value: str, field: str) -> None:
    if len(value) != 18:
        raise InvalidFieldError(
            field, "credit_code_length", f"must have 18 characters, has {len(value)}"
        )
    bad = sorted({char for char in value if char not in _CREDIT_CODE_VALUES})
    if bad:
        raise InvalidFieldError(
            field,
            "credit_code_charset",
            f"contains {''.join(bad)!r}; allowed are digits and {CREDIT_CODE_CHARSET[10:]}",
        )
    expected = credit_code_check_character(value[:17])
    if value[17] != expected:
        raise InvalidFieldError(
            field,
            "credit_code_check_digit",
            f"check character is {value[17]!r}, the first 17 characters give {expected!r}",
        )
    if not _REGION_CODE.fullmatch(value[2:8]):
        raise InvalidFieldError(
            field, "credit_code_region", "characters 3 to 8 are not an administrative division"
        )


@dataclass(frozen=True)
class FinancialInstitutionCode:
    """A financial institution code (金融机构编码) as printed on the financial licence
    (金融许可证), e.g. ``B0001H111000001``: a category letter, four digits, a level letter and
    nine digits. The code carries no check character, so only its shape can be checked.
    """

    value: str

    def __post_init__(self) -> None:
        _check_financial_institution_code(self.value, "financial_institution_code")

    @classmethod
    def parse(
        cls, text: object, field: str = "financial_institution_code"
    ) -> FinancialInstitutionCode:
        """Read a financial institution code: whitespace stripped, letters uppercased."""
        if not isinstance(text, str):
            raise InvalidFieldError(field, "wrong_type", "must be a string")
        value = text.strip().upper()
        _check_financial_institution_code(value, field)
        return cls(value)

    def __str__(self) -> str:
        return self.value


def _check_financial_institution_code(value: str, field: str) -> None:
    if not _FINANCIAL_INSTITUTION_CODE.fullmatch(value):
        raise InvalidFieldError(
            field,
            "financial_institution_code_format",
            "must be a letter, 4 digits, a letter and 9 digits (e.g. B0001H111000001)",
        )


def parse_institution_code(text: object, field: str) -> str:
    """A bank's code as a pledgee (质权人) names itself: an 18-character unified social credit
    code, or a 15-character financial institution code; InvalidFieldError naming ``field``."""
    if not isinstance(text, str):
        raise InvalidFieldError(field, "wrong_type", "must be a string")
    value = text.strip().upper()
    if len(value) == 15:
        return FinancialInstitutionCode.parse(value, field).value
    return CreditCode.parse(value, field).value


@dataclass(frozen=True, order=True)
class RegistrationNumber:
    """A registration number (登记编号): centre region, year, serial and a check character.

    Text form ``370200-2026-000123-X``; the check character is ISO 7064 MOD 11-2
    over the 16 digits, so any single-digit error and most transpositions are caught.
    """

    region_code: RegionCode
    year: int
    serial: int

    def __post_init__(self) -> None:
        if not 2000 <= self.year <= 9999:
            raise InvalidFieldError(
                "registration_number.year", "out_of_range", "must be from 2000 to 9999"
            )
        if not 1 <= self.serial <= 999_999:
            raise InvalidFieldError(
                "registration_number.serial", "out_of_range", "must be from 1 to 999999"
            )

    @classmethod
    def create(cls, region: RegionCode, year: int, serial: int) -> RegistrationNumber:
        """A new number for the centre of ``region``."""
        return cls(region, year, serial)

    @classmethod
    def parse(cls, text: object, field: str = "registration_number") -> RegistrationNumber:
        """Read the canonical text form strictly; only the check character may be lowercase."""
        if not isinstance(text, str):
            raise InvalidFieldError(field, "wrong_type", "must be a string")
        match = _REGISTRATION_NUMBER.fullmatch(text)
        if match is None or not _REGION_CODE.fullmatch(match[1]) or int(match[3]) == 0:
            raise InvalidFieldError(
                field,
                "registration_number_format",
                "must look like 370200-2026-000123-X (region, year, serial ≥ 1, check)",
            )
        try:
            number = cls(RegionCode(match[1]), int(match[2]), int(match[3]))
        except InvalidFieldError as exc:
            raise InvalidFieldError(field, "registration_number_format", exc.detail) from exc
        if match[4].upper() != number.check_character:
            raise InvalidFieldError(
                field,
                "registration_number_check",
                f"check character {match[4]!r} does not match the digits",
            )
        return number

    @property
    def digits(self) -> str:
        """The 16 digits the check character is computed over."""
        return f"{self.region_code.value}{self.year:04d}{self.serial:06d}"

    @property
    def check_character(self) -> str:
        """ISO 7064 MOD 11-2 over :attr:`digits`."""
        return iso7064_mod11_2(self.digits)

    @cached_property
    def _text(self) -> str:
        return f"{self.region_code.value}-{self.year:04d}-{self.serial:06d}-{self.check_character}"

    def __str__(self) -> str:
        return self._text  # issuing writes each number out about seven times
