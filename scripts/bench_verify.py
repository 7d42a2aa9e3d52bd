"""Verification throughput and latency on anvil: in-process, and POST /verify over HTTP.

Issues ``--count`` distinct certificates the fast way (signed here, anchored in
Merkle batches, registered in bulk), then verifies every bundle once (a) with
the in-process verifier over the chain index, given the parsed bundle and given
the file's bytes, and (b) through ``POST /verify`` of a node served by uvicorn
in a process of its own, from ``--concurrency`` client connections. Prints
verifications per second and p50 / p99 latency. Exits 1 if any bundle did not
verify as valid.

    .venv/bin/python scripts/bench_verify.py [--count 10000] [--concurrency 8] [--batch 1024]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from node.chain.compiler import Build, compile_contracts
from node.chain.connection import connect_rpc, dev_accounts
from node.chain.contracts import DatapropContracts, bind_contracts
from node.chain.deployment import GenesisCentre, dataprop_plan, deploy
from node.chain.facts_sources import IndexedFactsSource
from node.chain.local_chain import free_port, start_anvil, stop_process_group
from node.chain.transactions import TransactionSender
from node.config import REPO_ROOT
from node.documents.builders import certificate_document
from node.documents.bundle import (
    CertificateBundle,
    bundle_json,
    certificate_bundle,
    parse_bundle,
)
from node.documents.canonical import document_digest, parse_digest
from node.documents.merkle import StandardMerkleTree
from node.documents.schemas import CentreRef, CertificateDocument, as_json
from node.documents.signing import CentreSigner, SignedFields, SigningDomain
from node.domain.calendar import SystemClock, local_date
from node.domain.certificate import Certificate
from node.domain.identifiers import CreditCode, RegionCode, RegistrationNumber
from node.domain.values import (
    ApplicationContent,
    DataAsset,
    DataType,
    Holder,
    IndustrySection,
    Ownership,
    Right,
    Rights,
)
from node.verification.public import PublicVerifier

REGION = RegionCode("370200")
CENTRE_NAME = "青岛市数据资产登记评价中心"
REGISTER_CHUNK = 256
"""Certificates per registerCertificates transaction (about 75,500 gas each)."""
TARGETS = {
    "in-process, parsed bundle": (2_000, None),
    "in-process, bundle bytes": (2_000, None),
    "POST /verify": (500, 50.0),
}
"""Verifications a second at least, and p99 in milliseconds at most."""


@dataclass(frozen=True)
class Figures:
    """One run's throughput and latency."""

    mode: str
    count: int
    seconds: float
    latencies: list[float]
    invalid: int

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def percentile(self, share: float) -> float:
        """Latency in milliseconds below which ``share`` of the verifications finished."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    def line(self) -> str:
        minimum, p99_limit = TARGETS[self.mode]
        met = self.per_second >= minimum and (
            p99_limit is None or self.percentile(0.99) < p99_limit
        )
        target = f"≥ {minimum:,}/s" + ("" if p99_limit is None else f", p99 < {p99_limit:g} ms")
        return (
            f"| {self.mode} | {self.count:,} | {self.seconds:.2f} | {self.per_second:,.0f} | "
            f"{self.percentile(0.5):.2f} | {self.percentile(0.99):.2f} | {target} "
            f"({'met' if met else 'NOT met'}) |"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="distinct certificates")
    parser.add_argument("--batch", type=int, default=1024, help="certificates per Merkle batch")
    parser.add_argument("--concurrency", type=int, default=8, help="HTTP client connections")
    parser.add_argument(
        "--build-dir", type=Path, default=REPO_ROOT / ".dataprop" / "build", help="compiler cache"
    )
    args = parser.parse_args(argv)
    build = compile_contracts(REPO_ROOT / "contracts", args.build_dir)
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as folder:
        work = Path(folder)
        anvil = start_anvil(REPO_ROOT / "hardhat-free-local-chain", work / "anvil")
        try:
            results = _run(args, build, anvil.url, work)
        finally:
            anvil.stop()
    print("| mode | verifications | seconds | per second | p50 ms | p99 ms | target |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for figures in results:
        print(figures.line())
    invalid = sum(figures.invalid for figures in results)
    if invalid:
        print(f"{invalid} verification(s) did not find the certificate valid", file=sys.stderr)
    return 1 if invalid else 0


def _run(args: argparse.Namespace, build: Build, rpc_url: str, work: Path) -> list[Figures]:
    connection = connect_rpc(rpc_url)
    accounts = dev_accounts(connection)
    deployer, centre = accounts[0], accounts[1]
    genesis = [GenesisCentre(centre.address, int(REGION.value), CENTRE_NAME, "http://127.0.0.1")]
    sender = TransactionSender(connection.w3, deployer, poll_interval=0.01)
    record = deploy(connection, sender, build, dataprop_plan(genesis, 3600), work)
    contracts = bind_contracts(connection, record, build, centre, poll_interval=0.01)
    today = local_date(SystemClock().now())
    started = time.perf_counter()
    bundles = _issue(contracts, bytes(centre.key), args.count, args.batch, today)
    print(
        f"issued and anchored {len(bundles):,} certificates in "
        f"{time.perf_counter() - started:.1f} s (anvil, batches of {args.batch})"
    )
    started = time.perf_counter()
    verifier = PublicVerifier(
        IndexedFactsSource(bind_contracts(connection, record, build)), _no_bundles, lambda: today
    )
    print(f"indexed the chain in {time.perf_counter() - started:.2f} s")
    gc.freeze()  # as the node's app does: the index and the bundles live on
    parsed = {body: parse_bundle(body) for body in bundles}
    verifier_only = _timed(
        "in-process, parsed bundle", bundles, lambda body: verifier.verify(parsed[body]).report.ok
    )
    from_bytes = _timed(
        "in-process, bundle bytes", bundles, lambda body: verifier.verify_bytes(body).report.ok
    )
    with _node_server(rpc_url, work, build) as url:
        over_http = asyncio.run(_post_all(url, bundles, args.concurrency))
    return [verifier_only, from_bytes, over_http]


def _issue(
    contracts: DatapropContracts, key: bytes, count: int, batch: int, today: date
) -> list[bytes]:
    """``count`` certificates signed, anchored in batches and registered; their bundle files."""
    domain = SigningDomain(contracts.connection.chain_id, contracts.anchors.address)
    signer = CentreSigner(key, domain)
    centre = CentreRef(region_code=REGION.value, name=CENTRE_NAME, signer=signer.address)
    documents = [_certificate(serial, centre, today) for serial in range(1, count + 1)]
    bundles: list[CertificateBundle] = []
    for start in range(0, count, batch):
        bundles.extend(_anchor_batch(contracts, signer, documents[start : start + batch]))
    for start in range(0, count, REGISTER_CHUNK):
        chunk = documents[start : start + REGISTER_CHUNK]
        contracts.certificates.register_certificates(
            [parse_digest(document.certificate_id) for document in chunk],
            [parse_digest(document.asset_key) for document in chunk],
        )
    return [bundle_json(bundle) for bundle in bundles]


def _anchor_batch(
    contracts: DatapropContracts, signer: CentreSigner, documents: list[CertificateDocument]
) -> Iterator[CertificateBundle]:
    digests = [document_digest(as_json(document)) for document in documents]  # type: ignore[arg-type]
    tree = StandardMerkleTree.of([[digest] for digest in digests], ["bytes32"])
    receipt = contracts.anchors.anchor_batch(tree.root, len(digests))
    for index, (document, digest) in enumerate(zip(documents, digests, strict=True)):
        fields = SignedFields(
            kind=document.kind.value,
            subject=document.subject,
            digest=digest,
            schema_version=document.schema_version,
        )
        yield certificate_bundle(
            document,
            signature=signer.sign(fields),
            domain=signer.domain,
            root=tree.root,
            proof=tree.proof(index),
            leaf_index=index,
            transaction_hash=bytes(receipt["transactionHash"]),
            block_number=receipt["blockNumber"],
            certificate_registry=contracts.certificates.address,
            centre_registry=contracts.centres.address,
        )


def _certificate(serial: int, centre: CentreRef, today: date) -> CertificateDocument:
    holder = Holder(
        "青岛示例农业数据科技有限公司",
        CreditCode("913702002000000055"),
        Ownership.NON_STATE,
        REGION,
    )
    asset = DataAsset(
        name=f"数字农业产供销数据集 {serial}",
        description="生产、仓储、批发和零售环节的日度数据。",
        data_type=DataType.STRUCTURED,
        industry_section=IndustrySection.A,
        source="自有生产经营系统采集",
        scale="约 1,200 万条记录",
        update_frequency="每日",
        scenarios=("产销对接",),
    )
    content = ApplicationContent(holder, asset, Rights.of(Right.HOLDING, Right.USE))
    number = RegistrationNumber.create(REGION, today.year, serial)
    return certificate_document(
        Certificate.issue(number, content, issued_on=today),
        centre=centre,
        created_at=datetime.now(UTC),
        application_id=None,
        compliance_report_digest=None,
        notice_digest=None,
    )


def _no_bundles(registration_number: str) -> CertificateBundle:
    raise LookupError(f"the benchmark looks up no number ({registration_number})")


def _timed(mode: str, bodies: list[bytes], verify: Callable[[bytes], bool]) -> Figures:
    for body in bodies[:20]:
        verify(body)  # warm up caches and the index's first refresh
    latencies: list[float] = []
    invalid = 0
    started = time.perf_counter()
    for body in bodies:
        before = time.perf_counter()
        invalid += not verify(body)
        latencies.append(time.perf_counter() - before)
    return Figures(mode, len(bodies), time.perf_counter() - started, latencies, invalid)


@contextmanager
def _node_server(rpc_url: str, work: Path, build: Build) -> Iterator[str]:
    """``uvicorn --factory api.main:node_app`` for the deployment in ``work``; its URL."""
    port = free_port()
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("DATAPROP_")
    }
    environment.update(
        DATAPROP_DATA_DIR=str(work),
        DATAPROP_BUILD_DIR=str(build.path.parent),
        DATAPROP_CHAIN__BACKEND="rpc",
        DATAPROP_CHAIN__RPC_URL=rpc_url,
    )
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.main:node_app",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
               "--no-access-log"]  # fmt: skip
    log = (work / "uvicorn.log").open("wb")
    process = subprocess.Popen(
        command, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, work / "uvicorn.log")
        yield url
    finally:
        stop_process_group(process.pid)
        process.wait(timeout=10)
        log.close()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited: {log.read_text('utf-8', 'replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"uvicorn did not answer at {url} within 60 s")


async def _post_all(url: str, bodies: list[bytes], concurrency: int) -> Figures:
    queue = iter(bodies)
    latencies: list[float] = []
    invalid = 0

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal invalid
        for body in queue:
            before = time.perf_counter()
            response = await http.post("/verify", content=body)
            latencies.append(time.perf_counter() - before)
            invalid += response.status_code != 200 or response.json()["verdict"] != "valid"

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http:
        for body in bodies[:20]:
            await http.post("/verify", content=body)  # warm up the server's index
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return Figures("POST /verify", len(bodies), seconds, latencies, invalid)


if __name__ == "__main__":
    raise SystemExit(main())
