"""Certificate PDFs over real HTTP: served by number, verified when posted back, refused when
forged, against the embedded chain."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.main import create_app
from node.chain.compiler import Build
from node.chain.connection import connect
from node.config import ChainSettings
from node.documents.bundle import bundle_json
from node.documents.bundle_pdf import MAX_PDF_BYTES, attached_bundle
from node.reports.certificate_pdf import CertificatePrinter
from tests.api.serving import serving
from tests.api.verifying_node import VerifyingNode, verifying_node
from tests.chain.verification_support import tamper
from tests.reports.pdf_tools import with_attachment
from tests.unit.domain.builders import number

PDF = {"content-type": "application/pdf"}


@pytest.fixture(scope="module")
def node(  # one node for the module: the tests only read from it
    build: Build, tmp_path_factory: pytest.TempPathFactory
) -> VerifyingNode:
    return verifying_node(connect(ChainSettings()), build, tmp_path_factory.mktemp("deployed"))


@pytest.fixture(scope="module")
def client(node: VerifyingNode, printer: CertificatePrinter) -> Iterator[httpx.Client]:
    app = create_app(node.verifier, printer=printer)
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def certificate_pdf(client: httpx.Client, node: VerifyingNode) -> bytes:
    response = client.get(f"/certificates/{node.valid_number}.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'inline; filename="{node.valid_number}.pdf"'
    )
    return response.content


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    return error


def test_the_served_pdf_carries_the_nodes_bundle(
    certificate_pdf: bytes, client: httpx.Client, node: VerifyingNode
) -> None:
    served_bundle = client.get(f"/certificates/{node.valid_number}/bundle").content
    assert attached_bundle(certificate_pdf) == served_bundle == bundle_json(node.valid)


def test_the_pdf_posted_back_verifies_valid_and_a_forged_one_does_not(
    certificate_pdf: bytes, client: httpx.Client, node: VerifyingNode
) -> None:
    report = client.post("/verify", headers=PDF, content=certificate_pdf).json()
    assert report["verdict"] == "valid"
    assert report["registration_number"] == node.valid_number

    forged = with_attachment(certificate_pdf, tamper(bundle_json(node.valid)))
    report = client.post("/verify", headers=PDF, content=forged).json()
    assert report["verdict"] == "invalid"
    outcomes = {check["name"]: check["outcome"] for check in report["checks"]}
    assert outcomes["digest"] == "failed"

    as_json = client.post("/verify", content=certificate_pdf).json()
    assert as_json["verdict"] == "valid", "a PDF is recognised whatever its declared type"


def test_unusable_pdfs_are_refused_in_the_one_shape(
    certificate_pdf: bytes, client: httpx.Client
) -> None:
    error = _error(
        client.post("/verify", headers=PDF, content=certificate_pdf[:4000]),
        422,
        "certificate_pdf",
    )
    assert error["field"] == "pdf"
    oversize = certificate_pdf + b" " * MAX_PDF_BYTES
    _error(client.post("/verify", headers=PDF, content=oversize), 413, "payload_too_large")
    _error(client.get(f"/certificates/{number(99)}.pdf"), 404, "certificate_not_found")
    error = _error(client.get("/certificates/370200-2026-1.pdf"), 422, "registration_number_format")
    assert error["field"] == "registration_number"


def test_an_app_without_a_printer_answers_503(node: VerifyingNode) -> None:
    with serving(create_app(node.verifier)) as url:
        response = httpx.get(f"{url}/certificates/{node.valid_number}.pdf", timeout=10)
    _error(response, 503, "certificate_pdf_unavailable")
