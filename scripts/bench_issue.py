"""Certificates issued and anchored per second, end to end, per database and chain.

Each combination runs in a process of its own (so that its peak memory is its
own) on a new database and a new chain with the contracts deployed. Not timed:
``--count`` applications past their public notice are written through the
store in bulk, with their compliance reports and notices signed and anchored.
Then, as the node's app does after start-up, the objects alive are moved out
of the garbage collector's way and collections made rarer
(``node.runtime.freeze_startup_heap``): otherwise collections walk the
libraries, the contracts and the embedded chain again and again, which cost
issuing a quarter of its time. Timed, from the first certificate issued
to the last proof stored:

- issue: ``IssuanceService.issue_many``, 256 certificates per transaction: load
  the applications, build, canonicalise and sign (EIP-712) each certificate,
  check the asset keys here and on chain, store certificates, documents,
  anchoring jobs and applications, queue one ``register_certificates`` action;
- anchor: the anchoring worker, until every anchoring job is confirmed with its
  proof stored and every chain action confirmed. The worker waits for
  ``chain.confirmations`` (1) blocks; both chains here mine only on a
  transaction, so the bench mines the block that a live chain would bring.

Where the worker runs (``--worker``):

- ``process`` (the default; anvil only): as a node runs it (``dataprop node
  run`` or ``dataprop worker run`` beside the API), in a process of its own
  built by ``node.runtime.anchoring_worker``, started before issuing and
  cycling while certificates are issued (``anchoring.cycle_interval`` 0.05 s):
  each chunk's full batch is anchored while the next chunk is issued, on the
  other core. When issuing ends, the worker is told to flush the last partial
  batch at once (a node would wait up to ``anchoring.max_batch_age``) and
  settle. "anchor s" is the time from the last certificate issued to the last
  proof stored; "peak MiB" shows both processes.
- ``inline`` (the embedded chain always, which lives in the issuing process):
  the worker runs in the issuing process once all certificates are issued.

A sample of proofs is checked on chain (``verifyLeaf``) and a sample of the
certificates read back from the CertificateRegistry, so that a broken run
reports no figures.

    .venv/bin/python scripts/bench_issue.py [--count N] [--only sqlite-embedded,...]
        [--worker process|inline] [--postgres-url URL]

PostgreSQL runs on ``--postgres-url`` (a server where the bench may create and
drop a database), else on a throw-away server from ``scripts/postgres-up``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from web3.types import RPCEndpoint

from node.chain.accounts import centre_account, deployer_account
from node.chain.action_payloads import MAX_CERTIFICATES_PER_ACTION
from node.chain.anchoring import AnchoringWorker, WorkerSettings
from node.chain.compiler import Build, compile_contracts
from node.chain.connection import ChainConnection, connect
from node.chain.contracts import DatapropContracts
from node.chain.deployment import DeploymentRecord, GenesisCentre, dataprop_plan, deploy
from node.chain.local_chain import free_port, start_anvil
from node.chain.transactions import TransactionSender
from node.chain.types import CertificateStatus
from node.config import REPO_ROOT, ChainBackend, ChainSettings, Settings, load_settings
from node.documents.builders import compliance_report_document, notice_document
from node.documents.canonical import document_digest
from node.documents.ids import certificate_id_of
from node.documents.merkle import leaf_of_digest
from node.documents.schemas import Document, as_json
from node.domain.calendar import SystemClock
from node.domain.parsing import parse_application, parse_compliance_report
from node.domain.workflow import Application
from node.errors import NodeError
from node.runtime import anchoring_worker, freeze_startup_heap, node_context, open_store
from node.services.context import NodeContext
from node.services.issuance import IssuanceService, IssuedCertificate
from node.services.recording import record_documents
from node.store.db import database_url
from node.store.records import AnchorBatchStatus, AnchorJobStatus, ChainActionStatus
from node.store.sender_lock import sender_lock

COMBINATIONS = {
    "sqlite-embedded": ("SQLite", ChainBackend.EMBEDDED),
    "sqlite-anvil": ("SQLite", ChainBackend.RPC),
    "postgresql-embedded": ("PostgreSQL", ChainBackend.EMBEDDED),
    "postgresql-anvil": ("PostgreSQL", ChainBackend.RPC),
}
SAMPLES = REPO_ROOT / "samples" / "applications.json"
BUILD_DIR = REPO_ROOT / ".dataprop" / "build"
CHUNK = MAX_CERTIFICATES_PER_ACTION
PREPARE_CHUNK = 1000
SAMPLED_PROOFS = 32
WORKER_CYCLE_INTERVAL = 0.05
"""``anchoring.cycle_interval`` of the worker process: its pause after a cycle with nothing to do
(the default, 1 s, would leave up to a second between a chunk committed and its batch sent)."""
STALLED_CYCLES = 50
"""Idle worker cycles in a row (with a block mined after each) before the run is declared
stuck."""
console = Console(soft_wrap=True)


class BenchmarkError(NodeError):
    """The run did not end with every certificate issued, anchored and registered."""

    code = "benchmark_failed"


@dataclass(frozen=True)
class Figures:
    """What one combination measured."""

    combination: str
    worker: str
    """``process`` (its own process, anchoring while certificates are issued) or ``inline``
    (in the issuing process, after them)."""
    certificates: int
    anchored: int
    """Certificates whose proof is stored under a confirmed batch (all of them, or an error)."""
    issue_s: float
    anchor_s: float
    """From the last certificate issued to the last proof stored."""
    batches: int
    peak_mib: float
    worker_peak_mib: float | None
    """The worker process's peak (None inline: it is the issuing process's)."""

    @property
    def total_s(self) -> float:
        """From the first certificate issued to the last proof stored."""
        return self.issue_s + self.anchor_s

    @property
    def per_second(self) -> float:
        """Certificates issued and anchored per second."""
        return self.certificates / self.total_s


def main(argv: Sequence[str] | None = None) -> list[Figures]:
    """Run the chosen combinations (each in a child process) and print the table."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.worker_child:
        run_worker_child()
        return []
    if args.child is not None:
        measured = run_combination(args.child, args.count, args.postgres_url, args.worker)
        Path(args.result_file).write_text(json.dumps(asdict(measured)), "utf-8")
        return [measured]
    chosen = [name for option in args.only for name in option.split(",")]
    unknown = sorted(set(chosen) - set(COMBINATIONS))
    if unknown:
        parser.error(f"unknown {', '.join(unknown)}; choose from {', '.join(COMBINATIONS)}")
    chosen = [name for name in COMBINATIONS if name in chosen] if chosen else list(COMBINATIONS)
    with ExitStack() as stack:
        postgres_url = args.postgres_url
        if postgres_url is None and any(name.startswith("postgresql") for name in chosen):
            postgres_url = stack.enter_context(throwaway_postgres())
        figures = [_in_child(name, args.count, postgres_url, args.worker) for name in chosen]
    Console(width=max(console.width, 110)).print(table(figures))
    return figures


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000, help="certificates per combination")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME[,NAME]",
        help=f"run only these combinations ({', '.join(COMBINATIONS)})",
    )
    parser.add_argument("--postgres-url", help="a PostgreSQL server to create the database on")
    parser.add_argument(
        "--worker",
        choices=("process", "inline"),
        default="process",
        help="anvil: the worker in its own process while issuing (process, as a node runs) "
        "or in the issuing process after it (inline); the embedded chain is always inline",
    )
    parser.add_argument("--child", choices=COMBINATIONS, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    parser.add_argument("--worker-child", action="store_true", help=argparse.SUPPRESS)
    return parser


def _in_child(name: str, count: int, postgres_url: str | None, worker: str) -> Figures:
    """One combination in a fresh interpreter: its peak RSS is then its own."""
    console.rule(f"{name}: {count:,} certificates")
    with tempfile.TemporaryDirectory(prefix="dataprop-bench-") as folder:
        result = Path(folder) / "figures.json"
        command = [sys.executable, __file__, "--child", name, "--count", str(count)]
        command += ["--result-file", str(result), "--worker", worker]
        if postgres_url is not None:
            command += ["--postgres-url", postgres_url]
        subprocess.run(command, check=True, cwd=REPO_ROOT)
        return Figures(**json.loads(result.read_text("utf-8")))


def table(figures: Sequence[Figures]) -> Table:
    """The figures, one row per database and chain."""
    view = Table(
        "database",
        "chain",
        "worker",
        "certificates",
        "issue s",
        "anchor s",
        "total s",
        "certs/s",
        "batches",
        "peak MiB",
        title="Certificates issued and anchored, end to end",
    )
    for row in figures:
        database, backend = COMBINATIONS[row.combination]
        peak = f"{row.peak_mib:,.0f}"
        if row.worker_peak_mib is not None:
            peak += f" + {row.worker_peak_mib:,.0f}"
        view.add_row(
            database,
            "embedded" if backend is ChainBackend.EMBEDDED else "anvil",
            row.worker,
            f"{row.certificates:,}",
            f"{row.issue_s:.2f}",
            f"{row.anchor_s:.2f}",
            f"{row.total_s:.2f}",
            f"{row.per_second:,.0f}",
            str(row.batches),
            peak,
        )
    return view


# -- one combination ----------------------------------------------------------------------------


def run_combination(name: str, count: int, postgres_url: str | None, worker_mode: str) -> Figures:
    """Prepare, issue, anchor and check ``count`` certificates on one database and chain."""
    database, backend = COMBINATIONS[name]
    if backend is ChainBackend.EMBEDDED:
        worker_mode = "inline"  # the embedded chain lives in this process only
    with ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dataprop-")))
        if database == "SQLite":
            url = f"sqlite:///{data_dir / 'bench.sqlite'}"
        elif postgres_url is None:
            raise BenchmarkError(f"{name} needs --postgres-url")
        else:
            url = stack.enter_context(fresh_database(postgres_url))
        chain = ChainSettings()
        if backend is ChainBackend.RPC:
            anvil = start_anvil(REPO_ROOT / "hardhat-free-local-chain", data_dir / "anvil")
            stack.callback(anvil.stop)
            chain = ChainSettings(backend=ChainBackend.RPC, rpc_url=anvil.url)
        settings = Settings(data_dir=data_dir, database_url=url, chain=chain, build_dir=BUILD_DIR)
        clock = SystemClock()
        store = open_store(settings, clock)
        stack.callback(store.engine.dispose)
        connection = connect(settings.chain)
        build = compile_contracts(settings.contracts_dir, settings.resolved_build_dir)
        record = deploy_centre(settings, connection, build)
        context, contracts = node_context(settings, store, connection, record, build, clock=clock)
        assert contracts.sender is not None  # node_context binds the centre's key
        worker = AnchoringWorker(
            store.unit_of_work,
            contracts,
            sender_lock(store.engine, contracts.sender.address),
            WorkerSettings.from_settings(settings),
            clock=clock,
        )
        if not worker.start():
            raise BenchmarkError("another worker holds the sender lock")
        stack.callback(worker.stop)

        per_batch = worker.settings.batch_size
        with _progress() as progress:
            preparing = progress.add_task("prepare applications (not timed)", total=count)
            anchoring_cases = progress.add_task(
                "anchor their case documents (not timed)",
                total=math.ceil(2 * count / per_batch),
                start=False,
            )
            issuing = progress.add_task("issue", total=count, start=False)
            anchoring = progress.add_task(
                "anchor and register (transactions)",
                total=math.ceil(count / per_batch) + math.ceil(count / CHUNK),
                start=False,
            )
            application_ids = prepare(context, count, progress, preparing)
            settle(worker, connection, progress, anchoring_cases)
            separate = None
            if worker_mode == "process":
                worker.stop()  # the worker process takes the key's sender lock
                separate = stack.enter_context(WorkerProcess.start(settings))
            freeze_startup_heap()
            started = time.perf_counter()
            issued = issue(context, application_ids, progress, issuing)
            issued_at = time.perf_counter()
            if separate is None:
                batches, worker_peak = settle(worker, connection, progress, anchoring), None
            else:
                batches, worker_peak = separate.finish(progress, anchoring)
            settled_at = time.perf_counter()
        anchored = check(context, contracts, issued)
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return Figures(
            combination=name,
            worker=worker_mode,
            certificates=len(issued),
            anchored=anchored,
            issue_s=issued_at - started,
            anchor_s=settled_at - issued_at,
            batches=batches,
            peak_mib=peak_kib / 1024,
            worker_peak_mib=worker_peak,
        )


def deploy_centre(
    settings: Settings, connection: ChainConnection, build: Build
) -> DeploymentRecord:
    """The contracts with this node's centre as the only genesis member."""
    centre = centre_account(settings, connection)
    genesis = GenesisCentre(
        centre.address,
        int(settings.centre.region_code),
        settings.centre.name,
        settings.centre.endpoint,
    )
    sender = TransactionSender(connection.w3, deployer_account(settings, connection))
    plan = dataprop_plan([genesis], settings.proposal_lifetime)
    return deploy(connection, sender, build, plan, settings.data_dir)


def prepare(context: NodeContext, count: int, progress: Progress, task: TaskID) -> list[str]:
    """``count`` applications whose notice ended, with their signed case documents, in bulk."""
    samples: list[dict[str, Any]] = json.loads(SAMPLES.read_text("utf-8"))
    start = context.clock.now() - timedelta(days=60)
    ids = []
    for first in range(0, count, PREPARE_CHUNK):
        batch = [
            _past_notice(context, samples[index % len(samples)], index, start)
            for index in range(first, min(count, first + PREPARE_CHUNK))
        ]
        with context.unit_of_work() as uow:
            uow.applications.add_many(batch, applicant_id="applicant")
            record_documents(
                uow, context, [d for app in batch for d in _case_documents(context, app, start)]
            )
            uow.commit()
        ids += [application.id for application in batch]
        progress.advance(task, len(batch))
    return ids


def _past_notice(
    context: NodeContext, sample: dict[str, Any], index: int, start: datetime
) -> Application:
    data = json.loads(json.dumps(sample))
    data["asset"]["name"] = f"{data['asset']['name']} 第 {index + 1} 批"
    content, _ = parse_application(data)
    report = parse_compliance_report(data["compliance_report"], content.rights)
    application = Application(f"bench-{index + 1:07d}", content)
    hour = timedelta(hours=1)
    application.submit("applicant", at=start)
    application.start_review("reviewer", at=start + hour)
    application.complete_review("reviewer", report, at=start + 2 * hour)
    application.approve_audit("auditor", at=start + 3 * hour)
    centre = context.centre
    application.publish_notice(
        "publisher",
        at=start + 4 * hour,
        calendar=centre.calendar,
        working_days=centre.notice_working_days,
    )
    return application


def _case_documents(
    context: NodeContext, application: Application, start: datetime
) -> list[Document]:
    centre = context.centre_ref
    report = compliance_report_document(application, centre=centre, created_at=start)
    notice = notice_document(
        application,
        centre=centre,
        created_at=start + timedelta(hours=4),
        previous_digest=document_digest(as_json(report)),  # type: ignore[arg-type]
    )
    return [report, notice]


def issue(
    context: NodeContext, application_ids: Sequence[str], progress: Progress, task: TaskID
) -> list[IssuedCertificate]:
    """Issue every certificate, a chunk (one transaction) at a time."""
    progress.start_task(task)
    service = IssuanceService(context)
    issued: list[IssuedCertificate] = []
    for first in range(0, len(application_ids), CHUNK):
        issued += service.issue_many("issuer", application_ids[first : first + CHUNK], chunk=CHUNK)
        progress.advance(task, min(CHUNK, len(application_ids) - first))
    return issued


def settle(
    worker: AnchoringWorker, connection: ChainConnection, progress: Progress, task: TaskID
) -> int:
    """Run the worker until nothing waits; the number of batches it anchored."""
    progress.start_task(task)
    batches = idle = 0
    while True:
        report = worker.run_once(flush=True)
        if report.failed:
            raise BenchmarkError(f"the chain refused {report.failed} transaction(s)")
        batches += report.batched
        progress.advance(task, report.confirmed + report.adopted)
        if not (report.waiting or report.unsent):
            return batches
        idle = 0 if report.busy else idle + 1
        if idle > STALLED_CYCLES:
            raise BenchmarkError(f"the worker is stuck: {report}")
        if not report.busy:
            connection.w3.provider.make_request(RPCEndpoint("evm_mine"), [])


# -- the worker in its own process -----------------------------------------------------------


class WorkerProcess:
    """The node's anchoring worker in a process of its own, as `dataprop worker run` runs it:
    built by ``node.runtime.anchoring_worker`` from settings passed in the environment, it
    cycles (``AnchoringWorker.run``) while certificates are issued; told to finish, it
    flushes, sends and settles what is left and reports."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._process = process

    @classmethod
    @contextmanager
    def start(cls, settings: Settings) -> Iterator[WorkerProcess]:
        """The worker process, ready (holding the sender lock); killed if still running."""
        environment = {
            **os.environ,
            "DATAPROP_DATA_DIR": str(settings.data_dir),
            "DATAPROP_DATABASE_URL": settings.resolved_database_url,
            "DATAPROP_BUILD_DIR": str(settings.resolved_build_dir),
            "DATAPROP_CHAIN__BACKEND": settings.chain.backend.value,
            "DATAPROP_CHAIN__RPC_URL": settings.chain.rpc_url,
            "DATAPROP_ANCHORING__CYCLE_INTERVAL": str(WORKER_CYCLE_INTERVAL),
        }
        process = subprocess.Popen(
            [sys.executable, __file__, "--worker-child"],
            cwd=REPO_ROOT,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            if cls._line(process) != "ready":
                raise BenchmarkError("the worker process did not start")
            yield cls(process)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()

    def finish(self, progress: Progress, task: TaskID) -> tuple[int, float]:
        """Tell the worker that issuing is over; wait until it settled everything. The number
        of batches it anchored and its peak memory in MiB."""
        progress.start_task(task)
        assert self._process.stdin is not None
        self._process.stdin.write("finish\n")
        self._process.stdin.flush()
        while True:
            line = self._line(self._process)
            kind, _, value = line.partition(" ")
            if kind == "progress":
                progress.advance(task, int(value))
            elif kind == "settled":
                figures = json.loads(value)
                return int(figures["batches"]), float(figures["peak_mib"])
            else:
                raise BenchmarkError(f"the worker process ended without settling ({line!r})")

    @staticmethod
    def _line(process: subprocess.Popen[str]) -> str:
        assert process.stdout is not None
        return process.stdout.readline().strip()


def run_worker_child() -> None:
    """The worker process's side of ``WorkerProcess``: lines on stdout, ``finish`` on stdin.

    Until told to finish it repeats the cycle of ``AnchoringWorker.run``: one
    ``run_once``, and a pause of ``anchoring.cycle_interval`` after a cycle that
    found nothing to do (a failing cycle ends the run here instead of being retried).
    """
    settings = load_settings()
    worker, store = anchoring_worker(settings, SystemClock())
    connection = connect(settings.chain)
    finishing = threading.Event()

    def report(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    try:
        while not worker.start():
            time.sleep(0.01)
        freeze_startup_heap()

        def wait_for_finish() -> None:
            sys.stdin.readline()
            finishing.set()

        threading.Thread(target=wait_for_finish, daemon=True).start()
        report("ready")
        batches = 0
        while not finishing.is_set():
            done = worker.run_once()
            batches += done.batched
            if done.confirmed or done.adopted:
                report(f"progress {done.confirmed + done.adopted}")
            if not done.busy:
                finishing.wait(settings.anchoring.cycle_interval)
        batches += _settle_reporting(worker, connection, report)
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        report("settled " + json.dumps({"batches": batches, "peak_mib": peak_mib}))
    finally:
        worker.stop()
        store.engine.dispose()


def _settle_reporting(
    worker: AnchoringWorker, connection: ChainConnection, report: Callable[[str], None]
) -> int:
    """``settle``, with progress reported as lines (the parent draws the bar)."""
    batches = idle = 0
    while True:
        done = worker.run_once(flush=True)
        if done.failed:
            raise BenchmarkError(f"the chain refused {done.failed} transaction(s)")
        batches += done.batched
        if done.confirmed or done.adopted:
            report(f"progress {done.confirmed + done.adopted}")
        if not (done.waiting or done.unsent):
            return batches
        idle = 0 if done.busy else idle + 1
        if idle > STALLED_CYCLES:
            raise BenchmarkError(f"the worker is stuck: {done}")
        if not done.busy:
            connection.w3.provider.make_request(RPCEndpoint("evm_mine"), [])


def check(
    context: NodeContext, contracts: DatapropContracts, issued: list[IssuedCertificate]
) -> int:
    """Every certificate anchored with its proof stored (how many), a sample of them proved
    and read back on chain; BenchmarkError otherwise."""
    with context.unit_of_work() as uow:
        unconfirmed = uow.anchors.batches(AnchorBatchStatus.PREPARED)
        unconfirmed += uow.anchors.batches(AnchorBatchStatus.SENT)
        if uow.anchors.pending(limit=1) or unconfirmed:
            raise BenchmarkError("anchoring jobs are left unconfirmed")
        for status in (ChainActionStatus.PENDING, ChainActionStatus.SENT, ChainActionStatus.FAILED):
            if uow.chain_actions.with_status(status, limit=1):
                raise BenchmarkError(f"chain actions are left {status.value}")
        roots = {batch.id: batch.root for batch in uow.anchors.batches(AnchorBatchStatus.CONFIRMED)}
        jobs = {job.document_id: job for batch in roots for job in uow.anchors.jobs_in_batch(batch)}
    anchored = {
        item.document.id: (roots[job.batch_id], job.proof)
        for item in issued
        if (job := jobs.get(item.document.id)) is not None
        and job.status is AnchorJobStatus.CONFIRMED
        and job.batch_id is not None
        and job.proof is not None
    }
    if len(anchored) != len(issued):
        raise BenchmarkError(f"{len(issued) - len(anchored)} certificates have no proof stored")
    own = contracts.centres.active_centre_id_of(context.signer.address)
    for item in random.Random(7).sample(issued, min(SAMPLED_PROOFS, len(issued))):
        number = str(item.certificate.registration_number)
        root, proof = anchored[item.document.id]
        if not contracts.anchors.verify_leaf(
            root, list(proof), leaf_of_digest(item.document.digest)
        ):
            raise BenchmarkError(f"the chain refuses the proof of {number}")
        on_chain = contracts.certificates.certificate(certificate_id_of(number))
        if on_chain.status is not CertificateStatus.ACTIVE or on_chain.issuer_id != own:
            raise BenchmarkError(f"{number} is not registered on chain for this centre")
    return len(anchored)


# -- databases and progress ---------------------------------------------------------------------


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL server from scripts/postgres-up on a free port, stopped afterwards."""
    script = 'source scripts/postgres-up >&2 && echo "$DATAPROP_TEST_POSTGRES_URL $PGDATA_DIR"'
    environment = {**os.environ, "DATAPROP_TEST_POSTGRES_PORT": str(free_port())}
    started = subprocess.run(
        ["bash", "-c", script],
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    answer = started.stdout.split()
    if started.returncode != 0 or len(answer) != 2:
        raise BenchmarkError("scripts/postgres-up did not start PostgreSQL; pass --postgres-url")
    url, data_dir = answer
    try:
        yield url
    finally:
        subprocess.run([str(REPO_ROOT / "scripts" / "postgres-down"), data_dir], check=False)


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new database on ``server_url``, dropped afterwards."""
    name = f"dataprop_bench_{uuid4().hex[:12]}"
    admin = create_engine(database_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
