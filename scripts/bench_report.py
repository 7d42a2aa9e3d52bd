"""Registration import and yearbook, timed on PostgreSQL with anvil.

Two parts, each in a process of its own (so that its peak memory is its own),
on a new database:

- import: ``--rows`` generated rows (not timed: writing the CSV) are imported as
  ``dataprop import registrations`` does (parse, check every row against the file,
  the store and the chain's asset index, then sign, store and queue in one
  transaction), and the anchoring worker anchors and registers them on a fresh
  anvil until every job and chain action is confirmed. Rows per second count
  both: import and anchoring. A sample of the imported certificates is checked
  on chain (proof and registration).
- yearbook: ``--registrations`` registrations are seeded (not timed) through the
  bulk store path: ``INSERT ... SELECT`` over ``generate_series`` writes minimal
  documents and certificates and varied registration facts, since the yearbook
  reads the facts only. Then the yearbook is built (one read of the store) and
  rendered as HTML and PDF; a breakdown is checked against an independent count.

    .venv/bin/python scripts/bench_report.py [--rows N] [--registrations N]
        [--only import,yearbook] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_issue import (
    BenchmarkError,
    deploy_centre,
    fresh_database,
    settle,
    throwaway_postgres,
)

from node.chain.anchoring import AnchoringWorker, WorkerSettings
from node.chain.compiler import compile_contracts
from node.chain.connection import connect
from node.chain.contracts import DatapropContracts
from node.chain.local_chain import start_anvil
from node.chain.types import CertificateStatus
from node.cli.import_commands import RichProgress
from node.config import REPO_ROOT, ChainBackend, ChainSettings, Settings
from node.documents.ids import certificate_id_of
from node.documents.merkle import leaf_of_digest
from node.domain.calendar import SystemClock
from node.domain.identifiers import credit_code_check_character
from node.domain.regions import PROVINCES
from node.domain.registration_import import COLUMNS
from node.reports.yearbook_document import render_html, render_pdf
from node.runtime import centre_of, node_context, open_store
from node.services.context import NodeContext
from node.services.imports import RegistrationImportService
from node.services.registration_csv import parse_import_csv
from node.services.reports import YearbookService
from node.store.db import session_factory
from node.store.records import AnchorBatchStatus
from node.store.sender_lock import sender_lock
from node.store.unit_of_work import SqlUnitOfWork

BUILD_DIR = REPO_ROOT / ".dataprop" / "build"
PARTS = ("import", "yearbook")
SAMPLED = 16
SEED_CHUNK = 100_000
LISTED_CODES = ("600941.SH", "601318.SH", "688981.SH", "000001.SZ", "002415.SZ", "300750.SZ")
console = Console(soft_wrap=True)


@dataclass(frozen=True)
class Figures:
    """What one part measured."""

    part: str
    count: int
    seconds: float
    """Import and anchoring together, or building the yearbook."""
    first_seconds: float
    """The import alone, or the HTML rendering."""
    second_seconds: float
    """The anchoring alone, or the PDF rendering."""
    peak_mib: float

    @property
    def per_second(self) -> float:
        """Rows (registrations) per second."""
        return self.count / self.seconds


def main(argv: Sequence[str] | None = None) -> list[Figures]:
    """Run the chosen parts, each in a child process, and print the table."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.child is not None:
        count = args.rows if args.child == "import" else args.registrations
        measured = (run_import if args.child == "import" else run_yearbook)(
            count, args.postgres_url
        )
        Path(args.result_file).write_text(json.dumps(asdict(measured)), "utf-8")
        return [measured]
    chosen = [name for option in args.only for name in option.split(",")] or list(PARTS)
    unknown = sorted(set(chosen) - set(PARTS))
    if unknown:
        parser.error(f"unknown {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    with ExitStack() as stack:
        url = args.postgres_url or stack.enter_context(throwaway_postgres())
        figures = [_in_child(name, args, url) for name in PARTS if name in chosen]
    Console(width=max(console.width, 110)).print(table(figures))
    return figures


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="rows to import")
    parser.add_argument(
        "--registrations", type=int, default=1_000_000, help="registrations in the yearbook"
    )
    parser.add_argument("--only", action="append", default=[], metavar="PART[,PART]")
    parser.add_argument("--postgres-url", help="a PostgreSQL server to create the database on")
    parser.add_argument("--child", choices=PARTS, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    return parser


def _in_child(part: str, args: argparse.Namespace, postgres_url: str) -> Figures:
    count = args.rows if part == "import" else args.registrations
    console.rule(f"{part}: {count:,}")
    with tempfile.TemporaryDirectory(prefix="dataprop-bench-") as folder:
        result = Path(folder) / "figures.json"
        command = [sys.executable, __file__, "--child", part, "--result-file", str(result)]
        command += ["--rows", str(args.rows), "--registrations", str(args.registrations)]
        command += ["--postgres-url", postgres_url]
        subprocess.run(command, check=True, cwd=REPO_ROOT)
        return Figures(**json.loads(result.read_text("utf-8")))


def table(figures: Sequence[Figures]) -> Table:
    """The figures, one row per part."""
    view = Table("part", "count", "time s", "per second", "detail", "peak MiB", "target")
    view.title = "Registration import and yearbook (PostgreSQL, anvil)"
    for row in figures:
        if row.part == "import":
            detail = f"import {row.first_seconds:.1f} s + anchoring {row.second_seconds:.1f} s"
            target = "≥ 2,000 rows/s"
        else:
            detail = f"HTML {row.first_seconds:.1f} s, PDF {row.second_seconds:.1f} s"
            target = "< 10 s"
        view.add_row(
            row.part,
            f"{row.count:,}",
            f"{row.seconds:.2f}",
            f"{row.per_second:,.0f}",
            detail,
            f"{row.peak_mib:,.0f}",
            target,
        )
    return view


# -- import -------------------------------------------------------------------------------------


def generated_csv(count: int) -> bytes:
    """``count`` valid rows: 5,000 holders, one in five listed, amounts on listed rows."""
    chooser = random.Random(2025)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    first_day = date(2025, 1, 1)
    for index in range(count):
        holder = chooser.randrange(5000)
        province = PROVINCES[holder % len(PROVINCES)]
        region = f"{province.code}0100"
        body = f"91{region}{holder:09d}"
        listed = holder % 5 == 0
        writer.writerow(
            {
                "registration_number": "",
                "holder_name": f"示例数据公司 {holder}",
                "credit_code": body + credit_code_check_character(body),
                "ownership": "state" if holder % 3 == 0 else "non-state",
                "listed": "true" if listed else "false",
                "securities_code": LISTED_CODES[holder % len(LISTED_CODES)] if listed else "",
                "province": province.name,
                "region_code": region,
                "industry_section": "ACIJM"[holder % 5],
                "industry_division": "",
                "asset_name": f"数据资源 {index}",
                "data_type": ("structured", "semi-structured", "unstructured")[index % 3],
                "rights": "holding|use",
                "registered_on": (first_day + timedelta(days=index % 300)).isoformat(),
                "intangible_amount": f"{chooser.randrange(10**8)}.{index % 100:02d}"
                if listed
                else "",
                "development_amount": "",
                "inventory_amount": "",
            }
        )
    return out.getvalue().encode("utf-8")


def run_import(count: int, postgres_url: str | None) -> Figures:
    """Import ``count`` rows and anchor them on a fresh anvil."""
    if postgres_url is None:
        raise BenchmarkError("the import needs --postgres-url")
    with ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dataprop-")))
        url = stack.enter_context(fresh_database(postgres_url))
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
        assert contracts.sender is not None
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
        content = generated_csv(count)
        with _progress() as progress:
            started = time.perf_counter()
            parsed = parse_import_csv(content)
            outcome = RegistrationImportService(context).import_rows(
                "bench", parsed.rows, source="bench.csv", progress=RichProgress(progress)
            )
            imported_at = time.perf_counter()
            if not outcome.complete:
                raise BenchmarkError(f"{len(outcome.rejected)} rows refused: {outcome.rejected[0]}")
            anchoring = progress.add_task("anchor and register (transactions)", total=None)
            settle(worker, connection, progress, anchoring)
            settled_at = time.perf_counter()
        numbers = [row.registration_number for row in outcome.imported]
        _check_on_chain(context, contracts, numbers)
        return Figures(
            part="import",
            count=len(numbers),
            seconds=settled_at - started,
            first_seconds=imported_at - started,
            second_seconds=settled_at - imported_at,
            peak_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        )


def _check_on_chain(context: NodeContext, contracts: DatapropContracts, numbers: list[str]) -> None:
    """A sample of the imported certificates: proof accepted, registered for this centre."""
    own = contracts.centres.active_centre_id_of(context.signer.address)
    with context.unit_of_work() as uow:
        if uow.anchors.pending(limit=1) or uow.anchors.batches(AnchorBatchStatus.SENT):
            raise BenchmarkError("anchoring jobs are left unconfirmed")
        roots = {b.id: b.root for b in uow.anchors.batches(AnchorBatchStatus.CONFIRMED)}
        for number in random.Random(7).sample(numbers, min(SAMPLED, len(numbers))):
            [document] = uow.documents.list_by_subject(number)
            job = uow.anchors.job_for_document(document.id)
            assert job.batch_id is not None and job.proof is not None
            if not contracts.anchors.verify_leaf(
                roots[job.batch_id], list(job.proof), leaf_of_digest(document.digest)
            ):
                raise BenchmarkError(f"the chain refuses the proof of {number}")
            on_chain = contracts.certificates.certificate(certificate_id_of(number))
            if on_chain.status is not CertificateStatus.ACTIVE or on_chain.issuer_id != own:
                raise BenchmarkError(f"{number} is not registered on chain for this centre")


# -- yearbook -----------------------------------------------------------------------------------


SEED_STATEMENTS = (
    """INSERT INTO documents (id, kind, subject, schema_version, canonical, digest, created_at)
    SELECT 'seed-' || i, 'certificate', 'seed-' || i, '1', '{}'::bytea,
           sha256(('seed-' || i)::bytea), now()
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i""",
    """INSERT INTO certificates (registration_number, holder_credit_code, status, asset_key,
           certificate_id, document_digest, issued_on, valid_until, snapshot, version)
    SELECT 'seed-' || i, lpad(i::text, 18, '0'), 'active', sha256(('key-' || i)::bytea),
           sha256(('id-' || i)::bytea), sha256(('seed-' || i)::bytea),
           date '2021-01-01' + (i % 1826)::integer, date '2029-01-01', '{}'::jsonb, 1
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i""",
    """INSERT INTO registration_facts (registration_number, origin, registered_on, credit_code,
           ownership, listed, securities_code, board, province_code, region_code,
           industry_section, industry_division, data_type, right_holding, right_use,
           right_operation, intangible_fen, development_fen, inventory_fen)
    SELECT 'seed-' || i, 'import', date '2021-01-01' + (i % 1826)::integer,
           '91' || lpad((i % 200000)::text, 16, '0'),
           CASE WHEN i % 3 = 0 THEN 'state' ELSE 'non-state' END,
           CASE WHEN i % 10 = 0 THEN true WHEN i % 10 = 1 THEN NULL ELSE false END,
           CASE WHEN i % 10 = 0 THEN lpad((600000 + i % 4000)::text, 6, '0') || '.SH' END,
           CASE WHEN i % 10 = 0 THEN 'sh_main' END,
           (ARRAY['11','12','13','14','15','21','22','23','31','32','33','34','35','36','37',
                  '41','42','43','44','45','46','50','51','52','53','54','61','62','63','64',
                  '65'])[(1 + i % 31)::integer],
           '370200', chr((65 + (i * 7) % 20)::integer), NULL,
           (ARRAY['structured','semi-structured','unstructured'])[(1 + i % 3)::integer],
           true, i % 2 = 0, i % 5 = 0,
           CASE WHEN i % 10 = 0 THEN (i * 7919) % 100000000 END,
           CASE WHEN i % 20 = 0 THEN (i * 104729) % 10000000 END,
           CASE WHEN i % 30 = 0 THEN (i * 1299709) % 1000000 END
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i""",
)


def run_yearbook(count: int, postgres_url: str | None) -> Figures:
    """Seed ``count`` registrations and build the yearbook over all of them."""
    if postgres_url is None:
        raise BenchmarkError("the yearbook needs --postgres-url")
    with ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dataprop-")))
        url = stack.enter_context(fresh_database(postgres_url))
        settings = Settings(data_dir=data_dir, database_url=url, build_dir=BUILD_DIR)
        clock = SystemClock()
        store = open_store(settings, clock)
        stack.callback(store.engine.dispose)
        engine = create_engine(store.engine.url)
        stack.callback(engine.dispose)
        with _progress() as progress:
            seeding = progress.add_task("seed registrations (not timed)", total=count)
            for first in range(1, count + 1, SEED_CHUNK):
                last = min(count, first + SEED_CHUNK - 1)
                with engine.begin() as connection:
                    for statement in SEED_STATEMENTS:
                        connection.execute(text(statement), {"first": first, "last": last})
                progress.advance(seeding, last - first + 1)
        with engine.begin() as connection:
            connection.execute(text("ANALYZE registration_facts"))
        factory = session_factory(store.engine)
        service = YearbookService(
            lambda: SqlUnitOfWork(factory, clock=clock, read_only=True), centre_of(settings), clock
        )
        started = time.perf_counter()
        yearbook = service.yearbook()
        built = time.perf_counter() - started
        started = time.perf_counter()
        render_html(yearbook)
        html = time.perf_counter() - started
        started = time.perf_counter()
        pdf = render_pdf(yearbook)
        pdf_seconds = time.perf_counter() - started
        with engine.connect() as connection:
            state = connection.execute(
                text("SELECT count(*) FROM registration_facts WHERE ownership = 'state'")
            ).scalar_one()
        if yearbook.registrations != count or yearbook.by_ownership["state"].count != state:
            raise BenchmarkError("the yearbook disagrees with a direct count")
        if not pdf.startswith(b"%PDF"):
            raise BenchmarkError("the PDF is not one")
        return Figures(
            part="yearbook",
            count=yearbook.registrations,
            seconds=built,
            first_seconds=html,
            second_seconds=pdf_seconds,
            peak_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        )


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
