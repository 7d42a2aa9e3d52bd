"""The certificate bundle: everything a bank needs to verify a certificate from a chain RPC alone.

A bundle carries the certificate document exactly as signed, its digest, the
centre's EIP-712 signature and domain, the Merkle proof of the anchored batch
and where that batch was anchored (chain, contracts, block, transaction). The
digest is of the document, not of the bundle, so the bundle's own formatting
is free; :func:`bundle_json` writes it pretty-printed and stable.

Bundles arrive from strangers: :func:`parse_bundle` bounds the size, the
nesting and every list, refuses duplicate keys, floats and NaN, and names the
offending field in an :class:`InvalidFieldError` with the code ``bundle_schema``.
Whether the document inside is a valid certificate is verification's step 1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from itertools import accumulate
from typing import Annotated, Any, Literal, NoReturn

from eth_utils.address import is_checksum_address, to_checksum_address
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from node.documents.canonical import (
    CanonicalisationError,
    canonical_json,
    digest_hex,
    document_digest,
)
from node.documents.schemas import Address, CertificateDocument, Digest, as_json
from node.documents.signing import SigningDomain
from node.domain.errors import InvalidFieldError

MAX_BUNDLE_BYTES = 1024 * 1024
MAX_PROOF_LENGTH = 64
"""A proof of 64 steps covers 2^64 leaves; anything longer is hostile."""
MAX_DOCUMENT_DEPTH = 16
MAX_JSON_DEPTH = 32
"""Checked before decoding: the json module recurses per level and can overflow the C stack."""
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
ERROR_CODE = "bundle_schema"


@lru_cache(maxsize=4096)
def _checksummed(address: str) -> str:
    """An address in its EIP-55 form; a mixed-case address must already carry a valid checksum.

    Cached: every bundle names the same few registries and centre keys, and each
    check costs two keccak-256 runs in Python.
    """
    body = address[2:]
    if body not in (body.lower(), body.upper()) and not is_checksum_address(address):
        raise ValueError("mixed-case address with a wrong EIP-55 checksum")
    return to_checksum_address(address)


Eip55Address = Annotated[Address, AfterValidator(_checksummed)]
Signature = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-f]{130}$")]
TransactionHash = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-f]{64}$")]
ChainId = Annotated[int, Field(ge=1, le=2**53 - 1)]
BlockNumber = Annotated[int, Field(ge=0, le=2**63 - 1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class BundleDomain(_Strict):
    """The EIP-712 domain the signature was made under."""

    chain_id: ChainId
    verifying_contract: Eip55Address

    def signing_domain(self) -> SigningDomain:
        return _signing_domain(self.chain_id, self.verifying_contract)


@lru_cache(maxsize=256)
def _signing_domain(chain_id: int, verifying_contract: str) -> SigningDomain:
    """Shared per domain: building one checksums the address again (frozen, so safe to share)."""
    return SigningDomain(chain_id, verifying_contract)


class BundleAnchor(_Strict):
    """Where the document's batch was anchored, and the proof that leads there."""

    root: Digest
    proof: list[Digest] = Field(max_length=MAX_PROOF_LENGTH)
    leaf_index: Annotated[int, Field(ge=0, lt=2**32)] | None = Field(
        None, description="position of the document in its batch, for humans and auditors"
    )
    transaction_hash: TransactionHash
    block_number: BlockNumber
    chain_id: ChainId
    anchor_registry: Eip55Address
    certificate_registry: Eip55Address
    centre_registry: Eip55Address


class CertificateBundle(_Strict):
    """A signed, anchored certificate document with what it takes to verify it (version 1)."""

    bundle_version: Literal[1] = 1
    document: dict[str, Any] = Field(description="the certificate document exactly as signed")
    digest: Digest = Field(description="keccak-256 of the document's RFC 8785 form")
    signature: Signature = Field(description="the centre's 65-byte EIP-712 signature (r, s, v)")
    signer: Eip55Address = Field(description="the centre key that signed")
    domain: BundleDomain
    anchor: BundleAnchor

    @field_validator("document")
    @classmethod
    def _canonicalisable(cls, document: dict[str, Any]) -> dict[str, Any]:
        _check_depth(document, 1)
        canonical_json(document)  # raises CanonicalisationError (a ValueError) naming the path
        return document


def certificate_bundle(
    document: CertificateDocument,
    *,
    signature: bytes,
    domain: SigningDomain,
    root: bytes,
    proof: Sequence[bytes],
    leaf_index: int | None,
    transaction_hash: bytes,
    block_number: int,
    certificate_registry: str,
    centre_registry: str,
) -> CertificateBundle:
    """The bundle of an issued certificate anchored in a batch on ``domain``'s chain.

    The anchor's chain and AnchorRegistry are the signing domain's: a centre
    signs for the registry it anchors in.
    """
    body: dict[str, Any] = as_json(document)
    return CertificateBundle(
        document=body,
        digest=digest_hex(document_digest(body)),
        signature="0x" + signature.hex(),
        signer=document.centre.signer,
        domain=BundleDomain(chain_id=domain.chain_id, verifying_contract=domain.verifying_contract),
        anchor=BundleAnchor(
            root=digest_hex(root),
            proof=[digest_hex(step) for step in proof],
            leaf_index=leaf_index,
            transaction_hash=digest_hex(transaction_hash),
            block_number=block_number,
            chain_id=domain.chain_id,
            anchor_registry=domain.verifying_contract,
            certificate_registry=certificate_registry,
            centre_registry=centre_registry,
        ),
    )


def bundle_json(bundle: CertificateBundle) -> bytes:
    """The bundle as pretty-printed UTF-8 JSON; the same bundle always gives the same bytes."""
    text = json.dumps(bundle.model_dump(mode="json"), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


def parse_bundle(data: bytes | str) -> CertificateBundle:
    """A bundle from JSON text, refusing anything a hostile sender could abuse.

    Raises :class:`InvalidFieldError` with the code ``bundle_schema`` naming the
    first offending field (``bundle`` for the text as a whole).
    """
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > MAX_BUNDLE_BYTES:
        _fail("bundle", f"is {size} bytes; at most {MAX_BUNDLE_BYTES} are accepted")
    try:
        text = data if isinstance(data, str) else data.decode("utf-8")
    except UnicodeDecodeError as error:
        _fail("bundle", f"is not UTF-8: {error}")
    if _nesting(text) > MAX_JSON_DEPTH:
        _fail("bundle", f"nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_refuse_duplicate_keys,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
        )
    except InvalidFieldError:
        raise
    except ValueError as error:  # JSONDecodeError, integers too long to convert
        _fail("bundle", f"is not JSON: {error}")
    return bundle_of(value)


def _nesting(text: str) -> int:
    """The deepest bracket nesting outside strings, without parsing (or recursing)."""
    brackets = _BRACKET.findall(_STRING.sub("", text))
    return max(accumulate(1 if bracket in "[{" else -1 for bracket in brackets), default=0)


def bundle_of(value: object) -> CertificateBundle:
    """A bundle from an already decoded JSON value (an API body), with the same errors."""
    if not isinstance(value, Mapping):
        _fail("bundle", "must be a JSON object")
    try:
        return CertificateBundle.model_validate(dict(value))
    except ValidationError as validation:
        first = validation.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        cause = first.get("ctx", {}).get("error")
        if isinstance(cause, CanonicalisationError):
            _fail("document" + cause.path.removeprefix("$"), cause.reason)
        if isinstance(cause, _TooDeepError):
            _fail("document", str(cause))
        _fail(field or "bundle", first["msg"])


class _TooDeepError(ValueError):
    """The document nests deeper than any document kind does."""


def _check_depth(value: object, depth: int) -> None:
    if depth > MAX_DOCUMENT_DEPTH:
        raise _TooDeepError(f"nests deeper than {MAX_DOCUMENT_DEPTH} levels")
    if isinstance(value, Mapping):
        for item in value.values():
            _check_depth(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_depth(item, depth + 1)


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in pairs:
        if key in result:
            _fail("bundle", f"has the key {key!r} twice in one object")
        result[key] = item
    return result


def _refuse_float(text: str) -> NoReturn:
    _fail("bundle", f"has the number {text[:40]}; numbers must be integers")


def _refuse_constant(text: str) -> NoReturn:
    _fail("bundle", f"has {text}, which is not JSON")


def _fail(field: str, message: str) -> NoReturn:
    raise InvalidFieldError(field, ERROR_CODE, message)
