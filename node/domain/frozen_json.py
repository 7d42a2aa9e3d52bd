"""Immutable JSON-like values for event and action details.

``freeze`` and ``thaw`` run for every event and document a node writes, so they
test the concrete types these values have first: an ``isinstance`` against the
``Mapping`` and ``Sequence`` ABCs costs several times more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TypeAlias

JsonValue: TypeAlias = (
    str | int | float | bool | Sequence["JsonValue"] | Mapping[str, "JsonValue"] | None
)


_SCALARS = frozenset({str, int, float, bool, type(None)})
_MAPPINGS = frozenset({dict, MappingProxyType})
_SEQUENCES = frozenset({list, tuple})


def freeze(value: object) -> JsonValue:
    """A deep copy of ``value`` with mappings read-only and lists turned into tuples."""
    kind = type(value)
    if kind in _SCALARS or isinstance(value, str | int | float | bool):
        return value  # type: ignore[return-value]  # a scalar, by the test above
    if kind in _MAPPINGS or isinstance(value, Mapping):
        return MappingProxyType({str(key): freeze(item) for key, item in value.items()})  # type: ignore[attr-defined]
    if kind in _SEQUENCES or isinstance(value, Sequence):
        return tuple(freeze(item) for item in value)  # type: ignore[attr-defined]
    raise TypeError(f"{type(value).__name__} is not JSON-like")


def freeze_mapping(value: Mapping[str, object]) -> Mapping[str, JsonValue]:
    """:func:`freeze` for a top-level mapping."""
    return MappingProxyType({key: freeze(item) for key, item in value.items()})


def thaw(value: JsonValue) -> object:
    """Plain dicts and lists again, ready for ``json.dumps`` or a canonicaliser."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind in _MAPPINGS or isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}  # type: ignore[union-attr]
    if kind in _SEQUENCES or (isinstance(value, Sequence) and not isinstance(value, str)):
        return [thaw(item) for item in value]  # type: ignore[union-attr]
    return value
