"""The certificate bundle: built from parts, written stably, parsed defensively."""

from __future__ import annotations

import json
from typing import Any

import pytest

from node.documents.bundle import (
    MAX_BUNDLE_BYTES,
    MAX_DOCUMENT_DEPTH,
    CertificateBundle,
    bundle_json,
    bundle_of,
    parse_bundle,
)
from node.documents.canonical import digest_hex, document_digest, parse_digest
from node.documents.merkle import leaf_of_digest, process_proof
from node.documents.schemas import as_json
from node.domain.errors import InvalidFieldError
from tests.unit.verification.bundles import (
    ANCHOR_BLOCK,
    ANCHOR_REGISTRY,
    CENTRE_KEY,
    CENTRE_REGISTRY,
    CERTIFICATE_REGISTRY,
    CHAIN_ID,
    TRANSACTION_HASH,
    batch_of,
    bundle,
    certificate,
)


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _wire() -> dict[str, Any]:
    """A valid bundle as decoded JSON, to break one field at a time."""
    loaded: dict[str, Any] = json.loads(bundle_json(bundle()))
    return loaded


def _error(data: bytes | str) -> InvalidFieldError:
    with pytest.raises(InvalidFieldError) as caught:
        parse_bundle(data)
    assert caught.value.code == "bundle_schema"
    return caught.value


def test_a_bundle_carries_what_verification_needs() -> None:
    document = certificate()
    subject = bundle(document)
    tree = batch_of(document)
    assert subject.bundle_version == 1
    assert subject.document == as_json(document)
    assert subject.digest == digest_hex(document_digest(subject.document))
    assert subject.signer == CENTRE_KEY.address == document.centre.signer
    assert len(bytes.fromhex(subject.signature[2:])) == 65
    assert (subject.domain.chain_id, subject.domain.verifying_contract) == (
        CHAIN_ID,
        ANCHOR_REGISTRY,
    )
    anchor = subject.anchor
    assert (anchor.chain_id, anchor.anchor_registry) == (CHAIN_ID, ANCHOR_REGISTRY)
    assert (anchor.centre_registry, anchor.certificate_registry) == (
        CENTRE_REGISTRY,
        CERTIFICATE_REGISTRY,
    )
    assert (anchor.block_number, anchor.leaf_index) == (ANCHOR_BLOCK, 0)
    assert anchor.transaction_hash == digest_hex(TRANSACTION_HASH)
    assert parse_digest(anchor.root) == tree.root
    proof = [parse_digest(step) for step in anchor.proof]
    assert process_proof(leaf_of_digest(parse_digest(subject.digest)), proof) == tree.root


def test_bundle_json_is_stable_pretty_and_round_trips() -> None:
    subject = bundle()
    written = bundle_json(subject)
    assert written == bundle_json(parse_bundle(written))
    assert written.endswith(b"}\n")
    assert b'\n  "document": {' in written
    assert "青岛".encode() in written  # UTF-8, not \u escapes
    assert parse_bundle(written) == subject
    assert parse_bundle(written.decode()) == subject


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("bundle_version",), 2, "bundle_version"),
        (("digest",), "0x1234", "digest"),
        (("digest",), "0x" + "AB" * 32, "digest"),
        (("signature",), "0x" + "00" * 64, "signature"),
        (("signer",), "not an address", "signer"),
        (("domain", "chain_id"), 0, "domain.chain_id"),
        (("domain", "chain_id"), "31337", "domain.chain_id"),
        (("domain", "chain_id"), True, "domain.chain_id"),
        (("domain", "verifying_contract"), "0x12", "domain.verifying_contract"),
        (("anchor", "root"), None, "anchor.root"),
        (("anchor", "proof"), ["0x" + "zz" * 32], "anchor.proof.0"),
        (("anchor", "proof"), "0x" + "00" * 32, "anchor.proof"),
        (("anchor", "leaf_index"), -1, "anchor.leaf_index"),
        (("anchor", "transaction_hash"), "0x", "anchor.transaction_hash"),
        (("anchor", "block_number"), -1, "anchor.block_number"),
        (("anchor", "block_number"), 2**63, "anchor.block_number"),
        (("anchor", "chain_id"), 2**53, "anchor.chain_id"),
        (("anchor", "centre_registry"), "", "anchor.centre_registry"),
        (("document",), [], "document"),
        (("extra",), "field", "extra"),
    ],
)
def test_a_malformed_field_is_named(path: tuple[str, ...], value: object, field: str) -> None:
    wire = _wire()
    target = wire
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert _error(_json(wire)).field == field


def test_addresses_are_checked_and_written_in_eip55_form() -> None:
    wire = _wire()
    wire["anchor"]["centre_registry"] = CENTRE_REGISTRY.lower()
    assert parse_bundle(_json(wire)).anchor.centre_registry == CENTRE_REGISTRY
    wire["anchor"]["centre_registry"] = CENTRE_REGISTRY.swapcase().replace("0X", "0x")
    error = _error(_json(wire))
    assert error.field == "anchor.centre_registry"
    assert "EIP-55" in error.detail


def test_a_missing_field_is_named() -> None:
    wire = _wire()
    del wire["anchor"]["certificate_registry"]
    assert _error(_json(wire)).field == "anchor.certificate_registry"


def test_the_proof_length_is_bounded() -> None:
    wire = _wire()
    wire["anchor"]["proof"] = ["0x" + "00" * 32] * 65
    error = _error(_json(wire))
    assert error.field == "anchor.proof"
    wire["anchor"]["proof"] = ["0x" + "00" * 32] * 64
    assert len(parse_bundle(_json(wire)).anchor.proof) == 64


@pytest.mark.parametrize(
    "text",
    [
        '{"digest": "0x00", "digest": "0x11"}',
        '{"document": {"kind": "certificate", "kind": "notice"}}',
    ],
)
def test_duplicate_keys_are_refused(text: str) -> None:
    error = _error(text)
    assert error.field == "bundle"
    assert "twice" in error.detail


@pytest.mark.parametrize("number", ["1.0", "1e3", "-0.5"])
def test_floats_are_refused(number: str) -> None:
    wire = _json(_wire()).replace(b'"block_number": 10', b'"block_number": ' + number.encode())
    error = _error(wire)
    assert error.field == "bundle"
    assert "integers" in error.detail


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_refused(constant: str) -> None:
    wire = _json(_wire()).replace(b'"block_number": 10', b'"block_number": ' + constant.encode())
    assert "not JSON" in _error(wire).detail


def test_a_float_in_a_document_given_as_python_names_its_path() -> None:
    wire = _wire()
    wire["document"]["asset"]["scale"] = 1.5
    with pytest.raises(InvalidFieldError) as caught:
        bundle_of(wire)
    assert caught.value.field == "document.asset.scale"
    assert caught.value.code == "bundle_schema"


def test_an_oversize_bundle_is_refused_before_parsing() -> None:
    wire = _wire()
    wire["document"]["padding"] = "x" * MAX_BUNDLE_BYTES
    error = _error(_json(wire))
    assert error.field == "bundle"
    assert str(MAX_BUNDLE_BYTES) in error.detail


def test_a_document_nested_too_deep_is_refused() -> None:
    nested: object = "leaf"
    for _ in range(MAX_DOCUMENT_DEPTH):
        nested = {"n": nested}
    wire = _wire()
    wire["document"]["details"] = nested
    error = _error(_json(wire))
    assert error.field == "document"
    assert "deeper" in error.detail


def test_json_nested_beyond_the_parsers_stack_is_refused() -> None:
    error = _error("[" * 200_000 + "]" * 200_000)
    assert error.field == "bundle"


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"", "not JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"bundle_version": ' + b"9" * 5000 + b"}", "not JSON"),
    ],
)
def test_text_that_is_not_a_json_object_is_refused(data: bytes, detail: str) -> None:
    error = _error(data)
    assert error.field == "bundle"
    assert detail in error.detail


def test_a_bundle_is_immutable() -> None:
    subject = bundle()
    with pytest.raises(ValueError, match="frozen"):
        subject.digest = "0x" + "00" * 32  # type: ignore[misc]
    assert isinstance(subject, CertificateBundle)
