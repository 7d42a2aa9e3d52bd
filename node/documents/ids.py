"""On-chain identifiers derived from document fields."""

from __future__ import annotations

from node.documents.canonical import keccak256


def certificate_id_of(registration_number: str) -> bytes:
    """The on-chain certificate id: keccak-256 of the registration number's text form."""
    return keccak256(registration_number.encode("utf-8"))
