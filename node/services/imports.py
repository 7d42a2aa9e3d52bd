"""Bulk import of registrations (``dataprop import registrations``): historical or migrated
registrations become certificates of this centre, signed, stored and queued for anchoring.

Everything happens in one transaction. Each row is checked on its own (cells,
then numbers and assets against the other rows, the store and the consortium's
asset index) and every problem is reported with its line and column. By default
the import is all or nothing: one bad row and nothing is written. ``partial``
writes the good rows and returns the bad ones.

A good row is written as ``IssuanceService.issue_many`` writes a certificate,
with the store's bulk methods, 256 certificates at a time: its certificate
(issued on ``registered_on``, valid for the centre's validity years from then,
with no application, compliance report or notice), the certificate document
canonicalised and signed (EIP-712) with its anchoring job in the outbox, one
chain action per 256 certificates that claims their asset keys, the row's
statistics facts and an entry in the event log. The anchoring worker then
anchors them in Merkle batches like any other document. A row without a
registration number gets the next serial of its registration year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from node.chain.action_payloads import MAX_CERTIFICATES_PER_ACTION
from node.documents.builders import certificate_document
from node.documents.canonical import parse_digest
from node.documents.ids import asset_key_of
from node.domain.calendar import local_date
from node.domain.certificate import Certificate, CertificateStatus, validity_end
from node.domain.errors import InvalidFieldError
from node.domain.identifiers import RegistrationNumber
from node.domain.registration_import import ImportedRegistration, RowError, parse_row
from node.domain.text import require_text
from node.services.context import NodeContext
from node.services.outbox import claim_asset_keys
from node.services.recording import record_documents
from node.services.registration_csv import CsvRow
from node.store.errors import AlreadyExistsError
from node.store.ports import AbstractUnitOfWork, NewCertificate, NewEvent

CHUNK = MAX_CERTIFICATES_PER_ACTION
"""Certificates written per step: one asset-key claim on chain each."""
CHECK_CHUNK = 2000
"""Asset keys looked up per query of the store or the asset index."""
IMPORT_ACTION = "registration.import"
SERIAL_ATTEMPTS = 3
"""An issuer may take a serial of the same year meanwhile; the import then runs again."""


class ImportProgress(Protocol):
    """Told how far an import is: ``check`` rows, then ``write`` certificates."""

    def start(self, stage: str, total: int) -> None:
        """``stage`` begins with ``total`` items to go."""

    def advance(self, stage: str, count: int) -> None:
        """``count`` more items of ``stage`` are done."""


@dataclass(frozen=True)
class ImportedRow:
    """A row written: its line and the registration number it is stored under."""

    line: int
    registration_number: str


@dataclass(frozen=True)
class RejectedRow:
    """A row refused, with every problem found."""

    row: CsvRow
    errors: tuple[RowError, ...]


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did: rows written (none when any was refused, unless partial)."""

    rows: int
    imported: tuple[ImportedRow, ...]
    rejected: tuple[RejectedRow, ...]

    @property
    def complete(self) -> bool:
        """Every row was written."""
        return not self.rejected


class RegistrationImportService:
    """Imports registrations into this centre's store."""

    def __init__(self, context: NodeContext) -> None:
        self._context = context

    def import_rows(
        self,
        actor: str,
        rows: Sequence[CsvRow],
        *,
        source: str,
        partial: bool = False,
        progress: ImportProgress | None = None,
    ) -> ImportOutcome:
        """Check every row and write the good ones (all or none, unless ``partial``).

        ``source`` names the file in the event log (its name and SHA-256, say).
        """
        actor = require_text(actor, "actor", 200)
        source = require_text(source, "source", 200)
        for attempt in range(SERIAL_ATTEMPTS):
            try:
                return self._import_once(actor, rows, source, partial, progress)
            except AlreadyExistsError as error:
                if error.entity != "certificate" or attempt == SERIAL_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _import_once(
        self,
        actor: str,
        rows: Sequence[CsvRow],
        source: str,
        partial: bool,
        progress: ImportProgress | None,
    ) -> ImportOutcome:
        context = self._context
        today = local_date(context.clock.now())
        if progress is not None:
            progress.start("check", len(rows))
        with context.unit_of_work() as uow:
            problems: dict[int, list[RowError]] = defaultdict(list)
            good: list[tuple[CsvRow, ImportedRegistration]] = []
            for row in rows:
                parsed = _parse(row, context, today)
                if isinstance(parsed, list):
                    problems[row.line] += parsed
                else:
                    good.append((row, parsed))
            good = self._refuse_conflicts(uow, good, problems)
            if progress is not None:
                progress.advance("check", len(rows))
            rejected = tuple(
                RejectedRow(row, tuple(problems[row.line])) for row in rows if row.line in problems
            )
            if rejected and not partial:
                return ImportOutcome(len(rows), (), rejected)
            imported = self._write(uow, actor, source, [parsed for _, parsed in good], progress)
            uow.commit()
        return ImportOutcome(len(rows), tuple(imported), rejected)

    def _refuse_conflicts(
        self,
        uow: AbstractUnitOfWork,
        rows: list[tuple[CsvRow, ImportedRegistration]],
        problems: dict[int, list[RowError]],
    ) -> list[tuple[CsvRow, ImportedRegistration]]:
        """The rows whose number and asset are free: in the file (the first row keeps them),
        in this store and, for assets, at every centre of the consortium."""
        first_with_number: dict[str, int] = {}
        first_with_asset: dict[bytes, int] = {}
        for row, parsed in rows:
            if parsed.registration_number is not None:
                number = str(parsed.registration_number)
                earlier = first_with_number.setdefault(number, row.line)
                if earlier != row.line:
                    problems[row.line].append(
                        RowError(
                            row.line,
                            "registration_number",
                            "duplicate_registration_number",
                            f"{number} is the number of line {earlier} too",
                        )
                    )
            holder, asset = parsed.content.holder, parsed.content.asset
            key = asset_key_of(holder.credit_code.value, asset.fingerprint_material())
            earlier = first_with_asset.setdefault(key, row.line)
            if earlier != row.line:
                problems[row.line].append(
                    RowError(
                        row.line,
                        "asset_name",
                        "duplicate_asset",
                        f"line {earlier} registers the same asset of the same holder",
                    )
                )
        for number in uow.certificates.taken_numbers(list(first_with_number)):
            line = first_with_number[number]
            problems[line].append(
                RowError(
                    line,
                    "registration_number",
                    "registration_number_taken",
                    f"{number} is the number of a certificate stored already",
                )
            )
        held = self._registered_assets(uow, list(first_with_asset))
        for key, where in held.items():
            line = first_with_asset[key]
            problems[line].append(
                RowError(
                    line,
                    "asset_name",
                    "asset_already_registered",
                    f"the holder's asset is registered already ({where})",
                )
            )
        return [(row, parsed) for row, parsed in rows if row.line not in problems]

    def _registered_assets(self, uow: AbstractUnitOfWork, keys: list[bytes]) -> dict[bytes, str]:
        """Which of ``keys`` an active certificate holds: here (its number), else at another
        centre of the consortium (that centre)."""
        held: dict[bytes, str] = {}
        index = self._context.asset_index
        own = None if index is None else index.own_centre_id()
        for start in range(0, len(keys), CHECK_CHUNK):
            part = keys[start : start + CHECK_CHUNK]
            for record in uow.certificates.find_by_asset_keys(part):
                if record.status is CertificateStatus.ACTIVE:
                    held[record.asset_key] = f"certificate {record.registration_number}"
            if index is None:
                continue
            for key, centre in index.holder_centres(part).items():
                if centre != own:
                    held.setdefault(key, f"centre {centre}")
        return held

    def _write(
        self,
        uow: AbstractUnitOfWork,
        actor: str,
        source: str,
        registrations: Sequence[ImportedRegistration],
        progress: ImportProgress | None,
    ) -> list[ImportedRow]:
        numbers = self._numbers(uow, registrations)
        if progress is not None:
            progress.start("write", len(registrations))
        imported = []
        for start in range(0, len(registrations), CHUNK):
            chunk = registrations[start : start + CHUNK]
            imported += self._write_chunk(uow, actor, source, chunk, numbers[start : start + CHUNK])
            if progress is not None:
                progress.advance("write", len(chunk))
        return imported

    def _numbers(
        self, uow: AbstractUnitOfWork, registrations: Sequence[ImportedRegistration]
    ) -> list[RegistrationNumber]:
        """Each row's number: its own, else the next serial of its year after every serial
        stored or given in the file."""
        centre = self._context.centre
        region = centre.region_code.value
        last: dict[int, int] = {}
        for item in registrations:
            year = item.registered_on.year
            if year not in last:
                last[year] = uow.certificates.last_serial(region, year)
            if item.registration_number is not None:
                last[year] = max(last[year], item.registration_number.serial)
        numbers = []
        for item in registrations:
            if item.registration_number is not None:
                numbers.append(item.registration_number)
                continue
            year = item.registered_on.year
            last[year] += 1
            try:
                numbers.append(centre.registration_number(year, last[year]))
            except InvalidFieldError as error:
                error.add_note(f"assigning a number to line {item.line}")
                raise
        return numbers

    def _write_chunk(
        self,
        uow: AbstractUnitOfWork,
        actor: str,
        source: str,
        chunk: Sequence[ImportedRegistration],
        numbers: Sequence[RegistrationNumber],
    ) -> list[ImportedRow]:
        context = self._context
        now = context.clock.now()
        certificates = [
            Certificate(
                number,
                item.content.holder,
                item.content.asset,
                item.content.rights,
                issued_on=item.registered_on,
                valid_until=validity_end(item.registered_on, context.centre.validity_years),
            )
            for item, number in zip(chunk, numbers, strict=True)
        ]
        documents = [
            certificate_document(
                certificate,
                centre=context.centre_ref,
                created_at=now,
                application_id=None,
                compliance_report_digest=None,
                notice_digest=None,
            )
            for certificate in certificates
        ]
        stored = record_documents(uow, context, documents)
        keys = [parse_digest(document.asset_key) for document in documents]
        uow.certificates.add_many(
            [
                NewCertificate(certificate, None, key, document.digest)
                for certificate, key, document in zip(certificates, keys, stored, strict=True)
            ]
        )
        uow.registration_facts.add_many(
            [
                item.facts(str(certificate.registration_number))
                for item, certificate in zip(chunk, certificates, strict=True)
            ]
        )
        uow.events.append_many(
            [
                NewEvent(
                    actor,
                    IMPORT_ACTION,
                    str(certificate.registration_number),
                    {"source": source, "line": item.line, "document_id": document.id},
                    now,
                )
                for item, certificate, document in zip(chunk, certificates, stored, strict=True)
            ]
        )
        claim_asset_keys(
            uow,
            [
                (str(certificate.registration_number), key)
                for certificate, key in zip(certificates, keys, strict=True)
            ],
        )
        return [
            ImportedRow(item.line, str(certificate.registration_number))
            for item, certificate in zip(chunk, certificates, strict=True)
        ]


def _parse(row: CsvRow, context: NodeContext, today: date) -> ImportedRegistration | list[RowError]:
    if row.cell_count_error is not None:
        return [RowError(row.line, "", "cell_count", row.cell_count_error)]
    return parse_row(row.cells, row.line, centre_region=context.centre.region_code, today=today)
