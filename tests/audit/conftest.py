"""One embedded chain with two seeded city nodes, shared by the audit tests of this folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from node.chain.compiler import Build
from node.chain.connection import ChainConnection, connect
from node.config import ChainSettings
from tests.audit.seeding import SeededNode, deploy_cities, seed_node


@dataclass(frozen=True)
class Cities:
    """Qingdao's node (7 certificates, one renewed, one revoked) and Weifang's (2)."""

    connection: ChainConnection
    qingdao: SeededNode
    weifang: SeededNode


@pytest.fixture(scope="package")
def cities(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Cities:
    data_dir: Path = tmp_path_factory.mktemp("cities")
    connection = connect(ChainSettings())
    record = deploy_cities(connection, build, data_dir)
    qingdao = seed_node(connection, build, record, data_dir / "qingdao", centre=0, certificates=6)
    weifang = seed_node(connection, build, record, data_dir / "weifang", centre=1, certificates=2)
    return Cities(connection, qingdao, weifang)
