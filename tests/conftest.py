"""Fixtures shared by every test: the repository, the compiled contracts, the chains."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.chain.compiler import Build, compile_contracts
from node.chain.connection import ChainConnection, connect, connect_rpc
from node.chain.local_chain import AnvilInstance, anvil_binary, start_anvil
from node.config import REPO_ROOT, ChainSettings

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
