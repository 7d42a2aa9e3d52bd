"""SQL repositories of applications, documents and certificates.

Applications and certificates are stored as lossless snapshots
(``node.domain.snapshot``) beside the columns that are queried; the row's
``version`` is SQLAlchemy's version counter, so an UPDATE only succeeds while
the row still has the version read here (optimistic locking).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, cast
from uuid import uuid4

from sqlalchemy import Table, bindparam, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import FlushError, StaleDataError

from node.documents.ids import certificate_id_of
from node.documents.kinds import DocumentKind
from node.domain.calendar import Clock
from node.domain.certificate import Certificate, CertificateAction, CertificateStatus
from node.domain.identifiers import RegistrationNumber
from node.domain.snapshot import (
    application_from_snapshot,
    application_to_snapshot,
    certificate_from_snapshot,
    certificate_to_snapshot,
)
from node.domain.workflow import Application, ApplicationState, WorkflowEvent
from node.store.checks import (
    checked_digest,
    require_aware,
    require_bytes32,
    require_page,
    require_text,
    stored_document,
)
from node.store.db import execute_bulk
from node.store.errors import (
    AlreadyExistsError,
    ConcurrentUpdateError,
    NotFoundError,
)
from node.store.models import (
    NAME,
    AnchorJobRow,
    ApplicationRow,
    Base,
    CertificateRow,
    DocumentRow,
)
from node.store.ports import (
    AbstractApplicationRepository,
    AbstractCertificateRepository,
    AbstractDocumentRepository,
    AbstractEventLog,
    NewCertificate,
    NewEvent,
)
from node.store.records import (
    AnchorJob,
    AnchorJobStatus,
    CertificateRecord,
    NewDocument,
    StoredDocument,
)

NUMBERS_PER_QUERY = 5000
"""Keys per IN list (stays under every driver's bind-parameter limit)."""


def _table(row_class: type[Base]) -> Table:
    """The table of a mapped class, for bulk writes as Core statements (``execute_bulk``)."""
    return cast(Table, row_class.__table__)


def workflow_log_details(event: WorkflowEvent) -> dict[str, object]:
    """What the event log records of a workflow event besides actor, action, subject and time."""
    plain = event.to_dict()
    return {key: plain[key] for key in ("sequence", "from_state", "to_state", "details")}


def certificate_log_details(action: CertificateAction) -> dict[str, object]:
    """What the event log records of a certificate action besides actor, kind and time."""
    plain = action.to_dict()
    return {key: value for key, value in plain.items() if key not in ("actor", "at", "kind")}


def one_of(keys: Sequence[str]) -> str:
    """How an error names the row a statement over ``keys`` failed on, when it cannot tell."""
    if len(keys) == 1:
        return keys[0]
    return f"one of {keys[0]} … {keys[-1]} ({len(keys)})"


def superseded_by(certificate: Certificate) -> str | None:
    """The successor's number when the certificate was superseded."""
    if certificate.status is not CertificateStatus.SUPERSEDED:
        return None
    successors = [action.successor for action in certificate.actions if action.successor]
    return str(successors[-1]) if successors else None


class ApplicationRepository(AbstractApplicationRepository):
    """Applications in the ``applications`` table."""

    def __init__(self, session: Session, events: AbstractEventLog, clock: Clock) -> None:
        self._session = session
        self._events = events
        self._clock = clock
        self._rows: dict[str, ApplicationRow] = {}
        """Rows read here, held so the session keeps the version they were read at."""

    def add(self, application: Application, *, applicant_id: str) -> None:
        self.add_many([application], applicant_id=applicant_id)

    def add_many(self, applications: Sequence[Application], *, applicant_id: str) -> None:
        require_text(applicant_id, "applicant_id", NAME)
        now = require_aware(self._clock.now(), "clock")
        ids = [application.id for application in applications]
        taken = set(
            self._session.scalars(select(ApplicationRow.id).where(ApplicationRow.id.in_(ids)))
        )
        for application_id in ids:
            if application_id in taken:
                raise AlreadyExistsError("application", application_id)
            taken.add(application_id)
        rows = []
        for application in applications:
            number = application.registration_number
            rows.append(
                ApplicationRow(
                    id=application.id,
                    applicant_id=applicant_id,
                    state=application.state.value,
                    content=application.content.to_dict(),
                    snapshot=application_to_snapshot(application),
                    registration_number=None if number is None else str(number),
                    created_at=now,
                    updated_at=now,
                )
            )
        self._session.add_all(rows)
        try:
            self._session.flush()
        except (IntegrityError, FlushError) as exc:
            raise AlreadyExistsError("application", one_of(ids)) from exc
        for application, row in zip(applications, rows, strict=True):
            self._rows[application.id] = row
        self._log([(application, application.events) for application in applications])

    def get(self, application_id: str) -> Application:
        return application_from_snapshot(self._row(application_id).snapshot)

    def get_many(self, application_ids: Sequence[str]) -> list[Application]:
        unread = [i for i in application_ids if i not in self._rows]
        if unread:
            rows = self._session.scalars(
                select(ApplicationRow).where(ApplicationRow.id.in_(unread))
            )
            self._rows.update((row.id, row) for row in rows)
        loaded: dict[str, Application] = {}
        for application_id in application_ids:
            if application_id not in loaded:
                loaded[application_id] = self.get(application_id)
        return [loaded[application_id] for application_id in application_ids]

    def version(self, application_id: str) -> int:
        return self._row(application_id).version

    def applicant_of(self, application_id: str) -> str:
        return self._row(application_id).applicant_id

    def list_by_applicant(
        self, applicant_id: str, *, limit: int = 50, offset: int = 0
    ) -> list[Application]:
        require_page(limit, offset)
        rows = self._session.scalars(
            select(ApplicationRow)
            .where(ApplicationRow.applicant_id == applicant_id)
            .order_by(ApplicationRow.created_at, ApplicationRow.id)
            .limit(limit)
            .offset(offset)
        )
        return self._loaded(rows)

    def list_by_state(
        self,
        states: Collection[ApplicationState] | None = None,
        *,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Application]:
        require_page(limit, offset)
        query = select(ApplicationRow)
        if states is not None:
            query = query.where(ApplicationRow.state.in_([state.value for state in states]))
        rows = self._session.scalars(
            query.order_by(ApplicationRow.created_at, ApplicationRow.id).limit(limit).offset(offset)
        )
        return self._loaded(rows)

    def _loaded(self, rows: Iterable[ApplicationRow]) -> list[Application]:
        """The applications of ``rows``, whose versions this unit of work now knows."""
        found = []
        for row in rows:
            self._rows.setdefault(row.id, row)
            found.append(application_from_snapshot(row.snapshot))
        return found

    def save(self, application: Application, *, expected_version: int | None = None) -> int:
        [version] = self._save([application], expected_version)
        return version

    def save_many(self, applications: Sequence[Application]) -> list[int]:
        return self._save(applications, None)

    def _save(self, applications: Sequence[Application], expected_version: int | None) -> list[int]:
        """Write the new rows with one executemany UPDATE that matches each row only at the
        version read here, then log the new events.

        The ORM checks versions too, but then sends one UPDATE per row; this is what a
        bulk issue pays most for on PostgreSQL. A row that does not match (saved by
        someone else meanwhile) or a taken registration number rolls the transaction
        back, as a failed ORM flush does, so nothing of the batch is left.
        """
        distinct = list({application.id: application for application in applications}.values())
        if not distinct:
            return []
        now = require_aware(self._clock.now(), "clock")
        rows = [self._row(application.id) for application in distinct]
        changes = [
            self._changes(application, row, expected_version, now)
            for application, row in zip(distinct, rows, strict=True)
        ]
        table = cast(Table, ApplicationRow.__table__)
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"), table.c.version == bindparam("row_version"))
            .values({name: bindparam(name) for name in changes[0]})
        )
        parameters = [
            {**values, "row_id": row.id, "row_version": row.version}
            for row, values in zip(rows, changes, strict=True)
        ]
        try:
            matched = self._session.connection().execute(statement, parameters).rowcount
        except IntegrityError as exc:
            self._session.rollback()
            numbers = [str(application.registration_number) for application in distinct]
            raise AlreadyExistsError("registration_number", one_of(numbers)) from exc
        if matched != len(parameters):
            self._session.rollback()
            ids = [application.id for application in distinct]
            raise ConcurrentUpdateError("application", one_of(ids), expected_version)
        new_events = []
        for application, row, values in zip(distinct, rows, changes, strict=True):
            new_events.append((application, application.events[len(row.snapshot["events"]) :]))
            for name, value in values.items():
                set_committed_value(row, name, value)
        self._log(new_events)
        return [self._row(application.id).version for application in applications]

    @staticmethod
    def _changes(
        application: Application, row: ApplicationRow, expected_version: int | None, now: datetime
    ) -> dict[str, Any]:
        """The new column values of the application's row, once its version is checked."""
        if expected_version is not None and row.version != expected_version:
            raise ConcurrentUpdateError("application", application.id, expected_version)
        if len(application.events) < len(row.snapshot["events"]):
            raise ConcurrentUpdateError("application", application.id, expected_version)
        number = application.registration_number
        return {
            "state": application.state.value,
            "content": application.content.to_dict(),
            "snapshot": application_to_snapshot(application),
            "registration_number": None if number is None else str(number),
            "updated_at": now,
            "version": row.version + 1,
        }

    def _row(self, application_id: str) -> ApplicationRow:
        row = self._rows.get(application_id) or self._session.get(ApplicationRow, application_id)
        if row is None:
            raise NotFoundError("application", application_id)
        self._rows[application_id] = row
        return row

    def _log(self, changes: Sequence[tuple[Application, Sequence[WorkflowEvent]]]) -> None:
        """Append the applications' new workflow events to the event log, at once."""
        self._events.append_many(
            [
                NewEvent(
                    event.actor,
                    f"application.{event.action.value}",
                    application.id,
                    workflow_log_details(event),
                    event.at,
                )
                for application, events in changes
                for event in events
            ]
        )


class DocumentRepository(AbstractDocumentRepository):
    """Documents in ``documents``, each with its row in the ``anchor_jobs`` outbox."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def add_with_anchor_job(
        self, document: NewDocument, deadline: datetime
    ) -> tuple[StoredDocument, AnchorJob]:
        [added] = self.add_many_with_anchor_jobs([document], deadline)
        return added

    def add_many_with_anchor_jobs(
        self, documents: Sequence[NewDocument], deadline: datetime
    ) -> list[tuple[StoredDocument, AnchorJob]]:
        """Checked in order with two queries, then written as two multi-row INSERTs (ORM bulk
        inserts: no per-object unit-of-work bookkeeping)."""
        deadline = require_aware(deadline, "deadline")
        now = require_aware(self._clock.now(), "clock")
        ids = [document.id or uuid4().hex for document in documents]
        digests = [require_bytes32(document.digest, "digest") for document in documents]
        taken = self._session.execute(
            select(DocumentRow.id, DocumentRow.digest).where(
                or_(DocumentRow.id.in_(ids), DocumentRow.digest.in_(digests))
            )
        ).all()
        taken_ids = {row.id for row in taken}
        known_digests = {row.digest for row in taken}
        wanted = {d.previous_digest for d in documents if d.previous_digest is not None}
        known_digests.update(
            self._session.scalars(select(DocumentRow.digest).where(DocumentRow.digest.in_(wanted)))
        )
        new_ids: set[str] = set()
        new_digests: set[bytes] = set()
        stored = []
        for document, document_id, digest in zip(documents, ids, digests, strict=True):
            checked_digest(document)
            if document_id in taken_ids or document_id in new_ids:
                raise AlreadyExistsError("document", document_id)
            if digest in known_digests or digest in new_digests:
                raise AlreadyExistsError("document", f"0x{digest.hex()}")
            previous = document.previous_digest
            if previous is not None:
                require_bytes32(previous, "previous_digest")
                if previous not in known_digests and previous not in new_digests:
                    raise NotFoundError("previous_document", f"0x{previous.hex()}")
            new_ids.add(document_id)
            new_digests.add(digest)
            stored.append(stored_document(document, document_id, now))
        if not stored:
            return []
        try:
            execute_bulk(
                self._session, insert(_table(DocumentRow)), [document_values(d) for d in stored]
            )
        except IntegrityError as exc:
            raise AlreadyExistsError("document", one_of([f"0x{d.hex()}" for d in digests])) from exc
        job_values = [
            {
                "document_id": document.id,
                "digest": document.digest,
                "status": AnchorJobStatus.PENDING.value,
                "created_at": now,
                "deadline_at": deadline,
            }
            for document in stored
        ]
        try:
            jobs = _table(AnchorJobRow)
            statement = insert(jobs).returning(jobs.c.id, sort_by_parameter_order=True)
            job_ids = execute_bulk(self._session, statement, job_values).scalars().all()
        except IntegrityError as exc:
            raise AlreadyExistsError("anchor_job", one_of(ids)) from exc
        return [
            (
                document,
                AnchorJob(
                    id=job_id,
                    document_id=document.id,
                    digest=document.digest,
                    status=AnchorJobStatus.PENDING,
                    batch_id=None,
                    leaf_index=None,
                    proof=None,
                    created_at=now,
                    deadline_at=deadline,
                ),
            )
            for document, job_id in zip(stored, job_ids, strict=True)
        ]

    def get(self, document_id: str) -> StoredDocument:
        row = self._session.get(DocumentRow, document_id)
        if row is None:
            raise NotFoundError("document", document_id)
        return document_record(row)

    def get_by_digest(self, digest: bytes) -> StoredDocument:
        row = self._session.scalar(select(DocumentRow).where(DocumentRow.digest == digest))
        if row is None:
            raise NotFoundError("document", f"0x{digest.hex()}")
        return document_record(row)

    def list_by_subject(self, subject: str) -> list[StoredDocument]:
        return self.list_by_subjects([subject])[subject]

    def list_by_subjects(self, subjects: Sequence[str]) -> dict[str, list[StoredDocument]]:
        found: dict[str, list[StoredDocument]] = {subject: [] for subject in subjects}
        documents = cast(Table, DocumentRow.__table__)
        rows = self._session.execute(  # plain rows: records, not mapped objects, are returned
            select(*documents.c)
            .where(documents.c.subject.in_(found))
            .order_by(documents.c.created_at, documents.c.id)
        )
        for row in rows:
            found[row.subject].append(document_record(row))
        return found


def document_values(document: StoredDocument) -> dict[str, object]:
    """The column values of a document's row."""
    return {
        "id": document.id,
        "kind": document.kind.value,
        "subject": document.subject,
        "schema_version": document.schema_version,
        "canonical": document.canonical,
        "digest": document.digest,
        "signature": document.signature,
        "signer": document.signer,
        "previous_digest": document.previous_digest,
        "created_at": document.created_at,
    }


def document_record(row: DocumentRow | Row[Any]) -> StoredDocument:
    """The stored document of a row (a mapped one, or a plain row of the table's columns)."""
    return StoredDocument(
        id=row.id,
        kind=DocumentKind(row.kind),
        subject=row.subject,
        schema_version=row.schema_version,
        canonical=row.canonical,
        digest=row.digest,
        signature=row.signature,
        signer=row.signer,
        previous_digest=row.previous_digest,
        created_at=row.created_at,
    )


class CertificateRepository(AbstractCertificateRepository):
    """Certificates in the ``certificates`` table."""

    def __init__(self, session: Session, events: AbstractEventLog) -> None:
        self._session = session
        self._events = events
        self._rows: dict[str, CertificateRow] = {}
        """Rows read here, held so the session keeps the version they were read at."""

    def add(
        self,
        certificate: Certificate,
        *,
        application_id: str | None,
        asset_key: bytes,
        document_digest: bytes,
    ) -> CertificateRecord:
        [record] = self.add_many(
            [NewCertificate(certificate, application_id, asset_key, document_digest)]
        )
        return record

    def add_many(self, certificates: Sequence[NewCertificate]) -> list[CertificateRecord]:
        """Checked in order with three queries, then written as one multi-row INSERT."""
        numbers = [str(new.certificate.registration_number) for new in certificates]
        for new in certificates:
            require_bytes32(new.asset_key, "asset_key")
            require_bytes32(new.document_digest, "document_digest")
        taken = set(
            self._session.scalars(
                select(CertificateRow.registration_number).where(
                    CertificateRow.registration_number.in_(numbers)
                )
            )
        )
        digests = {new.document_digest for new in certificates}
        documents = set(
            self._session.scalars(select(DocumentRow.digest).where(DocumentRow.digest.in_(digests)))
        )
        application_ids = {new.application_id for new in certificates} - {None}
        applications = set(
            self._session.scalars(
                select(ApplicationRow.id).where(ApplicationRow.id.in_(application_ids))
            )
        )
        values = []
        for number, new in zip(numbers, certificates, strict=True):
            if number in taken:
                raise AlreadyExistsError("certificate", number)
            if new.document_digest not in documents:
                raise NotFoundError("document", f"0x{new.document_digest.hex()}")
            if new.application_id is not None and new.application_id not in applications:
                raise NotFoundError("application", new.application_id)
            taken.add(number)
            values.append(
                {
                    "registration_number": number,
                    "application_id": new.application_id,
                    "asset_key": new.asset_key,
                    "certificate_id": certificate_id_of(number),
                    "document_digest": new.document_digest,
                    "version": 1,
                    **self._columns(new.certificate),
                }
            )
        if not values:
            return []
        try:
            execute_bulk(self._session, insert(_table(CertificateRow)), values)
        except IntegrityError as exc:
            raise AlreadyExistsError("certificate", one_of(numbers)) from exc
        self._log([(new.certificate, new.certificate.actions) for new in certificates])
        return [certificate_record_of(value) for value in values]

    def get(self, registration_number: RegistrationNumber | str) -> Certificate:
        return certificate_from_snapshot(self._row(registration_number).snapshot)

    def record(self, registration_number: RegistrationNumber | str) -> CertificateRecord:
        return certificate_record(self._row(registration_number))

    def save(self, certificate: Certificate, *, expected_version: int | None = None) -> int:
        number = str(certificate.registration_number)
        row = self._row(number)
        if expected_version is not None and row.version != expected_version:
            raise ConcurrentUpdateError("certificate", number, expected_version)
        logged = len(row.snapshot["actions"])
        if len(certificate.actions) < logged:
            raise ConcurrentUpdateError("certificate", number, expected_version)
        for name, value in self._columns(certificate).items():
            setattr(row, name, value)
        try:
            self._session.flush()
        except StaleDataError as exc:
            raise ConcurrentUpdateError("certificate", number, expected_version) from exc
        self._log([(certificate, certificate.actions[logged:])])
        return row.version

    def list_by_holder(
        self, credit_code: str, *, limit: int = 50, offset: int = 0
    ) -> list[CertificateRecord]:
        require_page(limit, offset)
        rows = self._session.scalars(
            select(CertificateRow)
            .where(CertificateRow.holder_credit_code == credit_code)
            .order_by(CertificateRow.registration_number)
            .limit(limit)
            .offset(offset)
        )
        return [certificate_record(row) for row in rows]

    def list_all(
        self, *, status: CertificateStatus | None = None, limit: int = 50, offset: int = 0
    ) -> list[CertificateRecord]:
        require_page(limit, offset)
        query = select(CertificateRow)
        if status is not None:
            query = query.where(CertificateRow.status == status.value)
        rows = self._session.scalars(
            query.order_by(CertificateRow.registration_number).limit(limit).offset(offset)
        )
        return [certificate_record(row) for row in rows]

    def find_by_asset_key(self, asset_key: bytes) -> list[CertificateRecord]:
        return self.find_by_asset_keys([asset_key])

    def find_by_asset_keys(self, asset_keys: Sequence[bytes]) -> list[CertificateRecord]:
        rows = self._session.scalars(
            select(CertificateRow)
            .where(CertificateRow.asset_key.in_(asset_keys))
            .order_by(CertificateRow.registration_number)
        )
        return [certificate_record(row) for row in rows]

    def taken_numbers(self, registration_numbers: Sequence[str]) -> set[str]:
        taken: set[str] = set()
        for start in range(0, len(registration_numbers), NUMBERS_PER_QUERY):
            part = registration_numbers[start : start + NUMBERS_PER_QUERY]
            taken.update(
                self._session.scalars(
                    select(CertificateRow.registration_number).where(
                        CertificateRow.registration_number.in_(part)
                    )
                )
            )
        return taken

    def last_serial(self, region_code: str, year: int) -> int:
        prefix = f"{region_code}-{year:04d}-"
        highest = self._session.scalar(
            select(func.max(CertificateRow.registration_number)).where(
                CertificateRow.registration_number.startswith(prefix, autoescape=True)
            )
        )
        return 0 if highest is None else int(highest[len(prefix) : len(prefix) + 6])

    @staticmethod
    def _columns(certificate: Certificate) -> dict[str, Any]:
        return {
            "holder_credit_code": certificate.holder.credit_code.value,
            "status": certificate.status.value,
            "issued_on": certificate.issued_on,
            "valid_until": certificate.valid_until,
            "superseded_by": superseded_by(certificate),
            "snapshot": certificate_to_snapshot(certificate),
        }

    def _row(self, registration_number: RegistrationNumber | str) -> CertificateRow:
        number = str(registration_number)
        row = self._rows.get(number) or self._session.get(CertificateRow, number)
        if row is None:
            raise NotFoundError("certificate", number)
        self._rows[number] = row
        return row

    def _log(self, changes: Sequence[tuple[Certificate, Sequence[CertificateAction]]]) -> None:
        """Append the certificates' new actions to the event log, at once."""
        self._events.append_many(
            [
                NewEvent(
                    action.actor,
                    f"certificate.{action.kind.value}",
                    str(certificate.registration_number),
                    certificate_log_details(action),
                    action.at,
                )
                for certificate, actions in changes
                for action in actions
            ]
        )


def certificate_record_of(values: dict[str, Any]) -> CertificateRecord:
    """The stored facts of a certificate row's column values."""
    return CertificateRecord(
        registration_number=values["registration_number"],
        application_id=values["application_id"],
        holder_credit_code=values["holder_credit_code"],
        status=CertificateStatus(values["status"]),
        asset_key=values["asset_key"],
        certificate_id=values["certificate_id"],
        document_digest=values["document_digest"],
        issued_on=values["issued_on"],
        valid_until=values["valid_until"],
        superseded_by=values["superseded_by"],
        version=values["version"],
    )


def certificate_record(row: CertificateRow | Row[Any]) -> CertificateRecord:
    """The stored facts of a certificate row."""
    return CertificateRecord(
        registration_number=row.registration_number,
        application_id=row.application_id,
        holder_credit_code=row.holder_credit_code,
        status=CertificateStatus(row.status),
        asset_key=row.asset_key,
        certificate_id=row.certificate_id,
        document_digest=row.document_digest,
        issued_on=row.issued_on,
        valid_until=row.valid_until,
        superseded_by=row.superseded_by,
        version=row.version,
    )
