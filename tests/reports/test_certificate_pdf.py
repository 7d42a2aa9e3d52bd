"""The certificate PDF: the bundle inside byte for byte, Chinese that renders and reads back,
and a QR code that opens the verify page."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from node.documents.bundle import bundle_json
from node.documents.bundle_pdf import attached_bundle, parse_certificate_file
from node.reports.certificate_pdf import CertificatePrinter
from node.reports.fonts import CjkFonts, Weight
from tests.reports.pdf_tools import read_text, render_page, scan_qr_codes, text_layer
from tests.unit.verification.bundles import bundle, certificate

A4_POINTS = (595.28, 841.89)


def test_the_bundle_is_attached_byte_for_byte_and_the_pdf_is_reproducible(
    printer: CertificatePrinter,
) -> None:
    issued = bundle()
    pdf = printer.pdf(issued)

    assert pdf.startswith(b"%PDF-")
    assert attached_bundle(pdf) == bundle_json(issued)
    assert parse_certificate_file(pdf) == issued
    assert printer.pdf(issued) == pdf, "the same bundle gives the same bytes"
    pages = PdfReader(BytesIO(pdf)).pages
    assert len(pages) == 1
    assert tuple(round(float(side), 2) for side in pages[0].mediabox[2:]) == A4_POINTS


def test_the_text_layer_reads_back_in_chinese(printer: CertificatePrinter, pdf_tools: None) -> None:
    issued = bundle()
    text = text_layer(printer.pdf(issued))
    document = issued.document
    for expected in (
        "数据产权登记证书",
        document["registration_number"],
        document["holder"]["name"],
        document["holder"]["credit_code"],
        document["asset"]["name"],
        "数据资源持有权、数据加工使用权、数据产品经营权",
        "2029年3月1日",
        document["centre"]["name"],
        issued.digest,
        issued.anchor.transaction_hash,
    ):
        assert expected in text, expected


def test_a_rendered_page_reads_back_and_its_qr_code_opens_the_verify_page(
    printer: CertificatePrinter, pdf_tools: None, tmp_path: Path
) -> None:
    issued = bundle()
    number_text = issued.document["registration_number"]
    png = render_page(printer.pdf(issued), tmp_path)

    assert scan_qr_codes(png) == [f"https://verify.qingdao.example/verify?number={number_text}"]
    assert scan_qr_codes(png) == [printer.verify_url(number_text)]
    seen = read_text(png)
    assert "数据产权登记证书" in seen
    assert issued.document["holder"]["name"] in seen
    assert number_text in seen


def test_a_name_beyond_the_cut_is_set_from_the_full_face(
    printer: CertificatePrinter, cjk_fonts: CjkFonts, pdf_tools: None
) -> None:
    rare = "青岛王堃数据科技有限公司"  # 堃 is in no cut of the tests, nor in GB 2312
    issued = bundle(certificate(serial=7, holder_name=rare))

    assert cjk_fonts.face(Weight.REGULAR, printer.printed_text(issued)) == cjk_fonts.full_face(
        Weight.REGULAR
    )
    assert cjk_fonts.face(Weight.REGULAR, printer.printed_text(bundle())).path.suffix == ".otf"
    assert rare in text_layer(printer.pdf(issued))


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://127.0.0.1:8000/"], ids=["bare", "trailing-slash"]
)
def test_the_verify_url_is_the_pages_number_link(cjk_fonts: CjkFonts, url: str) -> None:
    printer = CertificatePrinter(cjk_fonts, url)
    assert printer.verify_url("370200-2026-000001-1") == (
        "http://127.0.0.1:8000/verify?number=370200-2026-000001-1"
    )
