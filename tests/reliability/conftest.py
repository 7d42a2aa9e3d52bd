"""Fresh anvil chains and a database for the reliability runs.

The database is PostgreSQL when the test server is there (``source
scripts/postgres-up``, as CI does), else a SQLite file: both are real.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from node.chain.compiler import Build
from node.chain.connection import connect_rpc
from node.chain.local_chain import AnvilInstance, start_anvil
from node.store.migrate import upgrade_database
from tests.chain.anchoring_support import Deployment, deploy_consortium
from tests.conftest import LOCAL_CHAIN_DIR
from tests.unit.store.support import POSTGRES_URL_VARIABLE, postgres_database

ChainFactory = Callable[..., tuple[AnvilInstance, Deployment]]


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of this test's own."""
    admin_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if admin_url:
        with postgres_database(admin_url) as url:
            yield url
        return
    url = f"sqlite:///{tmp_path / 'outbox.sqlite'}"
    upgrade_database(url)
    yield url


@pytest.fixture
def fresh_chain(anvil_available: None, build: Build, tmp_path: Path) -> Iterator[ChainFactory]:
    """Start anvil (with a block time, or automining) and deploy the consortium on it;
    every anvil started is stopped afterwards."""
    started: list[AnvilInstance] = []

    def start(block_time: float | None = None) -> tuple[AnvilInstance, Deployment]:
        instance = start_anvil(LOCAL_CHAIN_DIR, tmp_path / "anvil-logs", block_time=block_time)
        started.append(instance)
        data_dir = tmp_path / f"data-{len(started)}"
        return instance, deploy_consortium(connect_rpc(instance.url), build, data_dir)

    try:
        yield start
    finally:
        for instance in started:
            instance.stop()
