"""`dataprop import registrations FILE.csv`: load historical or migrated registrations.

Every row is checked; every problem is printed as ``line N, column C: reason
[code]``. Without ``--partial`` nothing is written when any row is bad; with it
the good rows are written and the bad ones go to the reject file (see
``node.services.registration_csv``). Imported registrations are certificates of
this centre, queued for anchoring: a running ``dataprop worker run`` (or
``dataprop node run``) anchors them.

Exit status: 0 every row imported; 1 rows refused (nothing written, or only the
good rows with ``--partial``); 2 the file is unusable (not UTF-8, header wrong).
"""

from __future__ import annotations

import json
from enum import IntEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from node.chain.deployment import load_deployment
from node.cli.context import err_console, settings_from
from node.domain.calendar import SystemClock
from node.runtime import node_chain, node_context, open_store
from node.services.imports import ImportOutcome, RegistrationImportService
from node.services.registration_csv import ImportFileError, parse_import_csv, write_rejects

import_app = typer.Typer(help="Import records into the node.", no_args_is_help=True)
STAGES = {"check": "check rows", "write": "sign and store certificates"}


class ExitStatus(IntEnum):
    """What `dataprop import registrations` exits with."""

    IMPORTED = 0
    REFUSED = 1
    UNUSABLE = 2


class RichProgress:
    """Import progress as rich progress bars on stderr."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def start(self, stage: str, total: int) -> None:
        self._tasks[stage] = self._progress.add_task(STAGES.get(stage, stage), total=total)

    def advance(self, stage: str, count: int) -> None:
        self._progress.advance(self._tasks[stage], count)


@import_app.command("registrations")
def import_registrations(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE.csv", help="UTF-8 CSV, a row each")],
    partial: Annotated[
        bool, typer.Option("--partial", help="write the good rows, the bad ones to the reject file")
    ] = False,
    reject_file: Annotated[
        Path | None,
        typer.Option("--reject-file", metavar="PATH", help="default: FILE.rejects.csv beside FILE"),
    ] = None,
    actor: Annotated[str, typer.Option("--actor", help="who imports (event log)")] = "operator",
    as_json: Annotated[bool, typer.Option("--json", help="print the outcome as JSON")] = False,
) -> int:
    """Import registrations from a CSV file: checked row by row, all or nothing by default."""
    settings = settings_from(ctx)
    try:
        content = file.read_bytes()
    except OSError as exc:
        err_console.print(f"[bold red]error[/] (import_file): cannot read {file}: {exc.strerror}")
        return ExitStatus.UNUSABLE
    try:
        parsed = parse_import_csv(content)
    except ImportFileError as exc:
        err_console.print(f"[bold red]error[/] ({exc.code}): {file}: {exc}", highlight=False)
        return ExitStatus.UNUSABLE
    clock = SystemClock()
    chain = node_chain(settings)
    record = load_deployment(settings.data_dir, chain.connection)
    store = open_store(settings, clock)
    try:
        context, _ = node_context(
            settings, store, chain.connection, record, chain.build, clock=clock
        )
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=as_json,
        ) as progress:
            outcome = RegistrationImportService(context).import_rows(
                actor,
                parsed.rows,
                source=f"{file.name} sha256:{parsed.sha256}",
                partial=partial,
                progress=RichProgress(progress),
            )
    finally:
        store.engine.dispose()
    rejects = reject_file or file.with_name(f"{file.stem}.rejects.csv")
    if partial and outcome.rejected:
        write_rejects(rejects, parsed.header, [(r.row, r.errors) for r in outcome.rejected])
    if as_json:
        typer.echo(json.dumps(outcome_json(outcome), ensure_ascii=False, indent=2))
    else:
        _print_outcome(outcome, partial, rejects)
    return ExitStatus.IMPORTED if outcome.complete else ExitStatus.REFUSED


def outcome_json(outcome: ImportOutcome) -> dict[str, object]:
    """The outcome as the API and ``--json`` show it."""
    return {
        "rows": outcome.rows,
        "imported": [
            {"line": row.line, "registration_number": row.registration_number}
            for row in outcome.imported
        ],
        "rejected": [
            {
                "line": rejected.row.line,
                "errors": [
                    {"column": error.column, "code": error.code, "reason": error.reason}
                    for error in rejected.errors
                ],
            }
            for rejected in outcome.rejected
        ],
    }


def _print_outcome(outcome: ImportOutcome, partial: bool, rejects: Path) -> None:
    for rejected in outcome.rejected:
        for error in rejected.errors:
            err_console.print(str(error), highlight=False, markup=False)
    imported = len(outcome.imported)
    if outcome.complete:
        typer.echo(f"imported {imported} of {outcome.rows} rows, queued for anchoring")
    elif partial:
        typer.echo(
            f"imported {imported} of {outcome.rows} rows; {len(outcome.rejected)} refused, "
            f"written to {rejects}"
        )
    else:
        typer.echo(
            f"{len(outcome.rejected)} of {outcome.rows} rows refused: nothing imported "
            "(fix them, or --partial to import the good rows)"
        )
