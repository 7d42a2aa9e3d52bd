"""Headless Chromium from Debian's packages, driven by Selenium through chromedriver."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,2000",
)
"""The background-networking flags keep Chromium from dialling out of this closed network."""


@pytest.fixture(scope="session")
def chromium_available() -> None:
    """Skip browser tests only outside CI when Chromium is not installed; CI must have it."""
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        if os.environ.get("CI"):
            raise RuntimeError("CI needs Debian's chromium and chromium-driver")
        pytest.skip("chromium and chromium-driver are not installed (apt-get install them)")


@pytest.fixture
def browser(chromium_available: None, tmp_path: Path) -> Iterator[webdriver.Chrome]:
    """A fresh headless Chromium with an empty profile, quit after the test."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)
