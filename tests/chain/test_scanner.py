"""The event scanner: chunked, retried, resumable reads of the consortium's logs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from node.chain.compiler import Build
from node.chain.connection import ChainConnection, connect_rpc
from node.chain.contracts import DatapropContracts
from node.chain.events import BatchAnchored, CertificateRegistered, ChainEvent
from node.chain.local_chain import AnvilInstance
from node.chain.scan_cache import ResumableScan, ScanIdentity
from node.chain.scanner import LogScanner, ScanInterruptedError, consortium_scanner
from node.documents.canonical import keccak256
from tests.chain.flaky_rpc import FlakyRpc, flaky_rpc
from tests.chain.verification_support import Consortium, consortium_on

TOO_MANY = {"code": -32005, "message": "query returned more than 10000 results"}
INTERNAL = {"code": -32603, "message": "internal error"}


def busy_consortium(connection: ChainConnection, build: Build, data_dir: Path) -> Consortium:
    """A consortium whose blocks carry events: eight anchored roots, two certificate batches."""
    consortium = consortium_on(connection, build, data_dir)
    qingdao = consortium.writer(consortium.qingdao)
    for index in range(8):
        qingdao.anchors.anchor_batch(keccak256(f"root {index}".encode()), index + 1)
    for batch in range(2):
        ids = [keccak256(f"certificate {batch}/{i}".encode()) for i in range(5)]
        keys = [keccak256(f"asset {batch}/{i}".encode()) for i in range(5)]
        qingdao.certificates.register_certificates(ids, keys)
    return consortium


def reference_events(contracts: DatapropContracts) -> list[ChainEvent]:
    """Every event of the contracts, read in one web3 query and decoded."""
    logs = contracts.connection.w3.eth.get_logs(
        {
            "fromBlock": 0,
            "toBlock": "latest",
            "address": [
                contracts.centres.address,
                contracts.anchors.address,
                contracts.certificates.address,
            ],
        }
    )
    return contracts.events.decode_all(logs)


def scan_all(scanner: LogScanner) -> list[ChainEvent]:
    head = scanner.block().number
    return [event for chunk in scanner.chunks(0, head) for event in chunk.events]


def test_a_chunked_scan_reads_every_event_in_chain_order(
    chain: ChainConnection, build: Build, tmp_path: Path
) -> None:
    contracts = busy_consortium(chain, build, tmp_path).contracts
    expected = reference_events(contracts)
    assert sum(isinstance(event, CertificateRegistered) for event in expected) == 10
    assert sum(isinstance(event, BatchAnchored) for event in expected) == 8

    assert scan_all(consortium_scanner(contracts, max_range=3)) == expected
    assert scan_all(consortium_scanner(contracts)) == expected


@pytest.fixture
def on_anvil(anvil: AnvilInstance, build: Build, tmp_path: Path) -> Consortium:
    return busy_consortium(connect_rpc(anvil.url), build, tmp_path)


def through(proxy: FlakyRpc, consortium: Consortium, **options: Any) -> LogScanner:
    """A scanner of the consortium's contracts that talks to the chain through ``proxy``."""
    contracts = consortium.contracts
    connection = connect_rpc(proxy.url)
    addresses = [
        contracts.centres.address,
        contracts.anchors.address,
        contracts.certificates.address,
    ]
    return LogScanner(connection, addresses, contracts.events, **options)


def test_ranges_refused_as_too_large_are_halved_and_failures_retried(
    on_anvil: Consortium, anvil: AnvilInstance
) -> None:
    expected = reference_events(on_anvil.contracts)
    served = 0

    def provider(request: dict[str, Any]) -> dict[str, Any] | int | None:
        nonlocal served
        if request["method"] != "eth_getLogs":
            return None
        query = request["params"][0]
        if int(query["toBlock"], 16) - int(query["fromBlock"], 16) >= 4:
            return TOO_MANY
        served += 1
        if served % 5 == 0:
            return 503
        return INTERNAL if served % 3 == 0 else None

    pauses: list[float] = []
    with flaky_rpc(anvil.url, provider) as proxy:
        scanner = through(proxy, on_anvil, max_range=64, sleep=pauses.append)
        assert scan_all(scanner) == expected
    ranges = proxy.log_ranges()
    assert max(last - first for first, last in ranges) > 4  # asked big, then smaller
    assert pauses and pauses[0] == 0.25  # a failed request waits before it is asked again
    answered = [(first, last) for first, last in ranges if last - first < 4]
    covered = sorted({block for first, last in answered for block in range(first, last + 1)})
    assert covered == list(range(0, on_anvil.contracts.connection.w3.eth.block_number + 1))


def test_a_range_that_keeps_failing_interrupts_the_scan_where_it_can_resume(
    on_anvil: Consortium, anvil: AnvilInstance
) -> None:
    head = on_anvil.contracts.connection.w3.eth.block_number
    broken = head - 3

    def provider(request: dict[str, Any]) -> dict[str, Any] | int | None:
        if (
            request["method"] == "eth_getLogs"
            and int(request["params"][0]["toBlock"], 16) >= broken
        ):
            return INTERNAL
        return None

    read: list[tuple[int, int]] = []
    pauses: list[float] = []
    with flaky_rpc(anvil.url, provider) as proxy:
        scanner = through(proxy, on_anvil, max_range=2, attempts=4, sleep=pauses.append)
        with pytest.raises(ScanInterruptedError) as interrupted:
            for chunk in scanner.chunks(0, head):
                read.append((chunk.first, chunk.last))
    assert interrupted.value.resume_block == read[-1][1] + 1
    assert read[-1][1] < broken
    assert pauses == [0.25, 0.5, 1.0]


def identity_of(contracts: DatapropContracts) -> ScanIdentity:
    return ScanIdentity(
        chain_id=contracts.connection.chain_id,
        centre_registry=contracts.centres.address,
        anchor_registry=contracts.anchors.address,
        certificate_registry=contracts.certificates.address,
        from_block=0,
    )


def test_a_scan_with_a_file_resumes_after_its_checkpoint(
    on_anvil: Consortium, anvil: AnvilInstance, tmp_path: Path
) -> None:
    contracts = on_anvil.contracts
    expected = reference_events(contracts)
    cache = tmp_path / "scan.jsonl"
    head = consortium_scanner(contracts).block()
    stop_at = head.number - 4

    def provider(request: dict[str, Any]) -> dict[str, Any] | int | None:
        if (
            request["method"] == "eth_getLogs"
            and int(request["params"][0]["toBlock"], 16) > stop_at
        ):
            return INTERNAL
        return None

    with flaky_rpc(anvil.url, provider) as proxy:
        scan = ResumableScan(
            through(proxy, on_anvil, max_range=3, attempts=2, sleep=lambda _: None),
            identity_of(contracts),
            cache,
        )
        first_run: list[ChainEvent] = []
        with pytest.raises(ScanInterruptedError) as interrupted:
            first_run.extend(scan.events(head))
        resume = interrupted.value.resume_block
        assert first_run == [event for event in expected if event.block_number < resume]

        with cache.open("a") as torn:
            torn.write('{"event": "BatchAnchored", "address"')  # a write cut short
        proxy.policy = lambda _request: None
        proxy.requests.clear()
        blocks: list[int] = []
        assert list(scan.events(head, blocks.append)) == expected
        assert min(first for first, _ in proxy.log_ranges()) == resume
        assert sum(blocks) == head.number + 1

    lines = cache.read_text().splitlines()
    assert json.loads(lines[0])["format"] == "dataprop-scan"
    assert json.loads(lines[-1])["checkpoint"] == head.number


def test_a_reorganised_checkpoint_makes_the_scan_start_anew(
    on_anvil: Consortium, tmp_path: Path
) -> None:
    contracts = on_anvil.contracts
    w3 = contracts.connection.w3
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    qingdao = on_anvil.writer(on_anvil.qingdao)
    qingdao.anchors.anchor_batch(keccak256(b"soon reorganised"), 3)
    cache = tmp_path / "scan.jsonl"
    scanner = consortium_scanner(contracts)
    scan = ResumableScan(scanner, identity_of(contracts), cache)
    list(scan.events(scanner.block()))

    w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    qingdao = on_anvil.writer(on_anvil.qingdao)  # a sender that reads the nonce anew
    qingdao.anchors.anchor_batch(keccak256(b"the chain's choice"), 5)
    replayed = list(scan.events(scanner.block()))
    assert replayed == reference_events(contracts)
    roots = [event.root for event in replayed if isinstance(event, BatchAnchored)]
    assert keccak256(b"the chain's choice") in roots
    assert keccak256(b"soon reorganised") not in roots
