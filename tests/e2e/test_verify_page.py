"""The public verify page in headless Chromium, against a real uvicorn and the embedded chain:
bundles pasted or uploaded, QR links, certificate PDFs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from api.main import create_app
from node.chain.compiler import Build
from node.chain.connection import ChainConnection
from node.chain.local_chain import free_port
from node.documents.bundle import bundle_json
from node.reports.certificate_pdf import CertificatePrinter
from node.reports.fonts import CjkFonts
from tests.api.serving import serving
from tests.api.verifying_node import VerifyingNode, verifying_node
from tests.chain.verification_support import tamper
from tests.reports.pdf_tools import read_text, render_page, scan_qr_codes, with_attachment

SETTLED = ("valid", "invalid", "error")


@pytest.fixture
def node(embedded_chain: ChainConnection, build: Build, tmp_path: Path) -> VerifyingNode:
    return verifying_node(embedded_chain, build, tmp_path / "deployed")


@pytest.fixture
def page(node: VerifyingNode) -> Iterator[str]:
    with serving(create_app(node.verifier)) as url:
        yield f"{url}/verify"


def _verdict(browser: webdriver.Chrome) -> str:
    """The verdict once the page has one, then the outcome of every check row."""
    verdict = browser.find_element(By.ID, "verdict")
    WebDriverWait(browser, 15).until(lambda _: verdict.get_attribute("data-verdict") in SETTLED)
    return str(verdict.get_attribute("data-verdict"))


def _outcomes(browser: webdriver.Chrome) -> dict[str, str]:
    rows = browser.find_elements(By.CSS_SELECTOR, "#checks tbody tr")
    return {
        str(row.get_attribute("data-check")): str(row.get_attribute("data-outcome")) for row in rows
    }


def _paste_and_verify(browser: webdriver.Chrome, text: str) -> str:
    area = browser.find_element(By.ID, "bundle")
    browser.execute_script("arguments[0].value = arguments[1]", area, text)
    browser.find_element(By.ID, "verify-bundle").click()
    return _verdict(browser)


def test_a_pasted_bundle_is_valid_and_a_tampered_one_is_not(
    browser: webdriver.Chrome, page: str, node: VerifyingNode
) -> None:
    browser.get(page)
    assert "证书核验" in browser.title
    original = bundle_json(node.valid)

    assert _paste_and_verify(browser, original.decode()) == "valid"
    assert "证书有效" in browser.find_element(By.ID, "verdict").text
    assert "Certificate valid" in browser.find_element(By.ID, "verdict").text
    assert set(_outcomes(browser).values()) == {"passed", "skipped"}
    assert len(_outcomes(browser)) == 9
    assert node.valid_number in browser.find_element(By.ID, "facts").text

    assert _paste_and_verify(browser, tamper(original).decode()) == "invalid"
    assert "证书无效" in browser.find_element(By.ID, "verdict").text
    assert _outcomes(browser)["digest"] == "failed"
    digest_row = browser.find_element(By.CSS_SELECTOR, '#checks tr[data-check="digest"]')
    assert "内容未被篡改" in digest_row.text and "Content unaltered" in digest_row.text


def test_an_uploaded_file_and_a_qr_link_are_verified(
    browser: webdriver.Chrome, page: str, node: VerifyingNode, tmp_path: Path
) -> None:
    browser.get(f"{page}?number={node.valid_number}")
    assert _verdict(browser) == "valid"
    assert browser.find_element(By.ID, "number").get_attribute("value") == node.valid_number

    tampered = tmp_path / "tampered.json"
    tampered.write_bytes(tamper(bundle_json(node.valid)))
    browser.get(page)
    browser.find_element(By.ID, "bundle-file").send_keys(str(tampered))
    assert _verdict(browser) == "invalid"


def test_unusable_input_shows_the_error_in_both_languages(
    browser: webdriver.Chrome, page: str
) -> None:
    browser.get(page)
    assert _paste_and_verify(browser, "{not json") == "error"
    assert "无法核验" in browser.find_element(By.ID, "verdict").text
    assert "bundle_schema" in browser.find_element(By.ID, "error").text


@pytest.fixture
def certificate_node(node: VerifyingNode, cjk_fonts: CjkFonts, pdf_tools: None) -> Iterator[str]:
    """The node served with certificate PDFs whose QR codes point at it; its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(node.verifier, printer=CertificatePrinter(cjk_fonts, url))
    with serving(app, port=port):
        yield url


def test_a_certificate_pdf_is_verified_from_its_qr_code_or_as_an_upload(
    browser: webdriver.Chrome, certificate_node: str, node: VerifyingNode, tmp_path: Path
) -> None:
    pdf = httpx.get(f"{certificate_node}/certificates/{node.valid_number}.pdf", timeout=30).content
    [link] = scan_qr_codes(render_page(pdf, tmp_path))
    assert link == f"{certificate_node}/verify?number={node.valid_number}"
    browser.get(link)
    assert _verdict(browser) == "valid"

    upload = tmp_path / "certificate.pdf"
    upload.write_bytes(pdf)
    browser.get(f"{certificate_node}/verify")
    browser.find_element(By.ID, "bundle-file").send_keys(str(upload))
    assert _verdict(browser) == "valid"
    assert node.valid_number in browser.find_element(By.ID, "facts").text

    forged = tmp_path / "forged.pdf"
    forged.write_bytes(with_attachment(pdf, tamper(bundle_json(node.valid))))
    browser.get(f"{certificate_node}/verify")
    browser.find_element(By.ID, "bundle-file").send_keys(str(forged))
    assert _verdict(browser) == "invalid"
    assert _outcomes(browser)["digest"] == "failed"

    shot = tmp_path / "verdict.png"
    browser.find_element(By.ID, "verdict").screenshot(str(shot))
    assert "证书无效" in read_text(shot, top=1.0, zoom=3), "Chromium draws the Chinese verdict"
