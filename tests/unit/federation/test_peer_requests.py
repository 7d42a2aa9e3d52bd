"""Signed requests between centre nodes: what the signature covers, and how headers are read."""

from __future__ import annotations

import pytest
from eth_account import Account

from node.federation.peer_requests import (
    NONCE_HEADER,
    SIGNATURE_HEADER,
    SIGNER_HEADER,
    TIMESTAMP_HEADER,
    PeerDomain,
    PeerSignatureError,
    read_request,
    sign_request,
)

KEY = Account.from_key(b"\x22" * 32)
OTHER = Account.from_key(b"\x33" * 32)
DOMAIN = PeerDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
BODY = b'{"registration_number":"370200-2026-000001-1"}'


def _signed(**changes: object) -> dict[str, str]:
    request: dict[str, object] = {
        "method": "POST",
        "path": "/peer/filings",
        "body": BODY,
        "audience": 1,
        "timestamp": 1_772_000_000,
    }
    request.update(changes)
    return sign_request(bytes(KEY.key), DOMAIN, **request)  # type: ignore[arg-type]


def _read(headers: dict[str, str], **changes: object) -> str:
    received: dict[str, object] = {"method": "POST", "path": "/peer/filings", "body": BODY}
    received.update(changes)
    return read_request(headers, **received).recover(DOMAIN)  # type: ignore[arg-type]


def test_a_signed_request_recovers_its_key_with_what_was_signed() -> None:
    headers = _signed()
    assert headers[SIGNER_HEADER] == KEY.address
    signed = read_request(headers, method="post", path="/peer/filings", body=BODY)
    assert (signed.request.timestamp, signed.request.audience) == (1_772_000_000, 1)
    assert signed.recover(DOMAIN) == KEY.address
    assert _signed()[NONCE_HEADER] != headers[NONCE_HEADER]  # a fresh nonce every time


@pytest.mark.parametrize(
    "received",
    [
        {"body": BODY + b" "},
        {"path": "/peer/filings?again=1"},
        {"method": "PUT"},
    ],
)
def test_a_request_changed_on_the_way_does_not_verify(received: dict[str, object]) -> None:
    with pytest.raises(PeerSignatureError, match="not by") as refused:
        _read(_signed(), **received)
    assert refused.value.header == SIGNATURE_HEADER


@pytest.mark.parametrize(
    ("header", "value"),
    [
        (TIMESTAMP_HEADER, "1772000001"),
        (NONCE_HEADER, "0x" + "00" * 32),
        (SIGNER_HEADER, OTHER.address),
    ],
)
def test_a_signed_header_changed_does_not_verify(header: str, value: str) -> None:
    headers = _signed() | {header: value}
    with pytest.raises(PeerSignatureError):
        _read(headers)


def test_another_domain_does_not_verify() -> None:
    signed = read_request(_signed(), method="POST", path="/peer/filings", body=BODY)
    with pytest.raises(PeerSignatureError):
        signed.recover(PeerDomain(1, DOMAIN.centre_registry))


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        (SIGNATURE_HEADER, "", "missing"),
        (SIGNER_HEADER, KEY.address.lower(), "checksummed"),
        (TIMESTAMP_HEADER, "-5", "whole number"),
        (NONCE_HEADER, "0x1234", "64 hex digits"),
        (SIGNATURE_HEADER, "0x" + "zz" * 65, "130 hex digits"),
    ],
)
def test_malformed_headers_are_named(header: str, value: str, message: str) -> None:
    headers = _signed() | {header: value}
    with pytest.raises(PeerSignatureError, match=message) as refused:
        read_request(headers, method="POST", path="/peer/filings", body=BODY)
    assert refused.value.header == header
    assert refused.value.code == "peer_signature_invalid"
