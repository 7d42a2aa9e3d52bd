"""The chain index answers exactly as the contracts do, on the embedded chain and anvil."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from node.chain.chain_facts import ContractChainFacts
from node.chain.chain_index import ChainIndex, IndexReorganisedError
from node.chain.compiler import Build
from node.chain.connection import ChainConnection, connect_rpc
from node.chain.facts_sources import IndexedFactsSource
from node.chain.local_chain import AnvilInstance
from node.chain.types import CertificateStatus
from node.documents.bundle import CertificateBundle, bundle_json
from node.documents.canonical import keccak256, parse_digest
from node.verification.ports import ChainFacts
from node.verification.report import CheckName, VerificationReport
from node.verification.verifier import verify_bundle, verify_bundle_json
from tests.chain.verification_support import (
    QINGDAO,
    WEIFANG,
    Consortium,
    consortium_on,
    issue,
    tamper,
)
from tests.unit.verification.bundles import ISSUED_ON, certificate


@pytest.fixture
def consortium(chain: ChainConnection, build: Build, tmp_path: Path) -> Consortium:
    return consortium_on(chain, build, tmp_path / "deployed")


def _reports(bundles: list[CertificateBundle], facts: ChainFacts) -> list[VerificationReport]:
    reports = []
    for bundle in bundles:
        reports.append(verify_bundle(bundle, facts, today=ISSUED_ON))
        reports.append(verify_bundle(bundle, facts, today=ISSUED_ON, as_centre_id=WEIFANG))
        reports.append(verify_bundle_json(tamper(bundle_json(bundle)), facts, today=ISSUED_ON))
    return reports


def _same_answers(
    index: ChainIndex, consortium: Consortium, bundles: list[CertificateBundle]
) -> list[VerificationReport]:
    """Index and contracts give equal reports, and the reports are not trivially equal."""
    direct = ContractChainFacts(consortium.contracts)
    indexed = index.facts()
    assert indexed.block_number == direct.block_number
    expected = _reports(bundles, direct)
    assert _reports(bundles, indexed) == expected
    return expected


def test_the_index_gives_the_reports_of_the_contracts_as_the_chain_changes(
    consortium: Consortium,
) -> None:
    index = ChainIndex(consortium.contracts)
    index.refresh()
    qingdao = consortium.writer(consortium.qingdao)
    valid, pledged, outsider = (
        issue(consortium, certificate(key.address, serial, f"数据集 {serial}"), key)
        for serial, key in enumerate(
            (consortium.qingdao, consortium.qingdao, consortium.outsider), start=1
        )
    )
    bundles = [valid, pledged, outsider]
    index.refresh()
    first = _same_answers(index, consortium, bundles)
    assert first[0].ok and not first[2].ok, "valid, tampered"
    assert not first[1].ok, "Weifang does not recognise Qingdao yet"
    issued_block = index.block_number

    pledged_id = parse_digest(pledged.document["certificate_id"])
    pledges = [keccak256(f"pledge {n}".encode()) for n in range(3)]
    for n, pledge_id in enumerate(pledges):
        qingdao.certificates.register_pledge(
            pledged_id, pledge_id, keccak256(f"record {n}".encode()), keccak256(b"bank")
        )
    qingdao.certificates.release_pledge(pledges[1], keccak256(b"released"))
    consortium.writer(consortium.weifang).centres.set_recognition(QINGDAO, True)
    qingdao.certificates.set_status(
        parse_digest(valid.document["certificate_id"]),
        CertificateStatus.REVOKED,
        keccak256(b"revocation decision"),
    )
    superseding = certificate(consortium.qingdao.address, serial=4, asset_name="数据集 3")
    bundles.append(issue(consortium, superseding, consortium.qingdao))
    index.refresh()
    later = _same_answers(index, consortium, bundles)
    assert later[6].check(CheckName.STATUS).reason.startswith("superseded")
    assert later[0].check(CheckName.STATUS).reason.startswith("revoked")
    assert [p.priority for p in later[3].pledges] == [1, 3]
    assert later[4].ok, "pledged, and recognised by Weifang"

    pinned = ContractChainFacts(consortium.contracts, issued_block)
    assert _reports(bundles[:3], index.facts(issued_block)) == _reports(bundles[:3], pinned)
    assert _reports(bundles[:3], pinned) == first
    rebuilt = ChainIndex(consortium.contracts)
    rebuilt.refresh()
    assert _reports(bundles, rebuilt.facts()) == later


def test_an_index_sees_when_its_blocks_are_reorganised_away(consortium: Consortium) -> None:
    provider = consortium.contracts.connection.w3.provider
    snapshot = provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    index = ChainIndex(consortium.contracts)
    issue(consortium, certificate(consortium.qingdao.address, serial=1), consortium.qingdao)
    index.refresh()
    provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    for serial in (2, 3, 4):
        issue(
            consortium,
            certificate(consortium.qingdao.address, serial=serial),
            consortium.qingdao,
        )
    with pytest.raises(IndexReorganisedError):
        index.refresh()


def test_a_followed_index_catches_up_by_itself(
    anvil: AnvilInstance, build: Build, tmp_path: Path
) -> None:
    consortium = consortium_on(connect_rpc(anvil.url), build, tmp_path / "deployed")
    source = IndexedFactsSource(consortium.contracts, max_age=0.02)
    stop = source.follow()
    try:
        bundle = issue(consortium, certificate(consortium.qingdao.address), consortium.qingdao)
        head = consortium.contracts.connection.w3.eth.block_number
        deadline = time.monotonic() + 30
        while source.index.block_number < head:
            assert time.monotonic() < deadline, "the index never caught up"
            time.sleep(0.02)
        assert source.answers_at_once(bundle)
        assert verify_bundle(bundle, source.facts_for(bundle), today=ISSUED_ON).ok
    finally:
        stop()
