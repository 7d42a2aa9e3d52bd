from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.domain.errors import InvalidFieldError
from node.domain.identifiers import (
    CREDIT_CODE_CHARSET,
    CreditCode,
    RegionCode,
    RegistrationNumber,
    credit_code_check_character,
    iso7064_mod11_2,
)
from tests.unit.domain.builders import SAMPLE_CREDIT_CODES


def _error(excinfo: pytest.ExceptionInfo[InvalidFieldError]) -> tuple[str, str]:
    return excinfo.value.field, excinfo.value.code


# -- credit code ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", [*SAMPLE_CREDIT_CODES, "91350100M000100Y43"])
def test_known_credit_codes_are_valid(text: str) -> None:
    assert CreditCode.parse(text).value == text
    assert str(CreditCode(text)) == text


def test_credit_code_exposes_its_region() -> None:
    code = CreditCode.parse("916528002041891675")
    assert code.region_code == RegionCode("652800")
    assert code.region_code.province_code == RegionCode("650000")


def test_parse_strips_whitespace_and_uppercases() -> None:
    assert CreditCode.parse("  91370200201047294e\n").value == "91370200201047294E"


def test_check_value_31_maps_to_zero() -> None:
    body = "91370200000000010"
    assert credit_code_check_character(body) == "0"
    assert CreditCode.parse(body + "0").value == body + "0"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "credit_code_length"),
        ("91370200200000005", "credit_code_length"),
        ("9137020020000000555", "credit_code_length"),
        ("91370200I00000005X", "credit_code_charset"),
        ("91370200O00000005X", "credit_code_charset"),
        ("91370200Z00000005X", "credit_code_charset"),
        ("91370200S00000005X", "credit_code_charset"),
        ("91370200V00000005X", "credit_code_charset"),
        ("9137020020000000-5", "credit_code_charset"),
        ("913702002000000056", "credit_code_check_digit"),
        ("91370200201047294F", "credit_code_check_digit"),
        (
            "91AB0200201047294" + credit_code_check_character("91AB0200201047294"),
            "credit_code_region",
        ),
    ],
)
def test_bad_credit_codes_name_the_problem(text: str, code: str) -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        CreditCode.parse(text, field="holder.credit_code")
    assert _error(excinfo) == ("holder.credit_code", code)
    assert "holder.credit_code" in str(excinfo.value)


def test_constructor_validates_too() -> None:
    with pytest.raises(InvalidFieldError, match="credit_code_check_digit"):
        CreditCode("913702002000000056")


def test_non_string_credit_code_is_wrong_type() -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        CreditCode.parse(913702002000000055)
    assert excinfo.value.code == "wrong_type"


@given(
    original=st.sampled_from(SAMPLE_CREDIT_CODES),
    position=st.integers(min_value=0, max_value=17),
    replacement=st.sampled_from(CREDIT_CODE_CHARSET + "IOZSV-a "),
)
def test_any_single_character_change_is_rejected(
    original: str, position: int, replacement: str
) -> None:
    changed = original[:position] + replacement + original[position + 1 :]
    if changed.upper() == original:
        return
    with pytest.raises(InvalidFieldError):
        CreditCode.parse(changed)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.sampled_from("159Y"))
def test_computed_check_character_makes_a_valid_code(org: str, authority: str) -> None:
    body = f"{authority}1370200{org}"
    assert CreditCode.parse(body + credit_code_check_character(body)).value.startswith(body)


# -- region code ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["110000", "370200", "652800", "820000", "370203"])
def test_valid_region_codes(text: str) -> None:
    assert RegionCode.parse(text).value == text


@pytest.mark.parametrize("text", ["", "37020", "3702000", "070200", "970200", "37020A", " 37 200"])
def test_invalid_region_codes(text: str) -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        RegionCode.parse(text, field="holder.region_code")
    assert _error(excinfo) == ("holder.region_code", "region_code_format")


def test_province_code() -> None:
    assert RegionCode("370203").province_code == RegionCode("370000")
    assert RegionCode("370000").province_code == RegionCode("370000")


# -- registration number -------------------------------------------------------------------


def test_iso7064_mod11_2_matches_a_known_identity_number() -> None:
    # The check character of the resident identity number example 11010519491231002X.
    assert iso7064_mod11_2("11010519491231002") == "X"
    assert iso7064_mod11_2("44052418800101001") == "4"


@given(st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_iso7064_mod11_2_matches_the_weighted_sum_definition(digits: str) -> None:
    # ISO 7064: the weighted sum, check character included with weight 1, is 1 mod 11.
    total = sum(int(d) * pow(2, len(digits) - i, 11) for i, d in enumerate(digits))
    check = iso7064_mod11_2(digits)
    assert (total + (10 if check == "X" else int(check))) % 11 == 1


def test_create_and_text_form() -> None:
    number = RegistrationNumber.create(RegionCode("370200"), 2026, 123)
    assert str(number) == "370200-2026-000123-3"
    assert (number.region_code, number.year, number.serial) == (RegionCode("370200"), 2026, 123)
    assert number.digits == "3702002026000123"


@pytest.mark.parametrize(
    "text",
    [
        "370200-2026-000123-3",
        "370200-2026-000002-X",
        "370200-2026-000002-x",
        "110000-2030-999999-3",
    ],
)
def test_good_registration_numbers_round_trip(text: str) -> None:
    number = RegistrationNumber.parse(text)
    assert str(number) == text.upper()
    assert RegistrationNumber.parse(str(number)) == number


@pytest.mark.parametrize(
    "text",
    [
        "",
        "3702002026000123-3",
        "370200 2026 000123 3",
        "370200-2026-123-3",
        "370200-26-000123-3",
        "370200-2026-0000123-3",
        "370200-2026-000000-0",
        "070200-2026-000123-3",
        "370200-1999-000123-3",
        "370200-2026-000123-Y",
        " 370200-2026-000123-3",
        "370200-2026-000123-3 ",
        "370200-2026-000123-33",
        "\uff13\uff17\uff10\uff12\uff10\uff10-2026-000123-3",  # full-width digits
    ],
)
def test_malformed_registration_numbers(text: str) -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        RegistrationNumber.parse(text)
    assert _error(excinfo) == ("registration_number", "registration_number_format")


@pytest.mark.parametrize(
    "text",
    [
        "370200-2026-000123-4",  # wrong check character
        "370200-2026-000124-3",  # one digit changed
        "370200-2026-000132-3",  # adjacent digits swapped
        "370200-2062-000123-3",  # adjacent digits swapped in the year
        "370200-2026-000002-0",
    ],
)
def test_registration_numbers_with_wrong_check(text: str) -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        RegistrationNumber.parse(text)
    assert _error(excinfo) == ("registration_number", "registration_number_check")


def _digits_to_text(digits: str, check: str) -> str:
    return f"{digits[:6]}-{digits[6:10]}-{digits[10:]}-{check}"


_numbers = st.builds(
    RegistrationNumber.create,
    st.sampled_from([RegionCode("370200"), RegionCode("652800"), RegionCode("110000")]),
    st.integers(min_value=2000, max_value=2099),
    st.integers(min_value=1, max_value=999_999),
)


@given(_numbers, st.integers(min_value=0, max_value=15), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_caught(
    number: RegistrationNumber, position: int, shift: int
) -> None:
    digits = number.digits
    changed = digits[:position] + str((int(digits[position]) + shift) % 10) + digits[position + 1 :]
    with pytest.raises(InvalidFieldError):
        RegistrationNumber.parse(_digits_to_text(changed, number.check_character))


@given(_numbers, st.integers(min_value=0, max_value=14))
def test_any_adjacent_transposition_is_caught(number: RegistrationNumber, position: int) -> None:
    digits = number.digits
    if digits[position] == digits[position + 1]:
        return
    swapped = digits[:position] + digits[position + 1] + digits[position] + digits[position + 2 :]
    with pytest.raises(InvalidFieldError):
        RegistrationNumber.parse(_digits_to_text(swapped, number.check_character))


@given(_numbers)
def test_parse_inverts_str(number: RegistrationNumber) -> None:
    assert RegistrationNumber.parse(str(number)) == number


@pytest.mark.parametrize(("year", "serial"), [(1999, 1), (10000, 1), (2026, 0), (2026, 1_000_000)])
def test_create_refuses_out_of_range_parts(year: int, serial: int) -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        RegistrationNumber.create(RegionCode("370200"), year, serial)
    assert excinfo.value.code == "out_of_range"
