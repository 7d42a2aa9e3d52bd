"""`dataprop export` and `dataprop audit`: a node's records for its regulator, and the audit.

``dataprop audit`` exits 0 when no finding of severity error was made (warnings
allowed), 1 when one was, and 2 when the audit could not run (unusable input,
chain or settings missing), with one ``error (code): message`` line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from node.audit.report import AuditReport
from node.audit_runtime import AuditRequest, export_to, run_audit
from node.cli.context import err_console, settings_from
from node.domain.calendar import SystemClock
from node.errors import NodeError

console = Console(soft_wrap=True)


class AuditExit(IntEnum):
    """What `dataprop audit` exits with."""

    CLEAN = 0
    ERRORS = 1
    UNUSABLE = 2


def export_command(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="where to write (default: a new file)"),
    ] = None,
) -> None:
    """Write this node's documents, anchoring records, certificates and event log for audit."""
    settings = settings_from(ctx)
    at = SystemClock().now()
    target = out or Path(f"dataprop-export-{settings.centre.region_code}-{at:%Y%m%dT%H%M%SZ}.jsonl")
    partial = target.with_name(target.name + ".partial")
    with _progress() as progress:
        task = progress.add_task("export records", total=None)
        try:
            with partial.open("wb") as stream:
                lines = export_to(
                    settings, stream, at, progress=lambda n: progress.advance(task, n)
                )
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    os.replace(partial, target)
    size = target.stat().st_size
    console.print(f"exported {lines:,} lines ({size / 2**20:,.1f} MiB) to {target}")


def audit_command(
    ctx: typer.Context,
    exports: Annotated[
        list[Path] | None,
        typer.Option(
            "--export",
            metavar="FILE",
            help="a node's export file (repeat for several centres)",
        ),
    ] = None,
    node_db: Annotated[
        str | None,
        typer.Option("--node-db", metavar="URL", help="this node's database, read directly"),
    ] = None,
    rpc: Annotated[
        str | None, typer.Option("--rpc", metavar="URL", help="chain JSON-RPC endpoint")
    ] = None,
    centre_registry: Annotated[
        str | None,
        typer.Option(
            "--centre-registry",
            metavar="ADDRESS",
            help="the trusted CentreRegistry (default: this node's deployment)",
        ),
    ] = None,
    from_block: Annotated[
        int | None,
        typer.Option(
            "--from-block",
            metavar="N",
            help="first block of the scan (default: the deployment's block)",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="DIR", help="folder for report.json and report.html"),
    ] = None,
    workers: Annotated[
        int,
        typer.Option("--workers", min=1, help="processes checking documents (default: cores)"),
    ] = os.cpu_count() or 1,
    scan_cache: Annotated[
        bool,
        typer.Option(
            "--scan-cache/--no-scan-cache",
            help="resume the chain scan from the events kept in the data folder",
        ),
    ] = True,
) -> None:
    """Reconcile nodes' documents with the chain; JSON and HTML reports (exit 1 on an error)."""
    try:
        settings = settings_from(ctx)
        as_of = SystemClock().now()
        request = AuditRequest(
            exports=tuple(exports or ()),
            node_db=node_db,
            rpc_url=rpc,
            centre_registry=centre_registry,
            from_block=from_block,
            workers=workers,
            scan_cache=scan_cache,
        )
        with _progress() as progress:
            scan = progress.add_task("scan chain logs (blocks)", total=None)

            def scanned(blocks: int, total: int) -> None:
                progress.update(scan, total=total)
                progress.advance(scan, blocks)

            def reading(label: str) -> Callable[[int], None]:
                task = progress.add_task(f"reconcile {Path(label).name} (lines)", total=None)
                return lambda lines: progress.advance(task, lines)

            report = run_audit(
                settings, request, as_of, scan_progress=scanned, line_progress=reading
            )
        folder = out or Path(f"audit-{as_of:%Y%m%dT%H%M%SZ}")
        json_path, html_path = report.write(folder)
        _print(report)
        console.print(f"reports: {json_path}  {html_path}")
        status = AuditExit.ERRORS if report.errors else AuditExit.CLEAN
    except NodeError as exc:
        err_console.print(f"[bold red]error[/] ({exc.code}): {exc}", highlight=False)
        status = AuditExit.UNUSABLE
    raise typer.Exit(int(status))


def _print(report: AuditReport) -> None:
    verdict = "[bold red]FAIL 未通过[/]" if report.errors else "[bold green]PASS 通过[/]"
    chain = report.chain
    console.print(
        f"{verdict}  {report.errors} error(s), {report.warnings} warning(s) — chain "
        f"{chain.chain_id} at block {chain.head_block}"
    )
    kinds = Table("finding", "severity", "count", title="findings by kind")
    for code, row in report.by_code().items():
        if row["count"]:
            kinds.add_row(code, row["severity"], f"{row['count']:,}")
    if kinds.row_count:
        console.print(kinds)
    centres = Table(
        "centre", "name", "audited", "documents", "errors", "warnings", title="by centre"
    )
    for row in report.by_centre():
        audited = row["audited"]
        centres.add_row(
            f"#{row['centre_id']}",
            row["name"],
            "yes" if audited else "no",
            f"{audited['records'].get('documents_checked', 0):,}" if audited else "-",
            f"{row['errors']:,}",
            f"{row['warnings']:,}",
        )
    console.print(centres)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
