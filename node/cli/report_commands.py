"""`dataprop report yearbook`: the registry's annual report as JSON, HTML or PDF.

The report reads the store only (no chain). JSON and HTML go to standard output
unless ``--out`` names a file; a PDF needs ``--out``.
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from node.cli.context import settings_from
from node.domain.calendar import SystemClock
from node.domain.errors import InvalidFieldError
from node.runtime import centre_of, open_store
from node.services.reports import YearbookService
from node.store.db import session_factory
from node.store.unit_of_work import SqlUnitOfWork

report_app = typer.Typer(help="Reports from the node's records.", no_args_is_help=True)


class ReportFormat(StrEnum):
    """What the yearbook is written as."""

    JSON = "json"
    HTML = "html"
    PDF = "pdf"


@report_app.command("yearbook")
def report_yearbook(
    ctx: typer.Context,
    year: Annotated[
        int | None, typer.Option("--year", metavar="Y", help="registrations of calendar year Y")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="registrations up to DATE (default today)"),
    ] = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="json, html or pdf")
    ] = ReportFormat.JSON,
    out: Annotated[Path | None, typer.Option("--out", metavar="PATH", help="file to write")] = None,
) -> None:
    """The annual report (登记年报): counts by ownership, area, industry, data type, month and
    the listed companies' balance-sheet amounts."""
    settings = settings_from(ctx)
    day = None if as_of is None else _day(as_of)
    if output_format is ReportFormat.PDF and out is None:
        raise InvalidFieldError("out", "required", "a PDF needs --out PATH")
    clock = SystemClock()
    store = open_store(settings, clock)
    try:
        factory = session_factory(store.engine)
        service = YearbookService(
            lambda: SqlUnitOfWork(factory, clock=clock, read_only=True), centre_of(settings), clock
        )
        yearbook = service.yearbook(year=year, as_of=day)
    finally:
        store.engine.dispose()
    # matplotlib and WeasyPrint load only for a document, so that every other command starts fast
    from node.reports.yearbook_document import render_html, render_pdf

    if output_format is ReportFormat.PDF:
        assert out is not None
        out.write_bytes(render_pdf(yearbook))
        return
    if output_format is ReportFormat.HTML:
        text = render_html(yearbook)
    else:
        text = json.dumps(yearbook.to_json(), ensure_ascii=False, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidFieldError("as_of", "date_format", f"{text!r} is not an ISO date") from None
