"""On-chain identifiers derived from document fields."""

from __future__ import annotations

from collections.abc import Mapping

from node.documents.canonical import document_digest, keccak256


def certificate_id_of(registration_number: str) -> bytes:
    """The on-chain certificate id: keccak-256 of the registration number's text form."""
    return keccak256(registration_number.encode("utf-8"))


def asset_key_of(credit_code: str, fingerprint_material: Mapping[str, str]) -> bytes:
    """The on-chain asset key: one per holder and asset, whichever centre registers it.

    keccak-256 of the canonical JSON of the holder's credit code and the asset's
    identifying fields (``DataAsset.fingerprint_material``), so two centres
    derive the same key for the same asset and the asset index refuses a
    second registration.
    """
    return document_digest({"credit_code": credit_code, "asset": dict(fingerprint_material)})


def pledge_id_of(pledge_id: str) -> bytes:
    """The on-chain pledge id: keccak-256 of the node's pledge id."""
    return keccak256(f"pledge:{pledge_id}".encode())


def pledgee_digest_of(code: str) -> bytes:
    """How the chain names a pledgee: the digest of its credit or institution code, which a
    bank computes for itself to recognise its own pledges in a verification."""
    return document_digest({"pledgee_code": code})
