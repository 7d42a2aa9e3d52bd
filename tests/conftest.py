"""Fixtures shared by every test: the repository, the compiled contracts, the chains."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.chain.compiler import Build, compile_contracts
from node.chain.connection import ChainConnection, connect, connect_rpc
from node.chain.local_chain import AnvilInstance, anvil_binary, start_anvil
from node.config import REPO_ROOT, ChainSettings, ReportSettings
from node.reports.certificate_pdf import CertificatePrinter
from node.reports.fonts import CjkFonts, Weight
from tests.reports.pdf_tools import TEST_ENDPOINT, characters_of_test_certificates, tools_installed

CONTRACTS_DIR = REPO_ROOT / "contracts"
LOCAL_CHAIN_DIR = REPO_ROOT / "hardhat-free-local-chain"


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The project's contracts, compiled once per test session."""
    return compile_contracts(CONTRACTS_DIR, tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def anvil_available() -> None:
    """Skip anvil tests only outside CI when anvil is not installed; CI must have it."""
    try:
        anvil_binary(LOCAL_CHAIN_DIR)
    except Exception:
        if os.environ.get("CI"):
            raise
        pytest.skip("anvil is not installed (run scripts/dev-setup)")


@pytest.fixture
def anvil(anvil_available: None, tmp_path: Path) -> Iterator[AnvilInstance]:
    """A fresh anvil on a free port, stopped after the test even when it fails."""
    instance = start_anvil(LOCAL_CHAIN_DIR, tmp_path / "anvil-logs")
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def embedded_chain() -> ChainConnection:
    """A fresh in-process eth-tester chain."""
    return connect(ChainSettings())


@pytest.fixture(params=["embedded", "anvil"])
def chain(request: pytest.FixtureRequest) -> ChainConnection:
    """The same test on the embedded chain and on a real anvil."""
    if request.param == "embedded":
        return connect(ChainSettings())
    instance: AnvilInstance = request.getfixturevalue("anvil")
    return connect_rpc(instance.url)


def require_debian_package(present: bool, package: str) -> None:
    """Skip a test only outside CI when a Debian package it needs is missing; CI must have it."""
    if not present:
        if os.environ.get("CI"):
            raise RuntimeError(f"CI needs Debian's {package} (scripts/run-tests installs it)")
        pytest.skip(f"{package} is not installed (apt-get install it; scripts/run-tests does)")


@pytest.fixture(scope="session")
def cjk_fonts(tmp_path_factory: pytest.TempPathFactory) -> CjkFonts:
    """Debian's Noto Sans CJK, cut to what the tests' certificates print: a cut of a second,
    where the common characters take seconds (the cutting is the same)."""
    font_dir = ReportSettings().font_dir
    require_debian_package((font_dir / Weight.REGULAR.file_name).is_file(), "fonts-noto-cjk")
    return CjkFonts(
        font_dir, tmp_path_factory.mktemp("fonts"), characters=characters_of_test_certificates()
    )


@pytest.fixture(scope="session")
def printer(cjk_fonts: CjkFonts) -> CertificatePrinter:
    """Certificate PDFs whose QR codes open the verify page of :data:`TEST_ENDPOINT`."""
    return CertificatePrinter(cjk_fonts, TEST_ENDPOINT)


@pytest.fixture(scope="session")
def pdf_tools() -> None:
    """Poppler and tesseract with Simplified Chinese, to render and read certificate PDFs."""
    require_debian_package(tools_installed(), "poppler-utils, tesseract-ocr-chi-sim")
