"""Registration import: rows checked one by one, all or nothing (or the good ones with partial),
written as signed certificates queued for anchoring, with their facts and log entries."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from node.documents.canonical import digest_hex
from node.documents.ids import asset_key_of, certificate_id_of
from node.documents.kinds import DocumentKind
from node.documents.schemas import parse_document
from node.documents.signing import SignedFields, recover_signer
from node.domain.registration_facts import FactsOrigin
from node.domain.registration_import import parse_row
from node.services.imports import IMPORT_ACTION, ImportOutcome, RegistrationImportService
from node.services.registration_csv import (
    CsvRow,
    ImportFileError,
    parse_import_csv,
    write_rejects,
)
from node.store.records import AnchorJobStatus, ChainActionStatus
from tests.unit.domain.builders import number
from tests.unit.reports.yearbook_data import csv_bytes, rows
from tests.unit.services.conftest import DOMAIN, Node

TODAY = date(2026, 3, 2)


def run(node: Node, records: Sequence[dict[str, str]], *, partial: bool = False) -> ImportOutcome:
    file = parse_import_csv(csv_bytes(list(records)))
    service = RegistrationImportService(node.context)
    return service.import_rows("operator", file.rows, source="test.csv", partial=partial)


def stored_numbers(node: Node) -> list[str]:
    with node.store.uow() as uow:
        candidates = [
            str(number(serial, year)) for year in (2024, 2025, 2026) for serial in range(1, 400)
        ]
        return sorted(uow.certificates.taken_numbers(candidates))


def bad(record: dict[str, str], **changes: str) -> dict[str, str]:
    return record | changes


def test_a_bad_row_refuses_the_whole_file_and_writes_nothing(node: Node) -> None:
    records = rows()
    records[3] = bad(records[3], credit_code="123", listed="maybe")
    outcome = run(node, records)
    assert outcome.imported == () and not outcome.complete
    [rejected] = outcome.rejected
    assert rejected.row.line == 5  # header on line 1, fourth row on line 5
    assert [(e.line, e.column, e.code) for e in rejected.errors] == [
        (5, "credit_code", "credit_code_length"),
        (5, "listed", "boolean_format"),
    ]
    assert stored_numbers(node) == []
    with node.store.uow() as uow:
        assert uow.events.head() is None
        assert uow.anchors.pending() == []
        assert uow.chain_actions.with_status(ChainActionStatus.PENDING) == []


def test_partial_writes_the_good_rows_and_returns_the_bad_ones(node: Node, tmp_path: Path) -> None:
    records = rows()
    records[0] = bad(records[0], province="山东", region_code="110108")
    records[5] = bad(records[5], securities_code="")
    outcome = run(node, records, partial=True)
    assert [r.row.line for r in outcome.rejected] == [2, 7]
    assert len(outcome.imported) == 12 and len(stored_numbers(node)) == 12
    file = parse_import_csv(csv_bytes(records))
    rejects = tmp_path / "rejects.csv"
    write_rejects(rejects, file.header, [(r.row, r.errors) for r in outcome.rejected])
    assert rejects.read_bytes().startswith(b"\xef\xbb\xbf")
    with rejects.open(encoding="utf-8-sig", newline="") as read:
        written = list(csv.DictReader(read))
    assert [row["line"] for row in written] == ["2", "7"]
    assert (
        written[0]["region_code"] == "110108" and written[0]["holder_name"] == "青岛港数据有限公司"
    )
    assert written[0]["errors"] == (
        "region_code: 110108 lies in 北京市, not in 山东省 [province_mismatch]"
    )
    assert written[1]["errors"] == "securities_code: is required when listed is true [required]"


def test_imported_certificates_are_signed_queued_for_anchoring_and_claimed_on_chain(
    node: Node,
) -> None:
    records = [
        bad(rows()[0], asset_name=f"渔业数据 {index}", registered_on="2026-01-05")
        for index in range(300)
    ]
    outcome = run(node, records)
    numbers = [row.registration_number for row in outcome.imported]
    assert numbers == [str(number(serial)) for serial in range(1, 301)]
    assert [row.line for row in outcome.imported] == list(range(2, 302))
    with node.store.uow() as uow:
        documents = uow.documents.list_by_subjects(numbers[:2] + numbers[-1:])
        claims = uow.chain_actions.with_status(ChainActionStatus.PENDING)
        pending = uow.anchors.pending(limit=1000)
        record = uow.certificates.record(numbers[0])
        certificate = uow.certificates.get(numbers[0])
        facts = uow.registration_facts.get(numbers[0])
        log = uow.events.entries(limit=1000)
    assert len(pending) == 300 and {job.status for job in pending} == {AnchorJobStatus.PENDING}
    assert [len(action.payload["certificate_ids"]) for action in claims] == [256, 44]  # type: ignore[arg-type]
    assert claims[0].payload["certificate_ids"][0] == digest_hex(certificate_id_of(numbers[0]))  # type: ignore[index]
    [document] = documents[numbers[0]]
    assert document.kind is DocumentKind.CERTIFICATE and record.application_id is None
    parsed = parse_document(json.loads(document.canonical))
    fields = SignedFields(document.kind.value, numbers[0], document.digest, 1)
    assert recover_signer(DOMAIN, fields, document.signature or b"") == node.context.signer.address
    assert parsed.application_id is None and parsed.notice_digest is None  # type: ignore[union-attr]
    assert (
        str(certificate.issued_on) == "2026-01-05" and str(certificate.valid_until) == "2029-01-04"
    )
    assert facts.origin is FactsOrigin.IMPORT and facts.credit_code == rows()[0]["credit_code"]
    assert [entry.action for entry in log] == [IMPORT_ACTION] * 300
    assert log[0].subject == numbers[0] and log[0].details["line"] == 2
    assert log[0].details["source"] == "test.csv"


def test_given_numbers_are_kept_and_empty_ones_follow_the_highest_of_their_year(
    node: Node,
) -> None:
    records = rows()[:3]
    records[1] = bad(records[1], registration_number=str(number(7, 2025)))
    first = run(node, records)
    assert [row.registration_number for row in first.imported] == [
        str(number(8, 2025)),
        str(number(7, 2025)),
        str(number(9, 2025)),
    ]
    later = [bad(rows()[3], registered_on="2025-03-15"), bad(rows()[12])]
    assert [row.registration_number for row in run(node, later).imported] == [
        str(number(10, 2025)),
        str(number(1, 2024)),
    ]


def test_numbers_and_assets_taken_in_the_file_or_the_store_are_refused(node: Node) -> None:
    run(node, rows()[:2])
    records = [
        bad(rows()[2], registration_number=str(number(1, 2025))),
        bad(rows()[3], registration_number=str(number(5, 2025))),
        bad(rows()[4], registration_number=str(number(5, 2025))),
        rows()[1],
        rows()[5],
        bad(rows()[5], registered_on="2025-07-01"),
    ]
    outcome = run(node, records, partial=True)
    assert [(r.row.line, [(e.column, e.code) for e in r.errors]) for r in outcome.rejected] == [
        (2, [("registration_number", "registration_number_taken")]),
        (4, [("registration_number", "duplicate_registration_number")]),
        (5, [("asset_name", "asset_already_registered")]),
        (7, [("asset_name", "duplicate_asset")]),
    ]
    assert "certificate 370200-2025-000002" in outcome.rejected[2].errors[0].reason
    assert [row.line for row in outcome.imported] == [3, 6]


class OtherCentreHolds:
    """A consortium asset index where centre 7 holds every key it was told of."""

    def __init__(self, held: set[bytes]) -> None:
        self.held = held

    def holder_centres(self, asset_keys: Sequence[bytes]) -> dict[bytes, int]:
        return {key: 7 for key in asset_keys if key in self.held}

    def own_centre_id(self) -> int:
        return 1


def test_an_asset_held_at_another_centre_is_refused(node: Node) -> None:
    record = rows()[6]
    row = parse_row(record, 2, centre_region=node.context.centre.region_code, today=TODAY)
    assert not isinstance(row, list)
    key = asset_key_of(record["credit_code"], row.content.asset.fingerprint_material())
    context = dataclasses.replace(node.context, asset_index=OtherCentreHolds({key}))
    file = parse_import_csv(csv_bytes([rows()[5], record]))
    outcome = RegistrationImportService(context).import_rows("operator", file.rows, source="x")
    [rejected] = outcome.rejected
    assert rejected.row.line == 3 and rejected.errors[0].code == "asset_already_registered"
    assert "centre 7" in rejected.errors[0].reason


def test_a_byte_order_mark_is_skipped_and_lines_count_quoted_line_breaks() -> None:
    records = rows()[:2]
    records[0] = bad(records[0], holder_name="青岛港数据\n有限公司")
    with_bom = parse_import_csv(csv_bytes(records, bom=True))
    without = parse_import_csv(csv_bytes(records))
    assert with_bom.header == without.header and with_bom.header[0] == "registration_number"
    assert [row.line for row in with_bom.rows] == [2, 4]
    assert with_bom.rows[0].cells == without.rows[0].cells
    assert with_bom.sha256 != without.sha256


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("holder_name,credit_code", "missing column(s): registration_number, ownership"),
        (",".join([*rows()[0], "line", "errors"]), "a reject file's line and errors"),
        (",".join([*rows()[0], "asset_name"]), "repeated column(s): asset_name"),
        (",".join([*rows()[0], "notes"]), "unknown column(s): notes"),
    ],
)
def test_a_wrong_header_makes_the_file_unusable(header: str, message: str) -> None:
    with pytest.raises(ImportFileError) as raised:
        parse_import_csv(header.encode() + b"\n")
    assert raised.value.code == "import_file" and raised.value.field == "header"
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        ("registration_number\n".encode("gbk") + "青岛".encode("gbk"), "not UTF-8"),
    ],
)
def test_an_unreadable_file_is_refused(content: bytes, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        parse_import_csv(content)


def test_a_row_with_too_few_cells_is_a_row_error(node: Node) -> None:
    content = csv_bytes(rows()[:1]) + b"only,three,cells\r\n"
    file = parse_import_csv(content)
    assert file.rows[1] == CsvRow(3, file.rows[1].cells, "has 3 cells, the header has 17 columns")
    outcome = RegistrationImportService(node.context).import_rows(
        "operator", file.rows, source="x", partial=True
    )
    assert [(e.line, e.code) for r in outcome.rejected for e in r.errors] == [(3, "cell_count")]
    assert len(outcome.imported) == 1
