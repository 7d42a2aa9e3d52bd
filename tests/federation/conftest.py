"""Three centre nodes on one anvil, shared by the module's tests (real processes on 127.0.0.1).

Qingdao (centre #1, A), Weifang (#2, B) and Dongying (#3, C) run `dataprop node
run` each with its own SQLite database, key and port, started by the same code
as `hardhat-free-local-chain/federation up`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from node.chain.compiler import Build
from node.federation.local_network import LocalNetwork, start_network

pytestmark = pytest.mark.anvil


@pytest.fixture(scope="module")
def network(
    anvil_available: None, build: Build, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalNetwork]:
    started = start_network(
        tmp_path_factory.mktemp("federation") / "network", nodes=3, build_dir=build.path.parent
    )
    try:
        yield started
    finally:
        started.stop()
