"""Public verification over real HTTP: uvicorn on 127.0.0.1, the embedded chain behind it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.main import create_app
from node.chain.compiler import Build
from node.chain.connection import ChainConnection
from node.chain.types import CertificateStatus
from node.documents.bundle import MAX_BUNDLE_BYTES, bundle_json
from node.documents.canonical import keccak256, parse_digest
from tests.api.serving import serving
from tests.api.verifying_node import VerifyingNode, verifying_node
from tests.chain.verification_support import WEIFANG, deploy_consortium, tamper
from tests.unit.domain.builders import number


@pytest.fixture
def node(embedded_chain: ChainConnection, build: Build, tmp_path: Path) -> VerifyingNode:
    return verifying_node(embedded_chain, build, tmp_path / "deployed")


@pytest.fixture
def client(node: VerifyingNode) -> Iterator[httpx.Client]:
    with serving(create_app(node.verifier)) as url, httpx.Client(base_url=url, timeout=10) as http:
        yield http


def _outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {check["name"]: check["outcome"] for check in report["checks"]}


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert set(error) == {"code", "message", "field"}
    return error


def test_a_posted_valid_bundle_is_valid_with_every_check_and_the_chain_read(
    client: httpx.Client, node: VerifyingNode
) -> None:
    response = client.post("/verify", content=bundle_json(node.valid))
    assert response.status_code == 200
    report = response.json()
    assert report["verdict"] == "valid"
    assert report["registration_number"] == node.valid_number
    assert [check["step"] for check in report["checks"]] == list(range(1, 10))
    assert set(_outcomes(report).values()) == {"passed", "skipped"}
    connection = node.consortium.contracts.connection
    assert report["chain_id"] == connection.chain_id
    assert report["block_number"] == connection.w3.eth.block_number
    assert report["contracts"]["certificate_registry"] == node.valid.anchor.certificate_registry
    assert report["centre"]["region_code"] == "370200"
    assert report["pledges"] == []


def test_a_tampered_bundle_is_not_valid_and_says_why(
    client: httpx.Client, node: VerifyingNode
) -> None:
    report = client.post("/verify", content=tamper(bundle_json(node.valid))).json()
    assert report["verdict"] == "invalid"
    assert _outcomes(report)["digest"] == "failed"
    reason = next(check["reason"] for check in report["checks"] if check["name"] == "digest")
    assert "not the one that was issued" in reason


def test_pledges_and_peer_recognition_are_reported(
    client: httpx.Client, node: VerifyingNode
) -> None:
    report = client.post("/verify", content=bundle_json(node.pledged)).json()
    assert report["verdict"] == "valid"
    assert [pledge["priority"] for pledge in report["pledges"]] == [1]
    as_peer = client.post(
        "/verify", params={"as_centre": WEIFANG}, content=bundle_json(node.valid)
    ).json()
    assert as_peer["verdict"] == "invalid"
    assert _outcomes(as_peer)["recognition"] == "failed"


def test_a_bundle_naming_a_registry_of_another_consortium_fails_its_checks(
    client: httpx.Client, node: VerifyingNode, build: Build, tmp_path: Path
) -> None:
    connection = node.consortium.contracts.connection
    foreign = deploy_consortium(connection, build, tmp_path / "foreign")
    anchor = node.valid.anchor.model_copy(
        update={"certificate_registry": foreign.address("CertificateRegistry")}
    )
    forged = node.valid.model_copy(update={"anchor": anchor})
    report = client.post("/verify", content=bundle_json(forged)).json()
    assert report["verdict"] == "invalid"
    assert report["contracts"]["certificate_registry"] == node.valid.anchor.certificate_registry
    reason = next(check["reason"] for check in report["checks"] if check["name"] == "status")
    assert reason.startswith(f"the bundle names CertificateRegistry {anchor.certificate_registry}")


def test_an_oversize_body_is_refused_before_it_is_read(client: httpx.Client) -> None:
    oversize = b" " * (MAX_BUNDLE_BYTES + 1)
    _error(client.post("/verify", content=oversize), 413, "payload_too_large")

    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BUNDLE_BYTES // 65536 + 2):
            yield b" " * 65536

    _error(client.post("/verify", content=chunks()), 413, "payload_too_large")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "bundle"),
        (b"[" * 200_000 + b"]" * 200_000, "bundle"),
        (b'{"bundle_version": 1}', "document"),
    ],
    ids=["not-json", "deeply-nested", "missing-fields"],
)
def test_a_malformed_bundle_is_refused_naming_the_field(
    client: httpx.Client, body: bytes, field: str
) -> None:
    error = _error(client.post("/verify", content=body), 422, "bundle_schema")
    assert error["field"] == field
    assert client.get("/health").status_code == 200, "the server survived"


def test_a_certificate_of_this_node_verifies_by_number_and_gives_its_bundle(
    client: httpx.Client, node: VerifyingNode
) -> None:
    report = client.get(f"/verify/{node.valid_number}").json()
    assert report["verdict"] == "valid"
    assert report["registration_number"] == node.valid_number
    response = client.get(f"/certificates/{node.valid_number}/bundle")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == bundle_json(node.valid)


def test_unknown_and_malformed_numbers_are_errors_in_the_one_shape(client: httpx.Client) -> None:
    unknown = number(99)
    for path in (f"/verify/{unknown}", f"/certificates/{unknown}/bundle"):
        _error(client.get(path), 404, "certificate_not_found")
    error = _error(client.get("/verify/370200-2026-1"), 422, "registration_number_format")
    assert error["field"] == "registration_number"
    _error(client.get("/no/such/route"), 404, "not_found")
    _error(client.post("/verify", params={"as_centre": 0}, content=b"{}"), 422, "request_invalid")


def test_a_revocation_shows_on_the_next_verification(
    client: httpx.Client, node: VerifyingNode
) -> None:
    assert client.get(f"/verify/{node.valid_number}").json()["verdict"] == "valid"
    node.consortium.writer(node.consortium.qingdao).certificates.set_status(
        parse_digest(node.valid.document["certificate_id"]),
        CertificateStatus.REVOKED,
        keccak256(b"revocation decision"),
    )
    report = client.get(f"/verify/{node.valid_number}").json()
    assert report["verdict"] == "invalid"
    assert _outcomes(report)["status"] == "failed"


def test_an_app_without_a_chain_answers_503_in_the_one_shape(node: VerifyingNode) -> None:
    with serving(create_app()) as url:
        response = httpx.post(f"{url}/verify", content=bundle_json(node.valid), timeout=10)
    _error(response, 503, "verification_unavailable")
