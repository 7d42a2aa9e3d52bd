"""Requests between centre nodes, signed with the sending centre's chain key (EIP-712).

The signature covers the method, the path with its query, the keccak-256 of the
body, a timestamp, a random nonce and the receiving centre's id (so a request
to one centre cannot be replayed at another), under a domain that binds the
chain and the consortium's CentreRegistry. It travels in five headers. The
receiver recovers the key, asks the chain whether it is an active centre's
current key, and refuses a request outside its time window or whose nonce it
has seen (:mod:`node.services.peer_requests`).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_utils.address import is_checksum_address, to_checksum_address

from node.documents.canonical import keccak256
from node.errors import AuthenticationError

DOMAIN_NAME = "dataprop-peer"
DOMAIN_VERSION = "1"
PEER_REQUEST_TYPES = {
    "PeerRequest": [
        {"name": "method", "type": "string"},
        {"name": "path", "type": "string"},
        {"name": "bodyDigest", "type": "bytes32"},
        {"name": "timestamp", "type": "uint64"},
        {"name": "nonce", "type": "bytes32"},
        {"name": "audience", "type": "uint32"},
    ]
}
SIGNER_HEADER = "X-Dataprop-Signer"
TIMESTAMP_HEADER = "X-Dataprop-Timestamp"
NONCE_HEADER = "X-Dataprop-Nonce"
AUDIENCE_HEADER = "X-Dataprop-Audience"
SIGNATURE_HEADER = "X-Dataprop-Signature"
HEADERS = (SIGNER_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, AUDIENCE_HEADER, SIGNATURE_HEADER)


class PeerSignatureError(AuthenticationError):
    """A peer request's signature headers are missing or malformed, or the signature does not
    come from the key it names."""

    code = "peer_signature_invalid"

    def __init__(self, header: str, message: str) -> None:
        self.header = header
        super().__init__(f"{header}: {message}")


@dataclass(frozen=True)
class PeerDomain:
    """The EIP-712 domain of peer requests: the chain and the consortium's CentreRegistry."""

    chain_id: int
    centre_registry: str

    def as_eip712(self) -> dict[str, Any]:
        return {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": to_checksum_address(self.centre_registry),
        }


@dataclass(frozen=True)
class PeerRequest:
    """What the sender signs about one request."""

    method: str
    path: str
    body_digest: bytes
    timestamp: int
    nonce: bytes
    audience: int

    def signable(self, domain: PeerDomain) -> SignableMessage:
        return encode_typed_data(
            domain_data=domain.as_eip712(),
            message_types=PEER_REQUEST_TYPES,
            message_data={
                "method": self.method.upper(),
                "path": self.path,
                "bodyDigest": self.body_digest,
                "timestamp": self.timestamp,
                "nonce": self.nonce,
                "audience": self.audience,
            },
        )


@dataclass(frozen=True)
class SignedPeerRequest:
    """A request as received: what was signed, the key it names and the signature."""

    request: PeerRequest
    signer: str
    signature: bytes

    def recover(self, domain: PeerDomain) -> str:
        """The key that signed; PeerSignatureError unless it is the key the request names."""
        try:
            recovered = str(
                Account.recover_message(self.request.signable(domain), signature=self.signature)
            )
        except Exception as error:  # eth-keys raises several types for bad r/s/v
            raise PeerSignatureError(SIGNATURE_HEADER, f"cannot be recovered: {error}") from None
        if recovered != self.signer:
            raise PeerSignatureError(
                SIGNATURE_HEADER, f"signed by {recovered}, not by {self.signer}"
            )
        return recovered


def sign_request(
    private_key: bytes,
    domain: PeerDomain,
    *,
    method: str,
    path: str,
    body: bytes,
    audience: int,
    timestamp: int,
    nonce: bytes | None = None,
) -> dict[str, str]:
    """The headers that sign a request to centre ``audience``."""
    request = PeerRequest(
        method=method.upper(),
        path=path,
        body_digest=keccak256(body),
        timestamp=timestamp,
        nonce=nonce if nonce is not None else secrets.token_bytes(32),
        audience=audience,
    )
    account = Account.from_key(private_key)
    signed = account.sign_message(request.signable(domain))
    return {
        SIGNER_HEADER: str(account.address),
        TIMESTAMP_HEADER: str(request.timestamp),
        NONCE_HEADER: "0x" + request.nonce.hex(),
        AUDIENCE_HEADER: str(request.audience),
        SIGNATURE_HEADER: "0x" + bytes(signed.signature).hex(),
    }


def read_request(
    headers: Mapping[str, str], *, method: str, path: str, body: bytes
) -> SignedPeerRequest:
    """The signed request a receiver checks; PeerSignatureError naming the first bad header.

    ``headers`` must look names up case-blind (as HTTP headers are).
    """
    values = {}
    for name in HEADERS:
        value = headers.get(name)
        if not value:
            raise PeerSignatureError(name, "missing: the request is not signed by a centre")
        values[name] = value
    signer = values[SIGNER_HEADER]
    if not is_checksum_address(signer):
        raise PeerSignatureError(SIGNER_HEADER, "not an EIP-55 checksummed address")
    return SignedPeerRequest(
        PeerRequest(
            method=method.upper(),
            path=path,
            body_digest=keccak256(body),
            timestamp=_integer(values[TIMESTAMP_HEADER], TIMESTAMP_HEADER, 2**64 - 1),
            nonce=_hex(values[NONCE_HEADER], NONCE_HEADER, 32),
            audience=_integer(values[AUDIENCE_HEADER], AUDIENCE_HEADER, 2**32 - 1),
        ),
        signer=signer,
        signature=_hex(values[SIGNATURE_HEADER], SIGNATURE_HEADER, 65),
    )


def _integer(text: str, header: str, maximum: int) -> int:
    if not text.isdigit() or len(text) > 20 or int(text) > maximum:
        raise PeerSignatureError(header, f"must be a whole number up to {maximum}")
    return int(text)


def _hex(text: str, header: str, size: int) -> bytes:
    if not text.startswith("0x") or len(text) != 2 + 2 * size:
        raise PeerSignatureError(header, f"must be 0x and {2 * size} hex digits")
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        raise PeerSignatureError(header, f"must be 0x and {2 * size} hex digits") from None
