"""A deployed consortium and an outbox database for the anchoring worker's tests.

Shared by ``tests/chain/test_anchoring.py`` and ``tests/reliability``: deploy
two centres (A sends, B is another city), fill the outbox through the store
port as issuance does, and check on chain that every document is anchored
exactly once.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from sqlalchemy import select

from node.chain.anchoring import AnchoringWorker, CycleReport, WorkerSettings
from node.chain.compiler import Build
from node.chain.connection import ChainConnection, dev_accounts
from node.chain.contracts import DatapropContracts, bind_contracts
from node.chain.deployment import DeploymentRecord, GenesisCentre, dataprop_plan, deploy
from node.chain.events import BatchAnchored
from node.chain.transactions import TransactionSender
from node.documents.merkle import leaf_of_digest
from node.domain.calendar import Clock
from node.store.db import create_engine_for, session_factory
from node.store.models import AnchorBatchRow, AnchorJobRow
from node.store.records import AnchorBatchStatus, AnchorJobStatus
from node.store.sender_lock import sender_lock
from node.store.unit_of_work import SqlUnitOfWork
from tests.unit.store.support import new_document

GENESIS = (
    (370200, "青岛市数据资产登记评价中心", "http://127.0.0.1:9001"),
    (370700, "潍坊市数据资产登记中心", "http://127.0.0.1:9002"),
)


@dataclass(frozen=True)
class Deployment:
    """Two genesis centres: ``centre`` (id 1) sends, ``other`` (id 2) is another city."""

    connection: ChainConnection
    build: Build
    record: DeploymentRecord
    data_dir: Path
    deployer: LocalAccount
    centre: LocalAccount
    other: LocalAccount

    def rpc(self, method: str, *params: Any) -> Any:
        """A raw JSON-RPC call (evm_mine, anvil_reorg, ...); its result, failing on an error."""
        answer = self.connection.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        assert "error" not in answer, answer
        return answer.get("result")

    def contracts(self, account: LocalAccount | None = None) -> DatapropContracts:
        """The contracts written with ``account`` (the sending centre's key by default)."""
        return bind_contracts(
            self.connection, self.record, self.build, account or self.centre, poll_interval=0.01
        )


def deploy_consortium(connection: ChainConnection, build: Build, data_dir: Path) -> Deployment:
    """Deploy the contracts with dev account 0; accounts 1 and 2 are the genesis centres."""
    accounts = dev_accounts(connection)
    deployer, centre, other = accounts[0], accounts[1], accounts[2]
    genesis = [
        GenesisCentre(key.address, region, name, endpoint)
        for key, (region, name, endpoint) in zip((centre, other), GENESIS, strict=True)
    ]
    sender = TransactionSender(connection.w3, deployer, poll_interval=0.01)
    record = deploy(connection, sender, build, dataprop_plan(genesis, 3600), data_dir)
    return Deployment(connection, build, record, data_dir, deployer, centre, other)


class Outbox:
    """A migrated database seen through the store port, with the clock of its rows."""

    def __init__(self, url: str, clock: Clock) -> None:
        self.url = url
        self.clock = clock
        self.engine = create_engine_for(url)
        self.factory = session_factory(self.engine)
        self._workers: list[AnchoringWorker] = []

    def uow(self) -> SqlUnitOfWork:
        """A unit of work on the database."""
        return SqlUnitOfWork(self.factory, clock=self.clock)

    def add_documents(self, count: int, prefix: str) -> list[bytes]:
        """Store ``count`` certificate documents with their anchor jobs, as issuance does."""
        digests = []
        with self.uow() as uow:
            for index in range(count):
                document = new_document(f"{prefix}-{index}")
                uow.documents.add_with_anchor_job(document, self.clock.now() + timedelta(hours=1))
                digests.append(document.digest)
            uow.commit()
        return digests

    def worker(
        self, deployment: Deployment, contracts: DatapropContracts | None = None, **settings: object
    ) -> AnchoringWorker:
        """A worker for the sending centre (fresh contracts, as a new process has)."""
        contracts = contracts or deployment.contracts()
        assert contracts.sender is not None
        defaults: dict[str, object] = {
            "batch_size": 4,
            "max_batch_age": timedelta(seconds=5),
            "confirmations": 0,
            "receipt_timeout": 30.0,
            "reorg_window": 16,
            "cycle_interval": 0.01,
        }
        defaults.update(settings)
        worker = AnchoringWorker(
            self.uow,
            contracts,
            sender_lock(self.engine, contracts.sender.address),
            WorkerSettings(**defaults),  # type: ignore[arg-type]
            clock=self.clock,
        )
        self._workers.append(worker)
        return worker

    def jobs(self) -> list[AnchorJobRow]:
        """Every anchor job row."""
        with self.factory() as session:
            return list(session.scalars(select(AnchorJobRow).order_by(AnchorJobRow.id)))

    def batches(self) -> list[AnchorBatchRow]:
        """Every anchor batch row."""
        with self.factory() as session:
            return list(session.scalars(select(AnchorBatchRow).order_by(AnchorBatchRow.id)))

    def close(self) -> None:
        """Stop the workers made here (their locks go) and release the engine's connections."""
        for worker in self._workers:
            worker.stop()
        self.engine.dispose()


def settle(worker: AnchoringWorker, timeout: float = 20.0) -> CycleReport:
    """Cycles (without flushing partial batches) until no sent transaction waits; the reports
    added up. anvil mines an automined transaction just after it answers, not before."""
    total = CycleReport()
    deadline = time.monotonic() + timeout
    while True:
        total.add(worker.run_once())
        if not total.waiting:
            return total
        assert time.monotonic() < deadline, "transactions still wait"
        time.sleep(0.02)


def anchored_roots(contracts: DatapropContracts, centre_id: int, from_block: int) -> list[bytes]:
    """Roots in the BatchAnchored events of one centre, oldest first (repeats kept)."""
    logs = contracts.connection.w3.eth.get_logs(
        {"address": contracts.anchors.address, "fromBlock": from_block, "toBlock": "latest"}
    )
    return [
        event.root
        for event in contracts.events.decode_all(logs)
        if isinstance(event, BatchAnchored) and event.centre_id == centre_id
    ]


def assert_anchored_exactly_once(
    outbox: Outbox, deployment: Deployment, expected_documents: int
) -> int:
    """Every job confirmed with a proof the contract accepts, every confirmed root anchored by
    this centre once and no other root; returns the number of batches."""
    contracts = deployment.contracts()
    jobs = outbox.jobs()
    assert len(jobs) == expected_documents
    batches = {batch.id: batch for batch in outbox.batches()}
    statuses = Counter(batch.status for batch in batches.values())
    assert set(statuses) == {AnchorBatchStatus.CONFIRMED.value}, statuses
    assert {job.status for job in jobs} == {AnchorJobStatus.CONFIRMED.value}
    assert sum(batch.leaf_count for batch in batches.values()) == len(jobs)
    for job in jobs:
        assert job.batch_id is not None and job.proof is not None
        proof = [bytes.fromhex(node[2:]) for node in job.proof]
        root = batches[job.batch_id].root
        assert contracts.anchors.verify_leaf(root, proof, leaf_of_digest(job.digest)), job.id
    on_chain = anchored_roots(contracts, 1, deployment.record.block)
    assert len(on_chain) == len(set(on_chain))
    assert set(on_chain) == {batch.root for batch in batches.values()}
    w3 = deployment.connection.w3
    for batch in batches.values():
        assert batch.tx_hash is not None
        receipt = w3.eth.get_transaction_receipt(HexBytes(batch.tx_hash))
        assert receipt["status"] == 1
        assert (receipt["blockNumber"], bytes(receipt["blockHash"])) == (
            batch.block_number,
            batch.block_hash,
        )
    return len(batches)


def reverted_transactions(deployment: Deployment, sender: str) -> list[bytes]:
    """Hashes of the sender's transactions that reverted, in every block since deployment."""
    w3 = deployment.connection.w3
    reverted = []
    for number in range(deployment.record.block, w3.eth.block_number + 1):
        block = w3.eth.get_block(number, full_transactions=True)
        for tx in block["transactions"]:
            assert not isinstance(tx, bytes)
            mine = tx["from"] == sender
            if mine and w3.eth.get_transaction_receipt(tx["hash"])["status"] != 1:
                reverted.append(bytes(tx["hash"]))
    return reverted
