"""The CSV files of a registration import: reading the rows, writing the reject file.

An import file is UTF-8, with or without a byte-order mark, with a header of
exactly the columns of ``node.domain.registration_import.COLUMNS`` in any order.
Each row keeps the line it starts on, so that a report points into the file even
when a quoted cell spans lines. The reject file of ``--partial`` repeats the
header and the rejected rows as read, with two columns added at the end: ``line``
(where the row was) and ``errors`` (every problem, ``column: reason [code]``,
separated by `` | ``). It is written with a byte-order mark, so that spreadsheet
programs read it as UTF-8; drop the two added columns before importing it again.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from node.domain.errors import InvalidFieldError
from node.domain.registration_import import COLUMNS, RowError

REJECT_COLUMNS = ("line", "errors")
MAX_FILE_BYTES = 1 << 30
"""An import file larger than 1 GiB is refused (100,000 rows take about 25 MB)."""


class ImportFileError(InvalidFieldError):
    """The import file cannot be read as a registration CSV; nothing was imported."""

    code = "import_file"

    def __init__(self, message: str, *, field: str = "file") -> None:
        super().__init__(field, "import_file", message)


@dataclass(frozen=True)
class CsvRow:
    """One data row: the line it starts on and its cells by column name."""

    line: int
    cells: Mapping[str, str]
    cell_count_error: str | None = None
    """Set when the row has another number of cells than the header has columns."""


@dataclass(frozen=True)
class ImportFile:
    """The rows of an import file, its header as written and a digest of its bytes."""

    header: tuple[str, ...]
    rows: list[CsvRow]
    sha256: str


def parse_import_csv(content: bytes) -> ImportFile:
    """The rows of an import file; ImportFileError for a file that is not one."""
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(f"the file has {len(content)} bytes, at most {MAX_FILE_BYTES}")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"the file is not UTF-8 (byte {exc.start} cannot be decoded); save it as UTF-8"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("the file is empty: it needs a header row") from None
    except csv.Error as exc:
        raise ImportFileError(f"line 1: {exc}") from None
    header = [name.strip() for name in header]
    _check_header(header)
    rows = []
    start = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append(_row(header, cells, start))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(f"line {start}: {exc}") from None
    return ImportFile(tuple(header), rows, hashlib.sha256(content).hexdigest())


def _check_header(header: Sequence[str]) -> None:
    problems = []
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        problems.append(f"repeated column(s): {', '.join(duplicates)}")
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        hint = (
            " (a reject file's line and errors columns must be dropped first)"
            if set(unknown) <= set(REJECT_COLUMNS)
            else ""
        )
        problems.append(f"unknown column(s): {', '.join(unknown)}{hint}")
    if problems:
        raise ImportFileError("line 1: " + "; ".join(problems), field="header")


def _row(header: Sequence[str], cells: Sequence[str], line: int) -> CsvRow:
    values = dict(zip(header, cells, strict=False))
    if len(cells) == len(header):
        return CsvRow(line, values)
    problem = f"has {len(cells)} cells, the header has {len(header)} columns"
    return CsvRow(line, values, problem)


def write_rejects(
    path: Path, header: Sequence[str], rejected: Sequence[tuple[CsvRow, Sequence[RowError]]]
) -> None:
    """The reject file: the rejected rows as read, with their line and errors."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*header, *REJECT_COLUMNS])
        for row, errors in rejected:
            reasons = " | ".join(f"{e.column}: {e.reason} [{e.code}]" for e in errors)
            writer.writerow([*(row.cells.get(name, "") for name in header), row.line, reasons])
