"""Reading certificate PDFs the way a person or a forger would: Debian's poppler renders a page
and extracts the text, tesseract reads the page, zxing-cpp scans its QR code, pypdf rewrites the
attachment."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import zxingcpp
from PIL import Image
from pypdf import PdfReader, PdfWriter

from node.documents.bundle_pdf import BUNDLE_ATTACHMENT
from node.reports.certificate_pdf import CertificatePrinter
from node.reports.fonts import CjkFonts, printed_characters
from tests.unit.verification.bundles import bundle

TEST_ENDPOINT = "https://verify.qingdao.example"


def characters_of_test_certificates() -> frozenset[int]:
    """What the tests' certificates print, with ASCII (their numbers, names and keys vary)."""
    text = CertificatePrinter(CjkFonts(Path("/nonexistent"), None), TEST_ENDPOINT).printed_text(
        bundle()
    )
    return printed_characters(text) | frozenset(range(0x20, 0x7F))


def tools_installed() -> bool:
    """Whether poppler's pdftoppm and tesseract with Simplified Chinese are here."""
    if shutil.which("pdftoppm") is None or shutil.which("tesseract") is None:
        return False
    languages = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, check=False
    ).stdout.split()
    return "chi_sim" in languages


def render_page(pdf: bytes, folder: Path, *, dpi: int = 200) -> Path:
    """The first page as a PNG, rendered by poppler."""
    source = folder / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(source),
         str(folder / "page")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return folder / "page.png"


def text_layer(pdf: bytes) -> str:
    """The PDF's text as poppler's pdftotext extracts it (what copy and search see)."""
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],
        input=pdf, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return result.stdout.decode("utf-8")


def read_text(png: Path, *, top: float = 0.3, zoom: int = 1) -> str:
    """What tesseract reads (Simplified Chinese) in the ``top`` part of the image, enlarged
    ``zoom`` times (a screen's pixels are too few), without whitespace: tesseract puts spaces
    between Chinese characters. One thread and a part of the page: reading a whole page takes
    over ten seconds here."""
    with Image.open(png) as image:
        width, height = image.size
        part = png.with_name(f"{png.stem}-read.png")
        cropped = image.crop((0, 0, width, int(height * top)))
        size = (cropped.width * zoom, cropped.height * zoom)
        cropped.resize(size, Image.Resampling.LANCZOS).save(part)
    result = subprocess.run(
        ["tesseract", str(part), "stdout", "-l", "chi_sim", "--psm", "6"],
        check=True, capture_output=True, text=True, timeout=120,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )  # fmt: skip
    return re.sub(r"\s+", "", result.stdout)


def scan_qr_codes(png: Path) -> list[str]:
    """The texts of the QR codes zxing-cpp finds on the page."""
    with Image.open(png) as image:
        return [found.text for found in zxingcpp.read_barcodes(image.convert("L"))]


def with_attachment(pdf: bytes, content: bytes) -> bytes:
    """The PDF's pages with ``content`` attached as the bundle instead: a forger's rewrite."""
    writer = PdfWriter()
    for page in PdfReader(BytesIO(pdf)).pages:
        writer.add_page(page)
    writer.add_attachment(BUNDLE_ATTACHMENT, content)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
