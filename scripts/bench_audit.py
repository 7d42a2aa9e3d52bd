"""Time and peak memory of an audit of N anchored documents from an export, against anvil.

Each size runs in a process of its own (so its peak memory is its own). Not
timed: a single-centre consortium is deployed on a fresh anvil; N signed
documents are made the way a node makes a case (a compliance report, a public
notice and a certificate each; about 1.2 KiB of canonical JSON), put in Merkle
batches of ``--batch`` whose roots the centre anchors, and every certificate is
registered on chain (256 a transaction); the export file holds them with
their proofs, the certificates, the chain actions and an event log of one
entry per document whose head is anchored. ``--tamper`` documents of the file
are then altered after the fact.

Timed, in a fresh process as ``dataprop audit --export FILE`` runs: the scan
of the chain's logs (no scan file) and the reconciliation with ``--workers``
processes. The run counts only if the audit found exactly the tampered
documents and checked all the others. Peak memory is the largest resident set
of the auditing process and of one worker; CPU seconds are given too, since
on a machine shared with other work the wall time says more about the others.

    .venv/bin/python scripts/bench_audit.py [--count N ...] [--batch B] [--workers W]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from web3.types import RPCEndpoint, TxReceipt

from node.audit.export_format import (
    COUNTED,
    RecordKind,
    batch_record,
    certificate_record,
    chain_action_record,
    encode,
    event_record,
    header_record,
    leaf_record,
)
from node.audit.findings import FindingCode
from node.audit.run import audit_sources, file_source, read_chain
from node.chain.compiler import compile_contracts
from node.chain.connection import connect_rpc, dev_accounts
from node.chain.contracts import DatapropContracts, bind_contracts
from node.chain.deployment import GenesisCentre, dataprop_plan, deploy, load_deployment
from node.chain.local_chain import start_anvil
from node.chain.transactions import RawTransaction, TransactionSender
from node.config import REPO_ROOT
from node.documents.canonical import canonical_json, digest_hex, keccak256
from node.documents.ids import certificate_id_of
from node.documents.kinds import DocumentKind
from node.documents.merkle import StandardMerkleTree
from node.documents.schemas import CentreRef
from node.documents.signing import CentreSigner, SignedFields, SigningDomain
from node.domain.certificate import CertificateStatus
from node.errors import NodeError
from node.store.digests import ZERO_HASH
from node.store.log_chain import entry_hash
from node.store.records import (
    AnchorBatch,
    AnchorBatchStatus,
    AnchorJob,
    AnchorJobStatus,
    CertificateRecord,
    ChainAction,
    ChainActionStatus,
    EventEntry,
    StoredDocument,
)
from node.verification.ports import ConsortiumAddresses

BUILD_DIR = REPO_ROOT / ".dataprop" / "build"
REGISTER_CHUNK = 256
ANCHOR_GAS = 120_000
RECEIPT_ATTEMPTS = 5
REGISTER_GAS = 25_000_000
KINDS = (DocumentKind.COMPLIANCE_REPORT, DocumentKind.NOTICE, DocumentKind.CERTIFICATE)
START = datetime(2026, 3, 2, 9, tzinfo=UTC)
console = Console(soft_wrap=True)


class BenchmarkError(NodeError):
    """The audit did not find exactly what was tampered with, or did not check everything."""

    code = "benchmark_failed"


@dataclass(frozen=True)
class Figures:
    """What one size measured."""

    documents: int
    certificates: int
    batches: int
    export_mib: float
    scan_s: float
    reconcile_s: float
    workers: int
    main_cpu_s: float
    """CPU seconds of the auditing process (scan and reconciliation)."""
    worker_cpu_s: float
    """CPU seconds of the worker processes together."""
    peak_mib: float
    worker_peak_mib: float
    findings: int

    @property
    def total_s(self) -> float:
        return self.scan_s + self.reconcile_s

    @property
    def per_second(self) -> float:
        return self.documents / self.total_s


def main(argv: Sequence[str] | None = None) -> list[Figures]:
    """Run each size in a child process and print the table."""
    args = _parser().parse_args(argv)
    if args.audit is not None:
        Path(args.result_file).write_text(json.dumps(audit(args)), "utf-8")
        return []
    if args.child:
        [count] = args.count
        measured = run(count, args.batch, args.workers, args.tamper)
        Path(args.result_file).write_text(json.dumps(asdict(measured)), "utf-8")
        return [measured]
    figures = [_in_child(count, args) for count in args.count]
    Console(width=max(console.width, 150)).print(table(figures))
    return figures


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--batch", type=int, default=1024, help="documents per anchored batch")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--tamper", type=int, default=3, help="documents altered in the export")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    parser.add_argument("--audit", metavar="EXPORT", help=argparse.SUPPRESS)
    parser.add_argument("--rpc", help=argparse.SUPPRESS)
    parser.add_argument("--record-dir", help=argparse.SUPPRESS)
    return parser


def _in_child(count: int, args: argparse.Namespace) -> Figures:
    console.rule(f"{count:,} documents")
    with tempfile.TemporaryDirectory(prefix="dataprop-bench-audit-") as folder:
        result = Path(folder) / "figures.json"
        command = [sys.executable, __file__, "--child", "--count", str(count)]
        command += ["--batch", str(args.batch), "--workers", str(args.workers)]
        command += ["--tamper", str(args.tamper), "--result-file", str(result)]
        subprocess.run(command, check=True, cwd=REPO_ROOT)
        return Figures(**json.loads(result.read_text("utf-8")))


def table(figures: Sequence[Figures]) -> Table:
    view = Table(
        "documents",
        "certificates",
        "batches",
        "export MiB",
        "scan s",
        "reconcile s",
        "total s",
        "docs/s",
        "workers",
        "CPU s (main + workers)",
        "peak MiB (main)",
        "peak MiB (worker)",
        title="Audit of anchored documents from an export",
    )
    for row in figures:
        view.add_row(
            f"{row.documents:,}",
            f"{row.certificates:,}",
            f"{row.batches:,}",
            f"{row.export_mib:,.0f}",
            f"{row.scan_s:.2f}",
            f"{row.reconcile_s:.2f}",
            f"{row.total_s:.2f}",
            f"{row.per_second:,.0f}",
            str(row.workers),
            f"{row.main_cpu_s:.1f} + {row.worker_cpu_s:.1f}",
            f"{row.peak_mib:,.0f}",
            f"{row.worker_peak_mib:,.0f}",
        )
    return view


# -- one size -----------------------------------------------------------------------------------


def run(count: int, batch: int, workers: int, tamper: int) -> Figures:
    """Prepare the chain and the export of ``count`` documents, then audit it, timed."""
    with tempfile.TemporaryDirectory(prefix="dataprop-bench-audit-") as folder:
        root = Path(folder)
        anvil = start_anvil(
            REPO_ROOT / "hardhat-free-local-chain", root / "anvil", options=["--prune-history"]
        )
        try:
            connection = connect_rpc(anvil.url, timeout=120.0)
            build = compile_contracts(REPO_ROOT / "contracts", BUILD_DIR)
            accounts = dev_accounts(connection)
            centre = accounts[1]
            genesis = [GenesisCentre(centre.address, 370200, "青岛市数据资产登记评价中心", "")]
            sender = TransactionSender(connection.w3, accounts[0], poll_interval=0.01)
            record = deploy(connection, sender, build, dataprop_plan(genesis, 3600), root)
            contracts = bind_contracts(connection, record, build, centre, poll_interval=0.01)
            export = root / "export.jsonl"
            try:
                with _progress() as progress, export.open("wb") as out:
                    made = Export(contracts, out, progress).write(count, batch)
            except BaseException:
                log = Path(anvil.log).read_text("utf-8", errors="replace")
                console.print("anvil's last words:\n" + "\n".join(log.splitlines()[-20:]))
                raise
            altered = tamper_with(export, tamper)
            size = export.stat().st_size / 2**20
            measured = _audit_in_child(export, anvil.url, root, workers)
        finally:
            anvil.stop()
    found = {(code, subject) for code, subject in measured["findings"]}
    expected = {(FindingCode.DOCUMENT_TAMPERED.value, document_id) for document_id in altered}
    checked = measured["documents_checked"]
    if found != expected or checked != count + 1:  # and the event log's head
        raise BenchmarkError(
            f"expected {len(expected)} findings and {count} documents checked, "
            f"got {sorted(found)[:5]} and {checked}"
        )
    return Figures(
        documents=count,
        certificates=made.certificates,
        batches=made.batches,
        export_mib=size,
        scan_s=measured["scan_s"],
        reconcile_s=measured["reconcile_s"],
        workers=workers,
        main_cpu_s=measured["main_cpu_s"],
        worker_cpu_s=measured["worker_cpu_s"],
        peak_mib=measured["peak_mib"],
        worker_peak_mib=measured["worker_peak_mib"],
        findings=len(measured["findings"]),
    )


def _audit_in_child(export: Path, rpc_url: str, record_dir: Path, workers: int) -> Any:
    """The timed audit in a fresh process, so its peak memory is the audit's alone."""
    result = record_dir / "audit.json"
    command = [sys.executable, __file__, "--audit", str(export), "--rpc", rpc_url]
    command += ["--record-dir", str(record_dir), "--workers", str(workers)]
    command += ["--result-file", str(result)]
    subprocess.run(command, check=True, cwd=REPO_ROOT)
    return json.loads(result.read_text("utf-8"))


def audit(args: argparse.Namespace) -> dict[str, Any]:
    """What ``dataprop audit --export`` does, timed: the scan, then the reconciliation."""
    connection = connect_rpc(args.rpc, timeout=120.0)
    build = compile_contracts(REPO_ROOT / "contracts", BUILD_DIR)
    contracts = bind_contracts(
        connection, load_deployment(Path(args.record_dir), connection), build
    )
    cpu = time.process_time()
    started = time.perf_counter()
    history, chain = read_chain(contracts, from_block=0)
    scanned = time.perf_counter()
    report = audit_sources(
        history,
        chain,
        [file_source(Path(args.audit))],
        as_of=datetime.now(UTC),
        workers=args.workers,
    )
    done = time.perf_counter()
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "scan_s": scanned - started,
        "reconcile_s": done - scanned,
        "main_cpu_s": time.process_time() - cpu,
        "worker_cpu_s": workers.ru_utime,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_peak_mib": workers.ru_maxrss / 1024,
        "documents_checked": report.sources[0].counts["documents_checked"],
        "findings": [(f.code.value, f.subject) for f in report.findings],
    }


@dataclass
class Made:
    certificates: int = 0
    batches: int = 0


class Export:
    """Writes the export of a node with ``count`` anchored documents, anchoring as it goes."""

    def __init__(self, contracts: DatapropContracts, out: IO[bytes], progress: Progress) -> None:
        assert contracts.sender is not None
        self._contracts = contracts
        self._sender = contracts.sender
        self._out = out
        self._progress = progress
        self._counts = dict.fromkeys((kind.value for kind in COUNTED), 0)
        domain = SigningDomain(contracts.connection.chain_id, contracts.anchors.address)
        self._signer = CentreSigner(bytes(self._sender.account.key), domain)
        self._centre = CentreRef(
            region_code="370200", name="青岛市数据资产登记评价中心", signer=self._signer.address
        )
        self._chain = ConsortiumAddresses(
            centre_registry=contracts.centres.address,
            anchor_registry=contracts.anchors.address,
            certificate_registry=contracts.certificates.address,
        )
        self.made = Made()

    def write(self, count: int, batch: int) -> Made:
        self._out.write(
            encode(
                header_record(self._centre, self._contracts.connection.chain_id, self._chain, START)
            )
        )
        numbers = [
            self._number(i) for i in range(count) if KINDS[i % 3] is DocumentKind.CERTIFICATE
        ]
        task = self._progress.add_task("register certificates (not timed)", total=len(numbers))
        for action in self._register(numbers, task):
            self._line(chain_action_record(action))
        documents = self._progress.add_task("sign and anchor documents (not timed)", total=count)
        job_id = 0
        for first in range(0, count, batch):
            indexes = range(first, min(first + batch, count))
            made = [self._document(i) for i in indexes]
            if first + batch >= count:  # the last batch carries the event log's head
                made.append(self._head(count, made))
            tree = StandardMerkleTree.of_digests([document.digest for document in made])
            call = self._contracts.anchors.function("anchorBatch", tree.root, len(made))
            receipt = self._mined(self._sender.send(call, gas=ANCHOR_GAS))
            self.made.batches += 1
            batch_id = self.made.batches
            self._line(
                batch_record(
                    AnchorBatch(
                        id=batch_id,
                        root=tree.root,
                        leaf_count=len(made),
                        status=AnchorBatchStatus.CONFIRMED,
                        sender=self._sender.address,
                        raw_tx=None,
                        tx_hash=bytes(receipt["transactionHash"]),
                        nonce=None,
                        block_number=receipt["blockNumber"],
                        block_hash=bytes(receipt["blockHash"]),
                        created_at=START,
                        sent_at=START,
                        confirmed_at=START,
                    )
                )
            )
            for index, document in enumerate(made):
                job_id += 1
                job = AnchorJob(
                    id=job_id,
                    document_id=document.id,
                    digest=document.digest,
                    status=AnchorJobStatus.CONFIRMED,
                    batch_id=batch_id,
                    leaf_index=index,
                    proof=tuple(tree.proof(index)),
                    created_at=START,
                    deadline_at=START + timedelta(seconds=5),
                )
                self._line(leaf_record(job, document))
            self._progress.advance(documents, len(indexes))
        for number in numbers:
            self._line(certificate_record(self._certificate(number)))
        self._write_log()
        self._out.write(encode({"record": RecordKind.END.value, "counts": self._counts}))
        return self.made

    def _register(self, numbers: list[str], task: Any) -> Iterator[ChainAction]:
        """Register the certificates, 256 a transaction (most of a block's gas: the base fee
        would climb block after block until the account ran dry, so it is reset each time)."""
        certificates = self._contracts.certificates
        for first in range(0, len(numbers), REGISTER_CHUNK):
            self._low_base_fee()
            chunk = numbers[first : first + REGISTER_CHUNK]
            ids = [certificate_id_of(number) for number in chunk]
            keys = [keccak256(f"asset {number}".encode()) for number in chunk]
            call = certificates.function("registerCertificates", ids, keys)
            signed = self._sender.send(call, gas=REGISTER_GAS)
            receipt = self._mined(signed)
            self.made.certificates += len(ids)
            yield ChainAction(
                id=self.made.certificates,
                kind="register_certificates",
                payload={
                    "certificate_ids": [digest_hex(i) for i in ids],
                    "asset_keys": [digest_hex(k) for k in keys],
                },
                status=ChainActionStatus.CONFIRMED,
                raw_tx=None,
                tx_hash=bytes(signed.tx_hash),
                nonce=signed.nonce,
                block_number=receipt["blockNumber"],
                block_hash=bytes(receipt["blockHash"]),
                error=None,
                created_at=START,
            )
            self._progress.advance(task, len(ids))

    def _mined(self, signed: RawTransaction) -> TxReceipt:
        """The receipt, asked again when anvil drops a connection under a heavy block."""
        for attempt in range(RECEIPT_ATTEMPTS):
            try:
                return self._sender.wait(signed.tx_hash)
            except OSError:
                if attempt == RECEIPT_ATTEMPTS - 1:
                    raise
                time.sleep(1.0)
        raise AssertionError("unreachable")

    def _low_base_fee(self) -> None:
        w3 = self._contracts.connection.w3
        answer = w3.provider.make_request(RPCEndpoint("anvil_setNextBlockBaseFeePerGas"), ["0x1"])
        if "error" in answer:
            raise BenchmarkError(f"anvil refused to set the base fee: {answer['error']}")

    def _number(self, index: int) -> str:
        return f"370200-2026-{index // 3 + 1:06d}-X"

    def _document(self, index: int) -> StoredDocument:
        kind = KINDS[index % 3]
        case = index // 3 + 1
        subject = self._number(index) if kind is DocumentKind.CERTIFICATE else f"app-{case:07d}"
        body = _body(kind, subject, case, self._centre)
        return self._stored(f"doc-{index:07d}", kind, subject, body)

    def _head(self, count: int, made: list[StoredDocument]) -> StoredDocument:
        entries = self._log_hashes(count + len(made) - 1)
        body = {
            "kind": "event_log_head",
            "schema_version": 1,
            "subject": "event-log",
            "centre": self._centre.model_dump(),
            "created_at": START.isoformat(),
            "previous_digest": None,
            "seq": len(entries),
            "hash": digest_hex(entries[-1]),
            "at": START.isoformat(),
        }
        self._head_entries = entries
        return self._stored("doc-head", DocumentKind.EVENT_LOG_HEAD, "event-log", body)

    def _stored(
        self, document_id: str, kind: DocumentKind, subject: str, body: dict[str, Any]
    ) -> StoredDocument:
        canonical = canonical_json(body)
        digest = keccak256(canonical)
        signature = self._signer.sign(SignedFields(kind.value, subject, digest, 1))
        return StoredDocument(
            id=document_id,
            kind=kind,
            subject=subject,
            schema_version="1",
            canonical=canonical,
            digest=digest,
            signature=signature,
            signer=self._signer.address,
            previous_digest=None,
            created_at=START,
        )

    def _log_hashes(self, entries: int) -> list[bytes]:
        """The hashes of the log's first ``entries`` entries, one per document recorded."""
        hashes = []
        previous = ZERO_HASH
        for seq in range(1, entries + 1):
            previous = entry_hash(
                previous,
                seq,
                _at(seq),
                "issuer-chen",
                "document.recorded",
                f"doc-{seq - 1:07d}",
                {"seq": seq},
            )
            hashes.append(previous)
        return hashes

    def _write_log(self) -> None:
        previous = ZERO_HASH
        for seq, hash_ in enumerate(self._head_entries, start=1):
            self._line(
                event_record(
                    EventEntry(
                        seq=seq,
                        at=_at(seq),
                        actor="issuer-chen",
                        action="document.recorded",
                        subject=f"doc-{seq - 1:07d}",
                        details={"seq": seq},
                        prev_hash=previous,
                        hash=hash_,
                    )
                )
            )
            previous = hash_

    def _certificate(self, number: str) -> CertificateRecord:
        return CertificateRecord(
            registration_number=number,
            application_id=None,
            holder_credit_code="91370200MA3C1234X5",
            status=CertificateStatus.ACTIVE,
            asset_key=keccak256(f"asset {number}".encode()),
            certificate_id=certificate_id_of(number),
            document_digest=ZERO_HASH,
            issued_on=date(2026, 3, 2),
            valid_until=date(2029, 3, 1),
            superseded_by=None,
            version=1,
        )

    def _line(self, record: dict[str, Any]) -> None:
        self._counts[record["record"]] += 1
        self._out.write(encode(record))


def _at(seq: int) -> datetime:
    return START + timedelta(microseconds=seq * 1_000)


def _body(kind: DocumentKind, subject: str, case: int, centre: CentreRef) -> dict[str, Any]:
    """A document of the shape and size a node records for ``kind`` (about 1.2 KiB)."""
    envelope = {
        "kind": kind.value,
        "schema_version": 1,
        "subject": subject,
        "centre": centre.model_dump(),
        "created_at": START.isoformat(),
        "previous_digest": None,
    }
    holder = {
        "name": f"青岛示例数据科技有限公司{case}",
        "credit_code": "91370200MA3C1234X5",
        "ownership": "non-state",
        "region_code": "370200",
    }
    if kind is DocumentKind.CERTIFICATE:
        return {
            **envelope,
            "registration_number": subject,
            "certificate_id": digest_hex(certificate_id_of(subject)),
            "asset_key": digest_hex(keccak256(f"asset {subject}".encode())),
            "holder": holder,
            "asset": {
                "name": f"城市交通出行数据集 第 {case} 批",
                "description": "全市公共交通刷卡、网约车订单与路口流量的脱敏汇总数据。按小时更新。"
                * 3,
                "data_type": "structured",
                "industry_section": "G",
                "source": "企业自有业务系统采集",
                "scale": "约 1,200 万条记录",
                "update_frequency": "每小时",
                "scenarios": ["交通规划", "商业选址"],
            },
            "rights": ["holding", "use"],
            "issued_on": "2026-03-02",
            "valid_until": "2029-03-01",
            "supersedes": None,
            "application_id": f"app-{case:07d}",
            "compliance_report_digest": None,
            "notice_digest": None,
        }
    if kind is DocumentKind.NOTICE:
        return {
            **envelope,
            "application_id": subject,
            "holder": holder,
            "asset_name": f"城市交通出行数据集 第 {case} 批",
            "rights": ["holding", "use"],
            "published_at": START.isoformat(),
            "working_days": 10,
            "ends_on": "2026-03-16",
        }
    section = {"verdict": "pass", "findings": "材料齐全。来源合法。处理过程合规。" * 2}
    return {
        **envelope,
        "application_id": subject,
        "reviewers": ["reviewer-wang"],
        "rights": ["holding", "use"],
        "passed": True,
        "sections": dict.fromkeys(
            ("主体合规", "数据内容合规", "数据来源合规", "数据加工处理合规"), section
        ),
    }


def tamper_with(export: Path, count: int) -> list[str]:
    """Alter the content of ``count`` documents spread over the file, in place; their ids."""
    if count == 0:
        return []
    lines = export.stat().st_size
    altered = []
    with export.open("r+b") as file:
        for place in range(1, count + 1):
            file.seek(lines * place // (count + 2))
            file.readline()
            while True:
                start = file.tell()
                line = file.readline()
                if line.startswith(b'{"record":"leaf"') and b'"kind":"certificate"' in line:
                    break
            edited = line.replace("城市交通".encode(), "城市公交".encode(), 1)
            assert len(edited) == len(line) and edited != line
            file.seek(start)
            file.write(edited)
            altered.append(json.loads(edited)["document"]["id"])
    return altered


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


if __name__ == "__main__":
    main()
