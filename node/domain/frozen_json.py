"""Immutable JSON-like values for event and action details."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TypeAlias

JsonValue: TypeAlias = (
    str | int | float | bool | Sequence["JsonValue"] | Mapping[str, "JsonValue"] | None
)


def freeze(value: object) -> JsonValue:
    """A deep copy of ``value`` with mappings read-only and lists turned into tuples."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return MappingProxyType({str(key): freeze(item) for key, item in value.items()})
    if isinstance(value, Sequence):
        return tuple(freeze(item) for item in value)
    raise TypeError(f"{type(value).__name__} is not JSON-like")


def freeze_mapping(value: Mapping[str, object]) -> Mapping[str, JsonValue]:
    """:func:`freeze` for a top-level mapping."""
    return MappingProxyType({key: freeze(item) for key, item in value.items()})


def thaw(value: JsonValue) -> object:
    """Plain dicts and lists again, ready for ``json.dumps`` or a canonicaliser."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [thaw(item) for item in value]
    return value
