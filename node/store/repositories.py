"""SQL repositories of applications, documents and certificates.

Applications and certificates are stored as lossless snapshots
(``node.domain.snapshot``) beside the columns that are queried; the row's
``version`` is SQLAlchemy's version counter, so an UPDATE only succeeds while
the row still has the version read here (optimistic locking).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import FlushError, StaleDataError

from node.documents.canonical import keccak256
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
from node.domain.workflow import Application, WorkflowEvent
from node.store.checks import require_aware, require_bytes32, require_page, require_text
from node.store.errors import (
    AlreadyExistsError,
    ConcurrentUpdateError,
    DocumentDigestMismatchError,
    NotFoundError,
)
from node.store.models import (
    NAME,
    AnchorJobRow,
    ApplicationRow,
    CertificateRow,
    DocumentRow,
)
from node.store.outbox import anchor_job_record
from node.store.ports import (
    AbstractApplicationRepository,
    AbstractCertificateRepository,
    AbstractDocumentRepository,
    AbstractEventLog,
)
from node.store.records import (
    AnchorJob,
    AnchorJobStatus,
    CertificateRecord,
    NewDocument,
    StoredDocument,
)


def workflow_log_details(event: WorkflowEvent) -> dict[str, object]:
    """What the event log records of a workflow event besides actor, action, subject and time."""
    plain = event.to_dict()
    return {key: plain[key] for key in ("sequence", "from_state", "to_state", "details")}


def certificate_log_details(action: CertificateAction) -> dict[str, object]:
    """What the event log records of a certificate action besides actor, kind and time."""
    plain = action.to_dict()
    return {key: value for key, value in plain.items() if key not in ("actor", "at", "kind")}


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
        require_text(applicant_id, "applicant_id", NAME)
        now = require_aware(self._clock.now(), "clock")
        snapshot = application_to_snapshot(application)
        number = application.registration_number
        row = ApplicationRow(
            id=application.id,
            applicant_id=applicant_id,
            state=application.state.value,
            content=application.content.to_dict(),
            snapshot=snapshot,
            registration_number=None if number is None else str(number),
            created_at=now,
            updated_at=now,
        )
        if self._session.get(ApplicationRow, application.id) is not None:
            raise AlreadyExistsError("application", application.id)
        self._session.add(row)
        try:
            self._session.flush()
        except (IntegrityError, FlushError) as exc:
            raise AlreadyExistsError("application", application.id) from exc
        self._rows[application.id] = row
        self._log(application, application.events)

    def get(self, application_id: str) -> Application:
        return application_from_snapshot(self._row(application_id).snapshot)

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
        found = []
        for row in rows:
            self._rows.setdefault(row.id, row)
            found.append(application_from_snapshot(row.snapshot))
        return found

    def save(self, application: Application, *, expected_version: int | None = None) -> int:
        row = self._row(application.id)
        if expected_version is not None and row.version != expected_version:
            raise ConcurrentUpdateError("application", application.id, expected_version)
        logged = len(row.snapshot["events"])
        if len(application.events) < logged:
            raise ConcurrentUpdateError("application", application.id, expected_version)
        number = application.registration_number
        row.state = application.state.value
        row.content = application.content.to_dict()
        row.snapshot = application_to_snapshot(application)
        row.registration_number = None if number is None else str(number)
        row.updated_at = require_aware(self._clock.now(), "clock")
        try:
            self._session.flush()
        except StaleDataError as exc:
            raise ConcurrentUpdateError("application", application.id, expected_version) from exc
        except IntegrityError as exc:
            raise AlreadyExistsError("registration_number", row.registration_number) from exc
        self._log(application, application.events[logged:])
        return row.version

    def _row(self, application_id: str) -> ApplicationRow:
        row = self._rows.get(application_id) or self._session.get(ApplicationRow, application_id)
        if row is None:
            raise NotFoundError("application", application_id)
        self._rows[application_id] = row
        return row

    def _log(self, application: Application, events: tuple[WorkflowEvent, ...]) -> None:
        for event in events:
            self._events.append(
                event.actor,
                f"application.{event.action.value}",
                application.id,
                workflow_log_details(event),
                at=event.at,
            )


class DocumentRepository(AbstractDocumentRepository):
    """Documents in ``documents``, each with its row in the ``anchor_jobs`` outbox."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def add_with_anchor_job(
        self, document: NewDocument, deadline: datetime
    ) -> tuple[StoredDocument, AnchorJob]:
        digest = require_bytes32(document.digest, "digest")
        if keccak256(document.canonical) != digest:
            raise DocumentDigestMismatchError(
                f"digest 0x{digest.hex()} is not the keccak-256 of the canonical bytes"
            )
        deadline = require_aware(deadline, "deadline")
        now = require_aware(self._clock.now(), "clock")
        document_id = document.id or uuid4().hex
        self._refuse_duplicate(document_id, digest)
        if document.previous_digest is not None:
            previous = require_bytes32(document.previous_digest, "previous_digest")
            if not self._session.scalar(select(exists().where(DocumentRow.digest == previous))):
                raise NotFoundError("previous_document", f"0x{previous.hex()}")
        row = DocumentRow(
            id=document_id,
            kind=DocumentKind(document.kind).value,
            subject=require_text(document.subject, "subject", 64),
            schema_version=require_text(document.schema_version, "schema_version", 64),
            canonical=document.canonical,
            digest=digest,
            signature=document.signature,
            signer=document.signer,
            previous_digest=document.previous_digest,
            created_at=now,
        )
        self._session.add(row)
        self._flush_new("document", f"0x{digest.hex()}")
        job = AnchorJobRow(
            document_id=row.id,
            digest=digest,
            status=AnchorJobStatus.PENDING.value,
            created_at=now,
            deadline_at=deadline,
        )
        self._session.add(job)
        self._flush_new("anchor_job", row.id)
        return document_record(row), anchor_job_record(job)

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
        rows = self._session.scalars(
            select(DocumentRow)
            .where(DocumentRow.subject == subject)
            .order_by(DocumentRow.created_at, DocumentRow.id)
        )
        return [document_record(row) for row in rows]

    def _refuse_duplicate(self, document_id: str, digest: bytes) -> None:
        if self._session.get(DocumentRow, document_id) is not None:
            raise AlreadyExistsError("document", document_id)
        if self._session.scalar(select(exists().where(DocumentRow.digest == digest))):
            raise AlreadyExistsError("document", f"0x{digest.hex()}")

    def _flush_new(self, entity: str, key: str) -> None:
        try:
            self._session.flush()
        except (IntegrityError, FlushError) as exc:
            raise AlreadyExistsError(entity, key) from exc


def document_record(row: DocumentRow) -> StoredDocument:
    """The stored document of a row."""
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
        number = str(certificate.registration_number)
        require_bytes32(asset_key, "asset_key")
        require_bytes32(document_digest, "document_digest")
        if self._session.get(CertificateRow, number) is not None:
            raise AlreadyExistsError("certificate", number)
        if not self._session.scalar(select(exists().where(DocumentRow.digest == document_digest))):
            raise NotFoundError("document", f"0x{document_digest.hex()}")
        if application_id is not None and self._session.get(ApplicationRow, application_id) is None:
            raise NotFoundError("application", application_id)
        row = CertificateRow(
            registration_number=number,
            application_id=application_id,
            asset_key=asset_key,
            certificate_id=certificate_id_of(number),
            document_digest=document_digest,
            **self._columns(certificate),
        )
        self._session.add(row)
        try:
            self._session.flush()
        except (IntegrityError, FlushError) as exc:
            raise AlreadyExistsError("certificate", number) from exc
        self._rows[number] = row
        self._log(certificate, certificate.actions)
        return certificate_record(row)

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
        self._log(certificate, certificate.actions[logged:])
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

    def find_by_asset_key(self, asset_key: bytes) -> list[CertificateRecord]:
        rows = self._session.scalars(
            select(CertificateRow)
            .where(CertificateRow.asset_key == asset_key)
            .order_by(CertificateRow.registration_number)
        )
        return [certificate_record(row) for row in rows]

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

    def _log(self, certificate: Certificate, actions: tuple[CertificateAction, ...]) -> None:
        for action in actions:
            self._events.append(
                action.actor,
                f"certificate.{action.kind.value}",
                str(certificate.registration_number),
                certificate_log_details(action),
                at=action.at,
            )


def certificate_record(row: CertificateRow) -> CertificateRecord:
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
