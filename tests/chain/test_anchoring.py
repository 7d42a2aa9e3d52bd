"""The anchoring worker on real chains and real databases.

Each test runs on the embedded chain and on anvil, each with SQLite and with
PostgreSQL (those that need automine off on anvil only), against a consortium
deployed once per module and rolled back (evm_snapshot / evm_revert) after each
test. The worker's clock is a FixedClock, so batching by age is exact.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from eth_utils.crypto import keccak
from hexbytes import HexBytes

from node.chain.action_payloads import (
    ActionPayload,
    ApproveTransfer,
    CentreChange,
    DeclareRecognition,
    ProposeAdmission,
    ProposeCentreChange,
    ProposeKeyRotation,
    RegisterCertificates,
    RegisterPledge,
    ReleasePledge,
    SetStatus,
    StatusChange,
    VoteOnProposal,
)
from node.chain.batching import plan_batch
from node.chain.compiler import Build
from node.chain.connection import connect, connect_rpc, dev_accounts
from node.chain.local_chain import AnvilInstance, start_anvil
from node.chain.transactions import RawTransaction
from node.chain.tx_lookup import TxState, lookup, raw_transaction_of
from node.chain.types import CentreStatus, CertificateStatus, ProposalKind
from node.config import ChainBackend, ChainSettings
from node.documents.merkle import leaf_of_digest
from node.domain.calendar import FixedClock
from node.errors import ChainError
from node.store.errors import SenderLockLostError
from node.store.records import ChainActionStatus
from node.store.sender_lock import sender_lock
from tests.chain.anchoring_support import (
    Deployment,
    Outbox,
    assert_anchored_exactly_once,
    deploy_consortium,
    reverted_transactions,
    settle,
)
from tests.conftest import LOCAL_CHAIN_DIR
from tests.unit.store.support import (
    START,
    migrated_sqlite_template,
    postgres_admin_url,
    postgres_database,
    truncate_all,
)

SETUPS = [
    pytest.param(("embedded", "sqlite"), id="embedded-sqlite"),
    pytest.param(("embedded", "postgresql"), id="embedded-postgresql", marks=pytest.mark.postgres),
    pytest.param(("anvil", "sqlite"), id="anvil-sqlite", marks=pytest.mark.anvil),
    pytest.param(
        ("anvil", "postgresql"),
        id="anvil-postgresql",
        marks=[pytest.mark.anvil, pytest.mark.postgres],
    ),
]
ANVIL_SETUPS = [setup for setup in SETUPS if str(setup.id).startswith("anvil")]


class SimulatedCrashError(BaseException):
    """The process dies here (BaseException: nothing in the worker catches it)."""


def h(label: str) -> bytes:
    return bytes(keccak(text=label))


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def embedded_deployment(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    return deploy_consortium(connect(ChainSettings()), build, tmp_path_factory.mktemp("embedded"))


@pytest.fixture(scope="module")
def anvil_instance(
    anvil_available: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AnvilInstance]:
    instance = start_anvil(LOCAL_CHAIN_DIR, tmp_path_factory.mktemp("anvil-logs"))
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="module")
def anvil_deployment(
    anvil_instance: AnvilInstance, build: Build, tmp_path_factory: pytest.TempPathFactory
) -> Deployment:
    connection = connect_rpc(anvil_instance.url)
    return deploy_consortium(connection, build, tmp_path_factory.mktemp("anvil"))


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_database(postgres_admin_url()) as url:
        yield url


@contextmanager
def outbox_on(
    request: pytest.FixtureRequest, chain: str, database: str, sqlite_template: Path, tmp_path: Path
) -> Iterator[tuple[Deployment, Outbox]]:
    """The consortium on ``chain`` (rolled back afterwards) and an empty outbox in ``database``."""
    deployment: Deployment = request.getfixturevalue(f"{chain}_deployment")
    if database == "sqlite":
        path = tmp_path / "outbox.sqlite"
        shutil.copyfile(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        truncate_all(url)
    snapshot = deployment.rpc("evm_snapshot")
    outbox = Outbox(url, FixedClock(START))
    try:
        yield deployment, outbox
    finally:
        outbox.close()
        deployment.rpc("evm_revert", snapshot)


@pytest.fixture(params=SETUPS)
def setup(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[tuple[Deployment, Outbox]]:
    """Each chain with each database."""
    chain, database = request.param
    with outbox_on(request, chain, database, sqlite_template, tmp_path) as value:
        yield value


@pytest.fixture(params=ANVIL_SETUPS)
def anvil_setup(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[tuple[Deployment, Outbox]]:
    """anvil with each database; automine is switched back on afterwards."""
    chain, database = request.param
    with outbox_on(request, chain, database, sqlite_template, tmp_path) as (deployment, outbox):
        try:
            yield deployment, outbox
        finally:
            deployment.rpc("evm_setAutomine", True)


def until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


# -- batching -------------------------------------------------------------------------------------


def test_a_full_batch_is_sent_at_once_and_its_proofs_verify_on_chain(
    setup: tuple[Deployment, Outbox],
) -> None:
    deployment, outbox = setup
    digests = outbox.add_documents(9, "size")
    worker = outbox.worker(deployment, batch_size=4)
    assert worker.start()
    report = worker.run_once()
    assert (report.batched, report.sent, report.unsent) == (2, 2, 1)
    report = settle(worker)
    assert (report.confirmed, report.batched, report.waiting) == (2, 0, 0)
    jobs = outbox.jobs()
    assert Counter(job.status for job in jobs) == {"confirmed": 8, "pending": 1}
    batches = {batch.id: batch for batch in outbox.batches()}
    anchors = deployment.contracts().anchors
    for job, digest in zip(jobs[:8], digests[:8], strict=True):
        assert job.batch_id is not None and job.proof is not None
        proof = [bytes.fromhex(node[2:]) for node in job.proof]
        assert anchors.verify_leaf(batches[job.batch_id].root, proof, leaf_of_digest(digest))
        assert not anchors.verify_leaf(batches[job.batch_id].root, proof, leaf_of_digest(h("x")))


def test_a_partial_batch_waits_for_its_age(setup: tuple[Deployment, Outbox]) -> None:
    deployment, outbox = setup
    clock = outbox.clock
    assert isinstance(clock, FixedClock)
    outbox.add_documents(3, "age")
    worker = outbox.worker(deployment, batch_size=10, max_batch_age=timedelta(seconds=5))
    assert worker.start()
    assert worker.run_once().batched == 0
    clock.advance(timedelta(seconds=4.9))
    assert worker.run_once().batched == 0
    clock.advance(timedelta(seconds=0.1))
    report = worker.run_once()
    assert (report.batched, report.sent) == (1, 1)
    assert settle(worker).confirmed == 1
    assert [batch.leaf_count for batch in outbox.batches()] == [3]
    assert_anchored_exactly_once(outbox, deployment, 3)


def test_every_document_is_anchored_exactly_once(setup: tuple[Deployment, Outbox]) -> None:
    deployment, outbox = setup
    worker = outbox.worker(deployment, batch_size=4)
    assert worker.start()
    total = 0
    for round_size in (5, 3, 9, 1, 6):
        outbox.add_documents(round_size, f"round-{total}")
        total += round_size
        worker.run_once()
    report = worker.drain(timeout=10)
    assert (report.waiting, report.unsent) == (0, 0)
    assert worker.run_once().busy is False
    assert assert_anchored_exactly_once(outbox, deployment, total) == 6  # 24 in full batches
    assert reverted_transactions(deployment, deployment.centre.address) == []


# -- one sender per key ---------------------------------------------------------------------------


def test_a_second_worker_for_the_same_key_does_not_send(
    setup: tuple[Deployment, Outbox],
) -> None:
    deployment, outbox = setup
    first = outbox.worker(deployment)
    second = outbox.worker(deployment)
    assert first.start()
    assert not second.start()
    with pytest.raises(SenderLockLostError):
        second.run_once()
    outbox.add_documents(4, "lock")
    stop = threading.Event()
    standby = threading.Thread(target=second.run, args=(stop,))
    standby.start()
    try:
        time.sleep(0.3)
        assert {job.status for job in outbox.jobs()} == {"pending"}
        assert outbox.batches() == []
        first.stop()  # the leader goes: the standby takes over and sends
        until(lambda: {job.status for job in outbox.jobs()} == {"confirmed"})
    finally:
        stop.set()
        standby.join(timeout=10)
    assert not standby.is_alive()
    other_key = outbox.worker(deployment, deployment.contracts(deployment.other))
    assert other_key.start()  # the lock is per key


def test_a_sender_lock_ends_with_its_holder(
    setup: tuple[Deployment, Outbox], tmp_path: Path
) -> None:
    deployment, outbox = setup
    address = deployment.centre.address
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, outbox.url, address],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert not sender_lock(outbox.engine, address).acquire()
    finally:
        holder.kill()
        holder.wait(timeout=10)
    lock = sender_lock(outbox.engine, address)
    until(lock.acquire, timeout=10)
    lock.release()


HOLD_LOCK = """
import sys, time
from node.store.db import create_engine_for
from node.store.sender_lock import sender_lock
lock = sender_lock(create_engine_for(sys.argv[1]), sys.argv[2])
assert lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


# -- crashes, lost receipts, roots anchored already ------------------------------------------------


def test_a_saved_transaction_is_broadcast_again_byte_identical_after_a_crash(
    setup: tuple[Deployment, Outbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment, outbox = setup
    w3 = deployment.connection.w3
    outbox.add_documents(4, "crash")
    contracts = deployment.contracts()
    crashing = outbox.worker(deployment, contracts)

    def die(_: RawTransaction) -> None:
        raise SimulatedCrashError

    assert contracts.sender is not None
    monkeypatch.setattr(contracts.sender, "broadcast", die)
    assert crashing.start()
    with pytest.raises(SimulatedCrashError):
        crashing.run_once()  # saved (committed), never broadcast
    crashing.stop()
    [saved] = outbox.batches()
    assert saved.status == "sent" and saved.raw_tx and saved.tx_hash and saved.nonce is not None
    assert lookup(w3, saved.tx_hash).state is TxState.UNKNOWN
    outbox.add_documents(4, "after")
    fresh = deployment.contracts()
    assert fresh.sender is not None
    broadcast = fresh.sender.broadcast
    refusals = iter([ChainError("the chain did not answer")])

    def refuse_once(signed: RawTransaction) -> None:
        refusal = next(refusals, None)
        if refusal is not None:
            raise refusal
        broadcast(signed)

    monkeypatch.setattr(fresh.sender, "broadcast", refuse_once)
    restarted = outbox.worker(deployment, fresh)
    assert restarted.start()
    report = restarted.run_once()  # the saved bytes do not get through this time
    assert (report.rebroadcast, report.sent) == (1, 1)
    assert settle(restarted).confirmed == 2
    first, second = outbox.batches()
    assert (first.tx_hash, first.raw_tx) == (saved.tx_hash, saved.raw_tx)
    known = raw_transaction_of(w3, saved.tx_hash)
    assert (known.raw, known.nonce, known.sender) == (
        saved.raw_tx,
        saved.nonce,
        deployment.centre.address,
    )
    assert second.nonce == saved.nonce + 1  # the saved nonce was never given to other bytes
    assert_anchored_exactly_once(outbox, deployment, 8)


def test_saved_bytes_whose_nonce_went_to_other_bytes_are_signed_again(
    setup: tuple[Deployment, Outbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment, outbox = setup
    outbox.add_documents(4, "replaced")
    contracts = deployment.contracts()
    crashing = outbox.worker(deployment, contracts)

    def die(_: RawTransaction) -> None:
        raise SimulatedCrashError

    assert contracts.sender is not None
    monkeypatch.setattr(contracts.sender, "broadcast", die)
    assert crashing.start()
    with pytest.raises(SimulatedCrashError):
        crashing.run_once()
    crashing.stop()
    [lost] = outbox.batches()
    # meanwhile another program writes with the centre's key and takes the saved nonce
    other_write = deployment.contracts().centres.set_recognition(2, True)
    assert (
        deployment.connection.w3.eth.get_transaction(other_write["transactionHash"])["nonce"]
        == lost.nonce
    )
    restarted = outbox.worker(deployment)
    assert restarted.start()
    report = restarted.run_once()
    assert (report.resigned, report.rebroadcast, report.sent) == (1, 0, 1)
    assert settle(restarted).confirmed == 1
    [batch] = outbox.batches()
    assert lost.nonce is not None and batch.nonce == lost.nonce + 1
    assert batch.tx_hash != lost.tx_hash and batch.root == lost.root
    assert_anchored_exactly_once(outbox, deployment, 4)


def test_a_receipt_timeout_leaves_the_batch_sent(anvil_setup: tuple[Deployment, Outbox]) -> None:
    deployment, outbox = anvil_setup
    clock = outbox.clock
    assert isinstance(clock, FixedClock)
    deployment.rpc("evm_setAutomine", False)
    outbox.add_documents(2, "slow")
    worker = outbox.worker(deployment, batch_size=2, receipt_timeout=10.0)
    assert worker.start()
    assert worker.run_once().sent == 1
    for _ in range(3):
        report = worker.run_once()
        assert (report.waiting, report.rebroadcast, report.failed) == (1, 0, 0)
    clock.advance(timedelta(seconds=10))
    report = worker.run_once()
    assert (report.waiting, report.rebroadcast) == (1, 1)  # unknown fate: broadcast again
    assert [batch.status for batch in outbox.batches()] == ["sent"]
    deployment.rpc("evm_mine")
    assert settle(worker).confirmed == 1
    assert_anchored_exactly_once(outbox, deployment, 2)


def test_a_root_anchored_already_by_this_centre_counts_as_anchored(
    setup: tuple[Deployment, Outbox],
) -> None:
    deployment, outbox = setup
    outbox.add_documents(3, "adopt")
    # an earlier run batched the jobs and anchored the root, then lost its record of the tx
    with outbox.uow() as uow:
        plan = plan_batch(uow.anchors.pending())
        uow.anchors.create_batch(plan.root, deployment.centre.address, plan.leaves)
        uow.commit()
    elsewhere = deployment.contracts().anchors.anchor_batch(plan.root, 3)
    worker = outbox.worker(deployment)
    assert worker.start()
    report = worker.run_once()
    assert (report.adopted, report.sent, report.failed) == (1, 0, 0)
    assert settle(worker).confirmed == 1
    [batch] = outbox.batches()
    assert batch.tx_hash == bytes(elsewhere["transactionHash"])
    assert_anchored_exactly_once(outbox, deployment, 3)
    assert reverted_transactions(deployment, deployment.centre.address) == []


@pytest.mark.parametrize("anchored_first", [False, True], ids=["not-anchored", "anchored-first"])
def test_a_reverted_anchor_is_signed_again_or_adopted_when_the_root_is_ours(
    setup: tuple[Deployment, Outbox], anchored_first: bool
) -> None:
    deployment, outbox = setup
    outbox.add_documents(3, "reverted")
    with outbox.uow() as uow:
        plan = plan_batch(uow.anchors.pending())
        batch = uow.anchors.create_batch(plan.root, deployment.centre.address, plan.leaves)
        uow.commit()
    contracts = deployment.contracts()
    assert contracts.sender is not None
    first = contracts.anchors.anchor_batch(plan.root, 3) if anchored_first else None
    # a saved transaction that reverts when mined (here: no leaves, or the root taken)
    leaves = 3 if anchored_first else 0
    doomed = contracts.sender.sign(
        contracts.anchors.function("anchorBatch", plan.root, leaves), gas=200_000
    )
    with outbox.uow() as uow:
        uow.anchors.mark_sent(
            batch.id, raw_tx=bytes(doomed.raw), tx_hash=bytes(doomed.tx_hash), nonce=doomed.nonce
        )
        uow.commit()
    contracts.sender.broadcast(doomed)
    worker = outbox.worker(deployment)
    assert worker.start()
    report = settle(worker)
    [settled] = outbox.batches()
    if first is None:
        assert (report.resigned, report.sent, report.confirmed) == (1, 1, 1)
        assert settled.tx_hash not in (None, bytes(doomed.tx_hash))
    else:
        assert (report.resigned, report.adopted, report.sent, report.confirmed) == (1, 1, 0, 1)
        assert settled.tx_hash == bytes(first["transactionHash"])
    assert_anchored_exactly_once(outbox, deployment, 3)
    reverted = reverted_transactions(deployment, deployment.centre.address)
    assert reverted == [bytes(doomed.tx_hash)]


def test_a_root_anchored_by_another_centre_is_not_taken_for_ours(
    setup: tuple[Deployment, Outbox], caplog: pytest.LogCaptureFixture
) -> None:
    deployment, outbox = setup
    outbox.add_documents(2, "foreign")
    with outbox.uow() as uow:
        plan = plan_batch(uow.anchors.pending())
        uow.anchors.create_batch(plan.root, deployment.centre.address, plan.leaves)
        uow.commit()
    deployment.contracts(deployment.other).anchors.anchor_batch(plan.root, 2)
    worker = outbox.worker(deployment)
    assert worker.start()
    report = worker.run_once()
    assert (report.adopted, report.sent) == (0, 0)
    assert [batch.status for batch in outbox.batches()] == ["prepared"]
    assert "anchored by centre 2, not by this centre (1)" in caplog.text


def test_a_root_anchored_by_a_former_key_of_this_centre_is_not_adopted(
    setup: tuple[Deployment, Outbox], caplog: pytest.LogCaptureFixture
) -> None:
    deployment, outbox = setup
    outbox.add_documents(2, "rotated")
    with outbox.uow() as uow:
        plan = plan_batch(uow.anchors.pending())
        uow.anchors.create_batch(plan.root, deployment.centre.address, plan.leaves)
        uow.commit()
    deployment.contracts().anchors.anchor_batch(plan.root, 2)  # by the key about to go
    new_key = dev_accounts(deployment.connection)[3]
    centres = deployment.contracts().centres
    centres.propose_rotate_key(1, new_key.address)
    deployment.contracts(deployment.other).centres.vote(centres.proposal_count())
    assert centres.centre(1).signer == new_key.address
    worker = outbox.worker(deployment, deployment.contracts(new_key))
    assert worker.start()
    report = worker.run_once()
    assert (report.adopted, report.sent) == (0, 0)
    assert [batch.status for batch in outbox.batches()] == ["prepared"]
    assert "a former key of this centre; not adopted" in caplog.text


# -- chain actions --------------------------------------------------------------------------------


def test_chain_actions_are_sent_and_a_refused_one_fails_with_its_code(
    setup: tuple[Deployment, Outbox],
) -> None:
    deployment, outbox = setup
    a, b, c = h("cert-a"), h("cert-b"), h("cert-c")
    pledge = h("pledge-1")
    actions: list[ActionPayload] = [
        RegisterCertificates((a, b, c), (h("asset-a"), h("asset-b"), h("asset-c"))),
        SetStatus(a, StatusChange.REVOKED, h("revocation decision")),
        RegisterPledge(b, pledge, h("pledge record"), h("bank")),
        ReleasePledge(pledge, h("release record")),
        ApproveTransfer(c, 2),
        SetStatus(h("never registered"), StatusChange.CANCELLED, h("cancellation")),
    ]
    with outbox.uow() as uow:
        ids = [uow.chain_actions.enqueue(act.kind, act.to_payload()).id for act in actions]
        malformed = uow.chain_actions.enqueue("set_status", {"certificate_id": "0x12"}).id
        unknown = uow.chain_actions.enqueue("mint_tokens", {}).id
        uow.commit()
    worker = outbox.worker(deployment)
    assert worker.start()
    report = worker.drain(timeout=10)
    assert (report.sent, report.confirmed, report.failed, report.waiting) == (5, 5, 3, 0)
    with outbox.uow() as uow:
        stored = {action_id: uow.chain_actions.get(action_id) for action_id in ids}
        assert [stored[i].status for i in ids[:5]] == [ChainActionStatus.CONFIRMED] * 5
        assert stored[ids[5]].status is ChainActionStatus.FAILED
        assert stored[ids[5]].error == "certificate_registry_unknown_certificate"
        assert uow.chain_actions.get(malformed).error == "invalid_chain_action"
        assert uow.chain_actions.get(unknown).error == "invalid_chain_action"
    certificates = deployment.contracts().certificates
    assert certificates.certificate(a).status is CertificateStatus.REVOKED
    assert certificates.certificate(b).status is CertificateStatus.ACTIVE
    assert certificates.pledge(pledge).active is False
    assert certificates.transfer_approval_of(c) == 2
    assert reverted_transactions(deployment, deployment.centre.address) == []


def test_consortium_requests_are_sent_to_the_centre_registry(
    setup: tuple[Deployment, Outbox],
) -> None:
    deployment, outbox = setup
    spare, newcomer = dev_accounts(deployment.connection)[7:9]
    actions: list[ActionPayload] = [
        ProposeAdmission(
            newcomer.address, 370100, "济南市数据资产登记中心", "http://127.0.0.1:9004"
        ),
        DeclareRecognition(2, True),
        ProposeKeyRotation(2, spare.address),
        ProposeCentreChange(CentreChange.SUSPEND, 2),
        VoteOnProposal(1),
    ]
    with outbox.uow() as uow:
        ids = [uow.chain_actions.enqueue(act.kind, act.to_payload()).id for act in actions]
        uow.commit()
    worker = outbox.worker(deployment)
    assert worker.start()
    report = worker.drain(timeout=10)
    assert (report.confirmed, report.failed) == (4, 1)
    with outbox.uow() as uow:
        assert uow.chain_actions.get(ids[-1]).error == "centre_registry_already_voted"
    centres = deployment.contracts().centres
    kinds = [centres.proposal(number).kind for number in (1, 2, 3)]
    assert kinds == [ProposalKind.ADMIT, ProposalKind.ROTATE_KEY, ProposalKind.SUSPEND]
    assert [centres.proposal(number).approvals for number in (1, 2, 3)] == [1, 1, 1]
    assert centres.recognises(1, 2)
    other = deployment.contracts(deployment.other).centres
    other.vote(1)  # two of two active centres: admitted
    assert centres.centre_of(newcomer.address).status is CentreStatus.ACTIVE


def test_an_action_refused_while_earlier_ones_are_in_flight_waits(
    anvil_setup: tuple[Deployment, Outbox],
) -> None:
    deployment, outbox = anvil_setup
    certificate = h("cert-wait")
    register = RegisterCertificates((certificate,), (h("asset-wait"),))
    revoke = SetStatus(certificate, StatusChange.REVOKED, h("decision"))
    with outbox.uow() as uow:
        for action in (register, revoke):
            uow.chain_actions.enqueue(action.kind, action.to_payload())
        uow.commit()
    deployment.rpc("evm_setAutomine", False)
    worker = outbox.worker(deployment)
    assert worker.start()
    report = worker.run_once()  # the revocation needs the registration, still in the pool
    assert (report.sent, report.failed, report.unsent) == (1, 0, 1)
    deployment.rpc("evm_mine")
    assert worker.run_once().sent == 1
    deployment.rpc("evm_mine")
    report = worker.run_once()
    assert (report.confirmed, report.waiting, report.unsent) == (1, 0, 0)
    certificates = deployment.contracts().certificates
    assert certificates.certificate(certificate).status is CertificateStatus.REVOKED


def test_an_action_that_reverts_on_chain_fails_with_its_decoded_code(
    anvil_setup: tuple[Deployment, Outbox],
) -> None:
    deployment, outbox = anvil_setup
    claim = RegisterCertificates((h("cert-twice"),), (h("asset-twice"),))
    with outbox.uow() as uow:
        first, second = (uow.chain_actions.enqueue(claim.kind, claim.to_payload()) for _ in "12")
        uow.commit()
    deployment.rpc("evm_setAutomine", False)
    worker = outbox.worker(deployment)
    assert worker.start()
    assert worker.run_once().sent == 2  # both estimated before either is mined
    deployment.rpc("evm_mine")
    report = settle(worker)
    assert (report.confirmed, report.failed) == (1, 1)
    with outbox.uow() as uow:
        assert uow.chain_actions.get(first.id).status is ChainActionStatus.CONFIRMED
        failed = uow.chain_actions.get(second.id)
    assert failed.status is ChainActionStatus.FAILED
    assert failed.error == "certificate_registry_already_registered"


# -- the command ----------------------------------------------------------------------------------


def test_worker_run_once_sends_and_settles_then_refuses_a_held_key(
    anvil_setup: tuple[Deployment, Outbox], build: Build
) -> None:
    deployment, outbox = anvil_setup
    assert deployment.connection.backend is ChainBackend.RPC
    outbox.add_documents(5, "cli")
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("DATAPROP_")
    }
    environment.update(
        DATAPROP_DATA_DIR=str(deployment.data_dir),
        DATAPROP_BUILD_DIR=str(build.path.parent),
        DATAPROP_DATABASE_URL=outbox.url,
        DATAPROP_CHAIN__BACKEND="rpc",
        DATAPROP_CHAIN__RPC_URL=deployment.connection.url,
        DATAPROP_CHAIN__CONFIRMATIONS="0",
        DATAPROP_CENTRE__KEY=HexBytes(deployment.centre.key).to_0x_hex(),
        DATAPROP_ANCHORING__BATCH_SIZE="4",
        DATAPROP_ANCHORING__CYCLE_INTERVAL="0.05",
    )
    command = [sys.executable, "-c", "from node.cli.app import main; main()", "worker", "run"]
    done = subprocess.run(
        [*command, "--once"], env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "batched 2, sent 2, confirmed 2, failed 0; still waiting 0, unsent 0" in done.stdout
    assert_anchored_exactly_once(outbox, deployment, 5)
    lock = sender_lock(outbox.engine, deployment.centre.address)
    assert lock.acquire()
    try:
        refused = subprocess.run(
            [*command, "--once"], env=environment, capture_output=True, text=True, timeout=120
        )
    finally:
        lock.release()
    assert refused.returncode == 1 and "sender_lock_held" in refused.stderr


def test_worker_run_refuses_the_embedded_chain(tmp_path: Path) -> None:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("DATAPROP_")
    }
    environment.update(DATAPROP_DATA_DIR=str(tmp_path), DATAPROP_CHAIN__BACKEND="embedded")
    refused = subprocess.run(
        [sys.executable, "-c", "from node.cli.app import main; main()", "worker", "run"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "configuration_error" in refused.stderr and "chain.backend" in refused.stderr
