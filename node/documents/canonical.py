"""Canonical JSON per RFC 8785 (JCS) and the keccak-256 document digest.

Two nodes that hold the same document must compute the same digest, whatever
key order or number formatting their JSON had; JCS fixes both. Floats are
refused: amounts and scales are decimal strings so that no two
implementations can round them differently.

Without floats, JCS is what the standard library's C-accelerated ``json``
writes with sorted keys, no whitespace and no ASCII escaping: both escape
``"``, ``\\`` and the control characters alike (short forms, else ``\\u00xx``)
and nothing else, and print integers as plain digits. Only the key order can
differ: JCS sorts keys by UTF-16 code units, ``json`` by code points, which
disagree for characters beyond U+FFFF; such documents go through the
``rfc8785`` package, every other one through ``json`` (about four times
faster, which matters at thousands of documents a second).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import rfc8785
from sha3 import keccak_256

from node.domain.frozen_json import JsonValue, thaw


class CanonicalisationError(ValueError):
    """The value cannot be put in canonical form; ``path`` names where."""

    code = "document_not_canonicalisable"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def canonical_json(value: JsonValue) -> bytes:
    """``value`` as RFC 8785 canonical UTF-8 bytes."""
    if not _check(value, "$"):
        try:
            return json.dumps(
                value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain
            ).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: rfc8785 refuses it with its own error
    return rfc8785.dumps(thaw(value))  # type: ignore[arg-type]  # checked by _check


def keccak256(data: bytes) -> bytes:
    """The 32-byte keccak-256 of ``data`` (the EVM's hash, not SHA3-256).

    From safe-pysha3's C function directly, about 0.7 µs a call against 4.5 µs
    through ``eth_utils.keccak`` (eth-hash picks pycryptodome behind argument
    checks): issuing hashes about a dozen times per certificate, and an audit
    hashes every document, Merkle node and log entry of a node.
    """
    digest: bytes = keccak_256(data).digest()
    return digest


def document_digest(value: JsonValue) -> bytes:
    """keccak-256 of the canonical form: the digest that is signed and anchored."""
    return keccak256(canonical_json(value))


def digest_hex(digest: bytes) -> str:
    """A digest as ``0x`` + 64 lowercase hex digits, the form used in documents and logs."""
    if len(digest) != 32:
        raise ValueError(f"a digest has 32 bytes, not {len(digest)}")
    return "0x" + digest.hex()


def parse_digest(text: str) -> bytes:
    """The inverse of :func:`digest_hex`; refuses anything but 0x + 64 hex digits."""
    body = text[2:] if text[:2] in ("0x", "0X") else None
    if body is None or len(body) != 64:
        raise ValueError("a digest is 0x followed by 64 hex digits")
    try:
        return bytes.fromhex(body)
    except ValueError:
        raise ValueError("a digest is 0x followed by 64 hex digits") from None


def _plain(value: object) -> object:
    """What ``json`` does not write by itself: read-only mappings, sequences not lists."""
    if isinstance(value, Mapping):
        return dict(value)
    assert isinstance(value, Sequence)  # _check let nothing else through
    return list(value)


def _check(value: object, path: str) -> bool:
    """Refuse what JCS would encode ambiguously or what JSON cannot hold; True when a key
    has a character beyond U+FFFF (then only UTF-16 order is the JCS order)."""
    if value is None or isinstance(value, (bool, str)):
        return False
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:
            raise CanonicalisationError(path, "integer beyond ±2^53 loses precision in JSON")
        return False
    if isinstance(value, float):
        raise CanonicalisationError(path, "floats are not allowed; use a decimal string")
    if isinstance(value, Mapping):
        astral = False
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalisationError(path, f"object key {key!r} is not a string")
            astral |= _check(item, f"{path}.{key}") or (not key.isascii() and max(key) > "\uffff")
        return astral
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        astral = False
        for index, item in enumerate(value):
            astral |= _check(item, f"{path}[{index}]")
        return astral
    raise CanonicalisationError(path, f"{type(value).__name__} is not a JSON value")
