"""Rules for free text fields: trimmed, NFC-normalised, non-blank, bounded, no control characters.

Normalising before storing keeps digests and asset fingerprints stable when the
same text arrives with different whitespace or Unicode composition.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from node.domain.errors import InvalidFieldError

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
"""Unicode's control characters (general category Cc), a set that Unicode never changes;
a regular expression finds one far faster than asking ``unicodedata`` character by character."""
CONTROL_CHARACTERS_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""The control characters other than newline and tab."""


@dataclass(frozen=True)
class TextRule:
    """Length bounds of one text field; ``multiline`` allows newlines and tabs."""

    max_length: int
    multiline: bool = False

    def clean(self, value: object, field: str) -> str:
        """The normalised text, or InvalidFieldError naming ``field``."""
        if not isinstance(value, str):
            raise InvalidFieldError(field, "wrong_type", "must be a string")
        text = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
        if not text:
            raise InvalidFieldError(field, "blank", "must not be empty or blank")
        if len(text) > self.max_length:
            raise InvalidFieldError(
                field, "too_long", f"has {len(text)} characters, at most {self.max_length} allowed"
            )
        control = (CONTROL_CHARACTERS_BUT_LINES if self.multiline else CONTROL_CHARACTERS).search(
            text
        )
        if control is not None:
            raise InvalidFieldError(
                field,
                "control_character",
                f"contains control character U+{ord(control.group()):04X}",
            )
        return text


@dataclass(frozen=True)
class TextListRule:
    """A list of distinct text items with bounded count and item length."""

    item: TextRule
    min_items: int
    max_items: int

    def clean(self, values: object, field: str) -> tuple[str, ...]:
        """The normalised items in their given order, or InvalidFieldError for the first fault."""
        if isinstance(values, str) or not isinstance(values, Sequence):
            raise InvalidFieldError(field, "wrong_type", "must be a list of strings")
        if len(values) < self.min_items:
            raise InvalidFieldError(field, "too_few", f"needs at least {self.min_items} item(s)")
        if len(values) > self.max_items:
            raise InvalidFieldError(field, "too_many", f"allows at most {self.max_items} items")
        cleaned: list[str] = []
        for index, value in enumerate(values):
            text = self.item.clean(value, f"{field}[{index}]")
            if text in cleaned:
                raise InvalidFieldError(f"{field}[{index}]", "duplicate", f"repeats {text!r}")
            cleaned.append(text)
        return tuple(cleaned)


def require_text(value: object, field: str, max_length: int) -> str:
    """A one-line text field (actor names, ids): shorthand for ``TextRule(max_length)``."""
    return TextRule(max_length).clean(value, field)
