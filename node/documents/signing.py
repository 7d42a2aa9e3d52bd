"""EIP-712 signatures of documents by a centre's chain key.

The signed struct carries the document kind, its subject (the registration
number), the keccak-256 digest of its canonical form and the schema version,
so a signature on one kind or subject can never be replayed for another. The
domain binds the chain id and the AnchorRegistry address: a signature from a
test chain or another consortium does not verify here.

Signing hashes the struct directly (the domain separator once per domain) and
signs with libsecp256k1 through coincurve: about 40 µs a signature instead of
about 210 µs through eth-account's general typed-data encoder, which issuing
thousands of certificates a second cannot afford. Recovery keeps eth-account's
encoder, so every signature is checked by an independent implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import coincurve
from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_utils.address import is_address, to_checksum_address

from node.documents.canonical import keccak256

DOMAIN_NAME = "dataprop"
DOMAIN_VERSION = "1"
SIGNED_DOCUMENT_TYPES = {
    "SignedDocument": [
        {"name": "kind", "type": "string"},
        {"name": "subject", "type": "string"},
        {"name": "digest", "type": "bytes32"},
        {"name": "schemaVersion", "type": "uint32"},
    ]
}
_DOMAIN_TYPE_HASH = keccak256(
    b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
_DOCUMENT_TYPE_HASH = keccak256(
    b"SignedDocument(string kind,string subject,bytes32 digest,uint32 schemaVersion)"
)


class SignatureError(ValueError):
    """A signature is malformed or does not come from the expected signer."""

    code = "signature_invalid"


@dataclass(frozen=True)
class SigningDomain:
    """The EIP-712 domain: the chain and the consortium's AnchorRegistry."""

    chain_id: int
    verifying_contract: str

    def __post_init__(self) -> None:
        if self.chain_id <= 0:
            raise SignatureError("chain_id must be positive")
        if not is_address(self.verifying_contract):
            raise SignatureError("verifying_contract is not an address")
        object.__setattr__(self, "verifying_contract", to_checksum_address(self.verifying_contract))

    def as_eip712(self) -> dict[str, Any]:
        return {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": self.verifying_contract,
        }

    @cached_property
    def separator(self) -> bytes:
        """The EIP-712 domain separator (``hashStruct(domain)``)."""
        return keccak256(
            _DOMAIN_TYPE_HASH
            + keccak256(DOMAIN_NAME.encode())
            + keccak256(DOMAIN_VERSION.encode())
            + self.chain_id.to_bytes(32, "big")
            + bytes.fromhex(self.verifying_contract[2:]).rjust(32, b"\0")
        )


@dataclass(frozen=True)
class SignedFields:
    """What a centre signs about one document."""

    kind: str
    subject: str
    digest: bytes
    schema_version: int

    def __post_init__(self) -> None:
        if len(self.digest) != 32:
            raise SignatureError("digest must have 32 bytes")
        if not 0 < self.schema_version < 2**32:
            raise SignatureError("schema_version must fit a uint32 and be positive")


def signable(domain: SigningDomain, fields: SignedFields) -> SignableMessage:
    """The EIP-712 message for ``fields`` under ``domain``."""
    return encode_typed_data(
        domain_data=domain.as_eip712(),
        message_types=SIGNED_DOCUMENT_TYPES,
        message_data={
            "kind": fields.kind,
            "subject": fields.subject,
            "digest": fields.digest,
            "schemaVersion": fields.schema_version,
        },
    )


def typed_data_hash(domain: SigningDomain, fields: SignedFields) -> bytes:
    """``keccak256(0x1901 ‖ domain separator ‖ hashStruct(fields))``: the hash that is signed."""
    struct_hash = keccak256(
        _DOCUMENT_TYPE_HASH
        + _kind_hash(fields.kind)
        + keccak256(fields.subject.encode())
        + fields.digest
        + fields.schema_version.to_bytes(32, "big")
    )
    return keccak256(b"\x19\x01" + domain.separator + struct_hash)


@lru_cache(maxsize=64)
def _kind_hash(kind: str) -> bytes:
    """keccak-256 of a document kind: a handful of kinds sign every document."""
    return keccak256(kind.encode())


def sign_document(private_key: bytes, domain: SigningDomain, fields: SignedFields) -> bytes:
    """The 65-byte signature (r, s, v) of ``fields`` by ``private_key``."""
    return _sign(coincurve.PrivateKey(private_key), domain, fields)


def _sign(key: coincurve.PrivateKey, domain: SigningDomain, fields: SignedFields) -> bytes:
    """r ‖ s ‖ v with v = 27 + recovery id, as eth-account writes signatures."""
    recoverable = key.sign_recoverable(typed_data_hash(domain, fields), hasher=None)
    return recoverable[:64] + bytes([27 + recoverable[64]])


def recover_signer(domain: SigningDomain, fields: SignedFields, signature: bytes) -> str:
    """The checksum address that produced ``signature``; raises on a malformed one."""
    if len(signature) != 65:
        raise SignatureError(f"a signature has 65 bytes, not {len(signature)}")
    try:
        return str(Account.recover_message(signable(domain, fields), signature=signature))
    except Exception as error:  # eth-keys raises several types for bad r/s/v
        raise SignatureError(f"signature cannot be recovered: {error}") from error


def recover_address(domain: SigningDomain, fields: SignedFields, signature: bytes) -> bytes:
    """The 20-byte address that produced ``signature``, recovered by libsecp256k1 directly.

    For checking signatures in bulk (an audit recovers one per document): the
    hash is :func:`typed_data_hash`, which tests hold byte for byte to
    eth-account's encoder, and no checksum is computed. Raises
    :class:`SignatureError` on a malformed or unrecoverable signature.
    """
    if len(signature) != 65 or signature[64] not in (27, 28):
        raise SignatureError("a signature has 65 bytes ending in v = 27 or 28")
    try:
        key = coincurve.PublicKey.from_signature_and_message(
            signature[:64] + bytes([signature[64] - 27]),
            typed_data_hash(domain, fields),
            hasher=None,
        )
    except ValueError as error:
        raise SignatureError(f"signature cannot be recovered: {error}") from error
    return keccak256(key.format(compressed=False)[1:])[12:]


def verify_signature(
    domain: SigningDomain, fields: SignedFields, signature: bytes, expected_signer: str
) -> None:
    """Raise :class:`SignatureError` unless ``expected_signer`` signed ``fields``."""
    signer = recover_signer(domain, fields, signature)
    if signer != to_checksum_address(expected_signer):
        raise SignatureError(f"signed by {signer}, not by {to_checksum_address(expected_signer)}")


class CentreSigner:
    """A centre's chain key bound to its signing domain: what services sign with."""

    def __init__(self, private_key: bytes, domain: SigningDomain) -> None:
        self._account = Account.from_key(private_key)
        self._key = coincurve.PrivateKey(bytes(self._account.key))
        self.domain = domain

    @property
    def address(self) -> str:
        return str(self._account.address)

    def sign(self, fields: SignedFields) -> bytes:
        return _sign(self._key, self.domain, fields)
