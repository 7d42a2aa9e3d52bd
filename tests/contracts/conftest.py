"""A deployed consortium of three genesis centres, on the embedded chain and on anvil.

Each test gets the chain rolled back to just after deployment (evm_snapshot /
evm_revert, which both eth-tester and anvil implement), so tests stay independent
without redeploying.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount

from node.chain.compiler import Build
from node.chain.connection import ChainConnection, connect, connect_rpc, dev_accounts
from node.chain.contracts import DatapropContracts, bind_contracts
from node.chain.deployment import GenesisCentre, dataprop_plan, deploy
from node.chain.local_chain import AnvilInstance, start_anvil
from node.chain.transactions import TransactionSender
from node.config import ChainBackend, ChainSettings
from tests.conftest import LOCAL_CHAIN_DIR

PROPOSAL_LIFETIME = 3600
GENESIS = (
    (370200, "青岛市数据资产登记评价中心", "http://127.0.0.1:9001"),
    (370700, "潍坊市数据资产登记中心", "http://127.0.0.1:9002"),
    (370500, "东营市数据资产登记中心", "http://127.0.0.1:9003"),
)


@dataclass
class Consortium:
    """Three genesis centres A, B, C (ids 1, 2, 3), spare keys, and an outsider."""

    connection: ChainConnection
    deployer: LocalAccount
    keys: list[LocalAccount]  # keys[0..2] are the centres' signers
    spare: list[LocalAccount]  # never used yet: new centres, rotated keys
    outsider: LocalAccount
    contracts: DatapropContracts

    def as_(self, account: LocalAccount) -> DatapropContracts:
        """The contracts as seen and written by one account."""
        return self.contracts.as_account(account)

    @property
    def a(self) -> DatapropContracts:
        return self.as_(self.keys[0])

    @property
    def b(self) -> DatapropContracts:
        return self.as_(self.keys[1])

    @property
    def c(self) -> DatapropContracts:
        return self.as_(self.keys[2])

    @property
    def anyone(self) -> DatapropContracts:
        return self.as_(self.outsider)

    def set_next_block_timestamp(self, timestamp: int) -> None:
        """Make the next mined block carry exactly ``timestamp``.

        eth-tester does not know ``evm_increaseTime`` (it answers "Unknown RPC
        Endpoint" and only mines); its equivalent is ``testing_timeTravel``.
        """
        provider = self.connection.w3.provider
        method = (
            "testing_timeTravel"
            if self.connection.backend is ChainBackend.EMBEDDED
            else "evm_setNextBlockTimestamp"
        )
        answer = provider.make_request(method, [timestamp])  # type: ignore[arg-type]
        assert "error" not in answer, answer

    def latest_timestamp(self) -> int:
        return int(self.connection.w3.eth.get_block("latest")["timestamp"])

    def advance_time(self, seconds: int) -> None:
        """Move the chain clock forward by ``seconds`` and mine a block, on both backends."""
        self.set_next_block_timestamp(self.latest_timestamp() + seconds)
        self.connection.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def _deploy(connection: ChainConnection, build: Build, tmp: Path) -> Consortium:
    accounts = dev_accounts(connection)
    deployer, keys, spare, outsider = accounts[0], accounts[1:4], accounts[4:9], accounts[9]
    genesis = [
        GenesisCentre(key.address, region, name, endpoint)
        for key, (region, name, endpoint) in zip(keys, GENESIS, strict=True)
    ]
    sender = TransactionSender(connection.w3, deployer)
    record = deploy(connection, sender, build, dataprop_plan(genesis, PROPOSAL_LIFETIME), tmp)
    contracts = bind_contracts(connection, record, build)
    return Consortium(connection, deployer, list(keys), list(spare), outsider, contracts)


@pytest.fixture(scope="session")
def embedded_consortium(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Consortium:
    return _deploy(connect(ChainSettings()), build, tmp_path_factory.mktemp("embedded"))


@pytest.fixture(scope="session")
def anvil_session(
    anvil_available: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AnvilInstance]:
    instance = start_anvil(LOCAL_CHAIN_DIR, tmp_path_factory.mktemp("anvil-logs"))
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="session")
def anvil_consortium(
    anvil_session: AnvilInstance, build: Build, tmp_path_factory: pytest.TempPathFactory
) -> Consortium:
    return _deploy(connect_rpc(anvil_session.url), build, tmp_path_factory.mktemp("anvil"))


@pytest.fixture(params=["embedded", "anvil"])
def consortium(request: pytest.FixtureRequest) -> Iterator[Consortium]:
    """The deployed consortium on each chain, rolled back after every test."""
    deployed: Consortium = request.getfixturevalue(f"{request.param}_consortium")
    provider = deployed.connection.w3.provider
    snapshot = provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    try:
        yield deployed
    finally:
        provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
