"""EIP-712 signatures of documents: recovery, binding to domain and fields."""

from __future__ import annotations

import dataclasses

import pytest
from eth_abi.abi import encode
from eth_account import Account
from eth_keys import keys
from hypothesis import given, settings
from hypothesis import strategies as st

from node.documents.canonical import keccak256
from node.documents.signing import (
    CentreSigner,
    SignatureError,
    SignedFields,
    SigningDomain,
    recover_address,
    recover_signer,
    sign_document,
    signable,
    verify_signature,
)

SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
CENTRE = Account.from_key(b"\x01" * 32)
OTHER = Account.from_key(b"\x02" * 32)
DOMAIN = SigningDomain(chain_id=31337, verifying_contract="0x" + "ab" * 20)
FIELDS = SignedFields(
    kind="certificate",
    subject="370200-2026-000001-X",
    digest=keccak256(b"certificate body"),
    schema_version=1,
)


def _independent_eip712_hash(domain: SigningDomain, fields: SignedFields) -> bytes:
    """The EIP-712 hash written out from the specification, as Solidity's EIP712 computes it."""
    domain_type = keccak256(
        b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    separator = keccak256(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                domain_type,
                keccak256(b"dataprop"),
                keccak256(b"1"),
                domain.chain_id,
                domain.verifying_contract,
            ],
        )
    )
    struct_type = keccak256(
        b"SignedDocument(string kind,string subject,bytes32 digest,uint32 schemaVersion)"
    )
    struct_hash = keccak256(
        encode(
            ["bytes32", "bytes32", "bytes32", "bytes32", "uint32"],
            [
                struct_type,
                keccak256(fields.kind.encode()),
                keccak256(fields.subject.encode()),
                fields.digest,
                fields.schema_version,
            ],
        )
    )
    return keccak256(b"\x19\x01" + separator + struct_hash)


def test_the_signer_is_recovered() -> None:
    signature = sign_document(CENTRE.key, DOMAIN, FIELDS)
    assert len(signature) == 65
    assert recover_signer(DOMAIN, FIELDS, signature) == CENTRE.address
    verify_signature(DOMAIN, FIELDS, signature, CENTRE.address.lower())


def test_bulk_recovery_gives_the_same_address_as_eth_account() -> None:
    for key in (CENTRE, OTHER):
        signature = sign_document(key.key, DOMAIN, FIELDS)
        assert recover_address(DOMAIN, FIELDS, signature) == bytes.fromhex(key.address[2:])
    signature = sign_document(CENTRE.key, DOMAIN, FIELDS)
    other_fields = dataclasses.replace(FIELDS, subject="370200-2026-000002-X")
    assert recover_address(DOMAIN, other_fields, signature) != bytes.fromhex(CENTRE.address[2:])


@pytest.mark.parametrize(
    "signature", [b"", b"\x00" * 64, b"\x00" * 65, b"\xff" * 64 + b"\x1b", b"\x00" * 64 + b"\x1c"]
)
def test_bulk_recovery_refuses_malformed_signatures(signature: bytes) -> None:
    with pytest.raises(SignatureError):
        recover_address(DOMAIN, FIELDS, signature)


def test_the_signature_is_over_the_specified_eip712_hash() -> None:
    signature = sign_document(CENTRE.key, DOMAIN, FIELDS)
    vrs = signature[:64] + bytes([signature[64] - 27])
    recovered = keys.Signature(vrs).recover_public_key_from_msg_hash(
        _independent_eip712_hash(DOMAIN, FIELDS)
    )
    assert recovered.to_checksum_address() == CENTRE.address


@pytest.mark.parametrize(
    "domain",
    [
        dataclasses.replace(DOMAIN, chain_id=1),
        dataclasses.replace(DOMAIN, verifying_contract="0x" + "cd" * 20),
    ],
    ids=["other chain", "other registry"],
)
def test_a_signature_does_not_verify_under_another_domain(domain: SigningDomain) -> None:
    signature = sign_document(CENTRE.key, DOMAIN, FIELDS)
    with pytest.raises(SignatureError, match="not by"):
        verify_signature(domain, FIELDS, signature, CENTRE.address)


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "compliance_report"},
        {"subject": "370200-2026-000002-X"},
        {"digest": keccak256(b"tampered")},
        {"schema_version": 2},
    ],
)
def test_a_signature_does_not_cover_other_fields(changes: dict[str, object]) -> None:
    signature = sign_document(CENTRE.key, DOMAIN, FIELDS)
    with pytest.raises(SignatureError):
        verify_signature(DOMAIN, dataclasses.replace(FIELDS, **changes), signature, CENTRE.address)


def test_another_key_is_not_the_centre() -> None:
    signature = sign_document(OTHER.key, DOMAIN, FIELDS)
    with pytest.raises(SignatureError, match=f"signed by {OTHER.address}"):
        verify_signature(DOMAIN, FIELDS, signature, CENTRE.address)


@pytest.mark.parametrize("signature", [b"", b"\x00" * 64, b"\x00" * 65, b"\xff" * 65])
def test_malformed_signatures_raise_a_signature_error(signature: bytes) -> None:
    with pytest.raises(SignatureError):
        verify_signature(DOMAIN, FIELDS, signature, CENTRE.address)


def test_bad_domain_and_fields_are_refused_when_built() -> None:
    with pytest.raises(SignatureError, match="verifying_contract"):
        SigningDomain(chain_id=1, verifying_contract="0x1234")
    with pytest.raises(SignatureError, match="chain_id"):
        SigningDomain(chain_id=0, verifying_contract=DOMAIN.verifying_contract)
    with pytest.raises(SignatureError, match="digest"):
        dataclasses.replace(FIELDS, digest=b"short")
    with pytest.raises(SignatureError, match="schema_version"):
        dataclasses.replace(FIELDS, schema_version=2**32)


@settings(max_examples=200, deadline=None)
@given(
    key=st.binary(min_size=32, max_size=32).filter(
        lambda k: 0 < int.from_bytes(k, "big") < SECP256K1_ORDER
    ),
    chain_id=st.integers(min_value=1, max_value=2**64),
    kind=st.text(max_size=40),
    subject=st.text(max_size=80),
    digest=st.binary(min_size=32, max_size=32),
    schema_version=st.integers(min_value=1, max_value=2**32 - 1),
)
def test_signatures_are_byte_identical_to_eth_accounts(
    key: bytes, chain_id: int, kind: str, subject: str, digest: bytes, schema_version: int
) -> None:
    domain = SigningDomain(chain_id, "0x" + keccak256(key).hex()[:40])
    fields = SignedFields(kind, subject, digest, schema_version)
    reference = bytes(Account.sign_message(signable(domain, fields), key).signature)
    assert sign_document(key, domain, fields) == reference
    assert CentreSigner(key, domain).sign(fields) == reference
