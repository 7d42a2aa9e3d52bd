"""Amounts of money: exact decimals with a currency, never binary floats.

An amount arrives as a decimal string (``"5000000.00"``) or a ``Decimal``; a
float is refused, since it may already have lost the cents. Amounts are positive,
have at most two decimal places and at most 14 digits before the point, so that
they are stored exactly as whole hundredths (``minor_units``) and sums fit a
64-bit integer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from node.domain.errors import InvalidFieldError

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999999999.99")
_CURRENCY = re.compile(r"[A-Z]{3}")
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class Money:
    """A positive amount in a currency (ISO 4217 code, e.g. CNY), exact to the hundredth."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", _checked_amount(self.amount, "amount"))
        _check_currency(self.currency, "currency")

    @classmethod
    def parse(cls, amount: object, currency: object, field: str) -> Money:
        """Read ``{field}.amount`` (a decimal string) and ``{field}.currency``."""
        if isinstance(amount, bool | float):
            raise InvalidFieldError(
                f"{field}.amount", "amount_not_decimal", "must be a decimal string, not a number"
            )
        if isinstance(amount, str):
            text = amount.strip()
            if not _AMOUNT.fullmatch(text):
                raise InvalidFieldError(
                    f"{field}.amount", "amount_format", "must be digits with an optional point"
                )
            value = Decimal(text)
        elif isinstance(amount, Decimal | int):
            value = Decimal(amount)
        else:
            raise InvalidFieldError(f"{field}.amount", "wrong_type", "must be a decimal string")
        if not isinstance(currency, str):
            raise InvalidFieldError(f"{field}.currency", "wrong_type", "must be a string")
        _check_currency(currency, f"{field}.currency")
        return cls(_checked_amount(value, f"{field}.amount"), currency)

    @property
    def text(self) -> str:
        """The amount with exactly two decimal places, as documents and the API carry it."""
        return f"{self.amount:.2f}"

    @property
    def minor_units(self) -> int:
        """The amount in hundredths (fen for CNY), as the store keeps it."""
        return int(self.amount * 100)

    @classmethod
    def of_minor_units(cls, minor_units: int, currency: str) -> Money:
        """The money of ``minor_units`` hundredths."""
        return cls(Decimal(minor_units) / 100, currency)


def _checked_amount(value: Decimal, field: str) -> Decimal:
    if not value.is_finite():
        raise InvalidFieldError(field, "amount_format", "must be a finite decimal")
    if value <= 0:
        raise InvalidFieldError(field, "amount_not_positive", "must be greater than zero")
    if value > MAX_AMOUNT:
        raise InvalidFieldError(field, "amount_too_large", f"must be at most {MAX_AMOUNT}")
    if value != value.quantize(CENT):
        raise InvalidFieldError(field, "amount_precision", "must have at most two decimal places")
    return value.quantize(CENT)


def _check_currency(value: str, field: str) -> None:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise InvalidFieldError(
            field, "currency_format", "must be an ISO 4217 code of three capital letters"
        )
