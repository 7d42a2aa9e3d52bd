"""A dropped transaction and reorgs on anvil: the worker sends the saved bytes again.

The worker runs in this process (cycle by cycle, so each fault lands exactly
where the test puts it) on a fresh anvil per test.
"""

from __future__ import annotations

import time

import pytest
from eth_utils.crypto import keccak

from node.chain.action_payloads import RegisterCertificates
from node.chain.tx_lookup import TxState, lookup
from node.chain.types import CertificateStatus
from node.domain.calendar import FixedClock
from node.store.records import ChainActionStatus
from tests.chain.anchoring_support import (
    Deployment,
    Outbox,
    assert_anchored_exactly_once,
    settle,
)
from tests.reliability.conftest import ChainFactory
from tests.unit.store.support import START

pytestmark = [pytest.mark.slow, pytest.mark.anvil]


def wait_mined(deployment: Deployment, tx_hash: bytes) -> int:
    """The block that mined ``tx_hash`` (anvil automines just after it answers)."""
    deadline = time.monotonic() + 10
    while (found := lookup(deployment.connection.w3, tx_hash)).receipt is None:
        assert time.monotonic() < deadline, "not mined"
        time.sleep(0.02)
    return found.receipt.block_number


def test_a_dropped_transaction_is_broadcast_again_and_confirmed(
    fresh_chain: ChainFactory, database_url: str
) -> None:
    _, deployment = fresh_chain()
    w3 = deployment.connection.w3
    outbox = Outbox(database_url, FixedClock(START))
    try:
        deployment.rpc("evm_setAutomine", False)
        outbox.add_documents(4, "dropped")
        worker = outbox.worker(deployment, confirmations=1)
        assert worker.start()
        assert worker.run_once().sent == 1
        [sent] = outbox.batches()
        assert sent.tx_hash is not None
        assert lookup(w3, sent.tx_hash).state is TxState.PENDING
        deployment.rpc("anvil_dropTransaction", "0x" + sent.tx_hash.hex())
        assert lookup(w3, sent.tx_hash).state is TxState.UNKNOWN
        report = worker.run_once()
        assert (report.rebroadcast, report.resigned, report.waiting) == (1, 0, 1)
        assert lookup(w3, sent.tx_hash).state is TxState.PENDING
        deployment.rpc("evm_mine")
        deployment.rpc("evm_mine")
        assert settle(worker).confirmed == 1
        [confirmed] = outbox.batches()
        assert (confirmed.tx_hash, confirmed.raw_tx) == (sent.tx_hash, sent.raw_tx)
        assert_anchored_exactly_once(outbox, deployment, 4)
    finally:
        outbox.close()


def test_a_reorg_within_the_confirmation_depth_anchors_the_batch_again(
    fresh_chain: ChainFactory, database_url: str
) -> None:
    _, deployment = fresh_chain()
    w3 = deployment.connection.w3
    outbox = Outbox(database_url, FixedClock(START))
    try:
        for _ in range(5):  # room below the reorg: the deployment stays
            deployment.rpc("evm_mine")
        outbox.add_documents(4, "reorg")
        worker = outbox.worker(deployment, confirmations=3)
        assert worker.start()
        assert worker.run_once().sent == 1
        [sent] = outbox.batches()
        assert sent.tx_hash is not None
        first_block = wait_mined(deployment, sent.tx_hash)
        first_hash = bytes(w3.eth.get_block(first_block)["hash"])
        report = worker.run_once()
        assert (report.confirmed, report.waiting) == (0, 1)  # 0 of 3 blocks on top
        deployment.rpc("anvil_reorg", 2, [])  # the batch's block and the one below are replaced
        assert lookup(w3, sent.tx_hash).state is TxState.UNKNOWN
        report = worker.run_once()
        assert (report.rebroadcast, report.resigned, report.confirmed) == (1, 0, 0)
        again_block = wait_mined(deployment, sent.tx_hash)
        for _ in range(3):
            deployment.rpc("evm_mine")
        assert settle(worker).confirmed == 1
        [confirmed] = outbox.batches()
        assert confirmed.tx_hash == sent.tx_hash and confirmed.block_number == again_block
        assert confirmed.block_hash != first_hash
        assert_anchored_exactly_once(outbox, deployment, 4)
    finally:
        outbox.close()


def test_a_reorg_deeper_than_the_confirmations_sends_confirmed_rows_back(
    fresh_chain: ChainFactory, database_url: str
) -> None:
    _, deployment = fresh_chain()
    outbox = Outbox(database_url, FixedClock(START))
    certificate = bytes(keccak(text="cert-reorg"))
    try:
        for _ in range(5):
            deployment.rpc("evm_mine")
        outbox.add_documents(4, "deep")
        claim = RegisterCertificates((certificate,), (bytes(keccak(text="asset-reorg")),))
        with outbox.uow() as uow:
            action = uow.chain_actions.enqueue(claim.kind, claim.to_payload())
            uow.commit()
        worker = outbox.worker(deployment, confirmations=1, reorg_window=16)
        assert worker.start()
        assert worker.run_once().sent == 2
        [batch] = outbox.batches()
        assert batch.tx_hash is not None
        wait_mined(deployment, batch.tx_hash)
        deployment.rpc("evm_mine")
        assert settle(worker).confirmed == 2
        deployment.rpc("anvil_reorg", 3, [])  # deeper than the one confirmation
        report = worker.run_once()
        assert (report.reorged, report.rebroadcast) == (2, 2)
        wait_mined(deployment, batch.tx_hash)
        deployment.rpc("evm_mine")
        assert settle(worker).confirmed == 2
        with outbox.uow() as uow:
            assert uow.chain_actions.get(action.id).status is ChainActionStatus.CONFIRMED
        certificates = deployment.contracts().certificates
        assert certificates.certificate(certificate).status is CertificateStatus.ACTIVE
        assert_anchored_exactly_once(outbox, deployment, 4)
    finally:
        outbox.close()
