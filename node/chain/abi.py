"""Decoding of custom errors and events from the contracts' ABIs.

Every Solidity custom error becomes a Python exception class of the same name
(defined in ``node.chain.revert_errors``) and every event a frozen dataclass of
the same name (``node.chain.events``); the selector and topic tables here are
built from the compiled ABIs, never from hand-edited copies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

ABI = Sequence[Mapping[str, Any]]


def canonical_type(item: Mapping[str, Any]) -> str:
    """The ABI type string of a parameter, expanding tuples (structs)."""
    kind = str(item["type"])
    if kind.startswith("tuple"):
        inner = ",".join(canonical_type(component) for component in item["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def signature(item: Mapping[str, Any]) -> str:
    """``Name(type1,type2)`` of an ABI error, event or function."""
    types = ",".join(canonical_type(parameter) for parameter in item.get("inputs", []))
    return f"{item['name']}({types})"


@dataclass(frozen=True)
class ErrorSpec:
    """One custom error of an ABI: its name, parameter names and types."""

    name: str
    names: tuple[str, ...]
    types: tuple[str, ...]


def error_specs(abis: Iterable[ABI]) -> dict[bytes, ErrorSpec]:
    """Custom errors of all given ABIs, keyed by their 4-byte selector."""
    specs: dict[bytes, ErrorSpec] = {}
    for abi in abis:
        for item in abi:
            if item.get("type") != "error":
                continue
            selector = keccak(text=signature(item))[:4]
            specs[selector] = ErrorSpec(
                name=str(item["name"]),
                names=tuple(str(p["name"]) for p in item["inputs"]),
                types=tuple(canonical_type(p) for p in item["inputs"]),
            )
    return specs


def decode_error(
    specs: Mapping[bytes, ErrorSpec], data: bytes
) -> tuple[str, dict[str, Any]] | None:
    """Name and arguments of a custom error from revert data, or None when unknown."""
    spec = specs.get(data[:4])
    if spec is None:
        return None
    try:
        values = abi_decode(list(spec.types), data[4:])
    except (DecodingError, ValueError):
        return None
    arguments = {
        name: to_checksum_address(value) if kind == "address" else value
        for name, kind, value in zip(spec.names, spec.types, values, strict=True)
    }
    return spec.name, arguments
