"""In-memory repositories and unit of work with the interface of the SQL ones, for service tests.

The fakes keep what the SQL store keeps (snapshots, records) in plain Python
structures, so a unit of work works on a deep copy and ``commit()`` publishes
it: without a commit, or after an exception, nothing is kept. A commit over a
database another unit of work committed to in the meantime raises
ConcurrentUpdateError, as a lost optimistic lock would.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Self, TypeVar
from uuid import uuid4

from node.documents.ids import certificate_id_of
from node.domain.calendar import Clock, SystemClock
from node.domain.certificate import Certificate, CertificateStatus
from node.domain.frozen_json import JsonValue
from node.domain.identifiers import RegistrationNumber
from node.domain.pledge import Pledge, PledgeStatus
from node.domain.pledge_snapshot import pledge_from_snapshot
from node.domain.registration_facts import RegistrationFacts, Subject
from node.domain.snapshot import (
    Snapshot,
    application_from_snapshot,
    application_to_snapshot,
    certificate_from_snapshot,
    certificate_to_snapshot,
)
from node.domain.statistics import ListedCompanyTally, Period, RegistryTallies
from node.domain.workflow import Application, ApplicationState
from node.store.api_keys import checked_key
from node.store.centre_settings import checked_settings
from node.store.checks import (
    checked_digest,
    require_aware,
    require_bytes32,
    require_page,
    require_text,
    stored_document,
)
from node.store.digests import ZERO_HASH
from node.store.errors import (
    AlreadyExistsError,
    ConcurrentUpdateError,
    IdempotencyKeyReusedError,
    InvalidTransitionError,
    InvalidValueError,
    KeyringMissingError,
    NotFoundError,
    UnitOfWorkClosedError,
)
from node.store.idempotency import check_status_code
from node.store.keyring import Keyring, Sealed, associated_data, open_sealed, seal, sha256
from node.store.log_chain import entry_hash, first_break, plain_details
from node.store.models import NAME
from node.store.outbox import check_leaves, check_sender, proof_to_json
from node.store.peer_nonces import nonce_key
from node.store.pledges import pledge_columns, pledge_log_entries
from node.store.ports import (
    ALL_PLEDGES,
    AbstractAnchorQueue,
    AbstractApiKeyRepository,
    AbstractApplicationRepository,
    AbstractAttachmentStore,
    AbstractCentreSettingsRepository,
    AbstractCertificateRepository,
    AbstractChainActionQueue,
    AbstractDocumentRepository,
    AbstractEventLog,
    AbstractIdempotencyStore,
    AbstractPeerNonceStore,
    AbstractPledgeRepository,
    AbstractRegistrationFactsRepository,
    AbstractUnitOfWork,
    NewCertificate,
    NewEvent,
    PledgeFilter,
)
from node.store.records import (
    BATCH_TRANSITIONS,
    CHAIN_ACTION_TRANSITIONS,
    AnchorBatch,
    AnchorBatchStatus,
    AnchorJob,
    AnchorJobStatus,
    ApiKey,
    Attachment,
    AttachmentInfo,
    BatchLeaf,
    CentreSettings,
    CertificateRecord,
    ChainAction,
    ChainActionStatus,
    EventEntry,
    HeadAnchor,
    IdempotentResponse,
    NewDocument,
    PledgeTotal,
    StoredDocument,
    StoredPledge,
)
from node.store.repositories import certificate_log_details, superseded_by, workflow_log_details

_T = TypeVar("_T")


def all_or_nothing(db: FakeDatabase, write: Callable[[], _T]) -> _T:
    """``write()``, with ``db`` put back as it was when it raises: a refused bulk write leaves
    nothing behind, as a failed SQL statement does."""
    before = copy.deepcopy(db)
    try:
        return write()
    except BaseException:
        for name in vars(before):
            setattr(db, name, getattr(before, name))
        raise


@dataclass
class StoredApplication:
    """What the fake keeps of an application."""

    applicant_id: str
    snapshot: Snapshot
    version: int
    created_at: datetime
    registration_number: str | None


@dataclass
class StoredCertificate:
    """What the fake keeps of a certificate."""

    record: CertificateRecord
    snapshot: Snapshot


@dataclass
class FakeStoredPledge:
    """What the fake keeps of a pledge: its row's columns and links."""

    columns: dict[str, Any]
    version: int
    record_digest: bytes | None = None
    chain_action_id: int | None = None


@dataclass
class FakeDatabase:
    """Everything the fakes store; share one between unit of work instances."""

    applications: dict[str, StoredApplication] = field(default_factory=dict)
    documents: dict[str, StoredDocument] = field(default_factory=dict)
    anchor_jobs: dict[int, AnchorJob] = field(default_factory=dict)
    anchor_batches: dict[int, AnchorBatch] = field(default_factory=dict)
    chain_actions: dict[int, ChainAction] = field(default_factory=dict)
    certificates: dict[str, StoredCertificate] = field(default_factory=dict)
    registration_facts: dict[str, RegistrationFacts] = field(default_factory=dict)
    events: list[EventEntry] = field(default_factory=list)
    head_anchors: list[HeadAnchor] = field(default_factory=list)
    attachments: dict[str, tuple[AttachmentInfo, Sealed]] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotentResponse] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    peer_nonces: dict[tuple[str, bytes], datetime] = field(default_factory=dict)
    centre_settings: CentreSettings | None = None
    pledges: dict[str, FakeStoredPledge] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)
    generation: int = 0
    """Bumped by every commit."""

    def next_id(self, table: str) -> int:
        """The next integer id of ``table``, from 1."""
        self.sequences[table] = self.sequences.get(table, 0) + 1
        return self.sequences[table]


class FakeApplicationRepository(AbstractApplicationRepository):
    """Applications in a FakeDatabase."""

    def __init__(
        self, db: FakeDatabase, committed: FakeDatabase, events: AbstractEventLog, clock: Clock
    ) -> None:
        self._db = db
        self._committed = committed
        self._events = events
        self._clock = clock

    def add(self, application: Application, *, applicant_id: str) -> None:
        require_text(applicant_id, "applicant_id", NAME)
        if application.id in self._db.applications:
            raise AlreadyExistsError("application", application.id)
        number = application.registration_number
        self._db.applications[application.id] = StoredApplication(
            applicant_id=applicant_id,
            snapshot=application_to_snapshot(application),
            version=1,
            created_at=require_aware(self._clock.now(), "clock"),
            registration_number=None if number is None else str(number),
        )
        self._log(application, 0)

    def add_many(self, applications: Sequence[Application], *, applicant_id: str) -> None:
        def add_each() -> None:
            for application in applications:
                self.add(application, applicant_id=applicant_id)

        all_or_nothing(self._db, add_each)

    def get(self, application_id: str) -> Application:
        return application_from_snapshot(self._stored(application_id).snapshot)

    def get_many(self, application_ids: Sequence[str]) -> list[Application]:
        loaded = {application_id: self.get(application_id) for application_id in application_ids}
        return [loaded[application_id] for application_id in application_ids]

    def version(self, application_id: str) -> int:
        return self._stored(application_id).version

    def applicant_of(self, application_id: str) -> str:
        return self._stored(application_id).applicant_id

    def list_by_applicant(
        self, applicant_id: str, *, limit: int = 50, offset: int = 0
    ) -> list[Application]:
        require_page(limit, offset)
        mine = sorted(
            (stored.created_at, application_id)
            for application_id, stored in self._db.applications.items()
            if stored.applicant_id == applicant_id
        )
        return [self.get(application_id) for _, application_id in mine[offset : offset + limit]]

    def list_by_state(
        self,
        states: Collection[ApplicationState] | None = None,
        *,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Application]:
        require_page(limit, offset)
        wanted = None if states is None else {state.value for state in states}
        found = sorted(
            (stored.created_at, application_id)
            for application_id, stored in self._db.applications.items()
            if wanted is None or stored.snapshot["state"] in wanted
        )
        return [self.get(application_id) for _, application_id in found[offset : offset + limit]]

    def save(self, application: Application, *, expected_version: int | None = None) -> int:
        stored = self._stored(application.id)
        committed = self._committed.applications.get(application.id)
        if (expected_version is not None and stored.version != expected_version) or (
            committed is not None and committed.version > stored.version
        ):
            raise ConcurrentUpdateError("application", application.id, expected_version)
        events = stored.snapshot["events"]
        logged = len(events) if isinstance(events, list) else 0
        if len(application.events) < logged:
            raise ConcurrentUpdateError("application", application.id, expected_version)
        number = (
            None
            if application.registration_number is None
            else str(application.registration_number)
        )
        if number is not None and any(
            other.registration_number == number and other_id != application.id
            for other_id, other in self._db.applications.items()
        ):
            raise AlreadyExistsError("registration_number", number)
        stored.snapshot = application_to_snapshot(application)
        stored.registration_number = number
        stored.version += 1
        self._log(application, logged)
        return stored.version

    def save_many(self, applications: Sequence[Application]) -> list[int]:
        distinct = {application.id: application for application in applications}
        versions = all_or_nothing(
            self._db, lambda: {key: self.save(value) for key, value in distinct.items()}
        )
        return [versions[application.id] for application in applications]

    def _stored(self, application_id: str) -> StoredApplication:
        try:
            return self._db.applications[application_id]
        except KeyError:
            raise NotFoundError("application", application_id) from None

    def _log(self, application: Application, logged: int) -> None:
        for event in application.events[logged:]:
            self._events.append(
                event.actor,
                f"application.{event.action.value}",
                application.id,
                workflow_log_details(event),
                at=event.at,
            )


class FakeDocumentRepository(AbstractDocumentRepository):
    """Documents and their anchor jobs in a FakeDatabase."""

    def __init__(self, db: FakeDatabase, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def add_with_anchor_job(
        self, document: NewDocument, deadline: datetime
    ) -> tuple[StoredDocument, AnchorJob]:
        digest = checked_digest(document)
        deadline = require_aware(deadline, "deadline")
        now = require_aware(self._clock.now(), "clock")
        document_id = document.id or uuid4().hex
        if document_id in self._db.documents:
            raise AlreadyExistsError("document", document_id)
        if any(stored.digest == digest for stored in self._db.documents.values()):
            raise AlreadyExistsError("document", f"0x{digest.hex()}")
        previous = document.previous_digest
        if previous is not None and not any(
            stored.digest == previous for stored in self._db.documents.values()
        ):
            raise NotFoundError("previous_document", f"0x{previous.hex()}")
        stored = stored_document(document, document_id, now)
        job = AnchorJob(
            id=self._db.next_id("anchor_jobs"),
            document_id=document_id,
            digest=digest,
            status=AnchorJobStatus.PENDING,
            batch_id=None,
            leaf_index=None,
            proof=None,
            created_at=now,
            deadline_at=deadline,
        )
        self._db.documents[document_id] = stored
        self._db.anchor_jobs[job.id] = job
        return stored, job

    def add_many_with_anchor_jobs(
        self, documents: Sequence[NewDocument], deadline: datetime
    ) -> list[tuple[StoredDocument, AnchorJob]]:
        return all_or_nothing(
            self._db, lambda: [self.add_with_anchor_job(d, deadline) for d in documents]
        )

    def get(self, document_id: str) -> StoredDocument:
        try:
            return self._db.documents[document_id]
        except KeyError:
            raise NotFoundError("document", document_id) from None

    def get_by_digest(self, digest: bytes) -> StoredDocument:
        for stored in self._db.documents.values():
            if stored.digest == digest:
                return stored
        raise NotFoundError("document", f"0x{digest.hex()}")

    def list_by_subject(self, subject: str) -> list[StoredDocument]:
        found = [stored for stored in self._db.documents.values() if stored.subject == subject]
        return sorted(found, key=lambda stored: (stored.created_at, stored.id))

    def list_by_subjects(self, subjects: Sequence[str]) -> dict[str, list[StoredDocument]]:
        return {subject: self.list_by_subject(subject) for subject in subjects}


class FakeCertificateRepository(AbstractCertificateRepository):
    """Certificates in a FakeDatabase."""

    def __init__(self, db: FakeDatabase, committed: FakeDatabase, events: AbstractEventLog) -> None:
        self._db = db
        self._committed = committed
        self._events = events

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
        if number in self._db.certificates:
            raise AlreadyExistsError("certificate", number)
        if not any(stored.digest == document_digest for stored in self._db.documents.values()):
            raise NotFoundError("document", f"0x{document_digest.hex()}")
        if application_id is not None and application_id not in self._db.applications:
            raise NotFoundError("application", application_id)
        record = CertificateRecord(
            registration_number=number,
            application_id=application_id,
            holder_credit_code=certificate.holder.credit_code.value,
            status=certificate.status,
            asset_key=asset_key,
            certificate_id=certificate_id_of(number),
            document_digest=document_digest,
            issued_on=certificate.issued_on,
            valid_until=certificate.valid_until,
            superseded_by=superseded_by(certificate),
            version=1,
        )
        self._db.certificates[number] = StoredCertificate(
            record, certificate_to_snapshot(certificate)
        )
        self._log(certificate, 0)
        return record

    def add_many(self, certificates: Sequence[NewCertificate]) -> list[CertificateRecord]:
        return all_or_nothing(
            self._db,
            lambda: [
                self.add(
                    new.certificate,
                    application_id=new.application_id,
                    asset_key=new.asset_key,
                    document_digest=new.document_digest,
                )
                for new in certificates
            ],
        )

    def get(self, registration_number: RegistrationNumber | str) -> Certificate:
        return certificate_from_snapshot(self._stored(registration_number).snapshot)

    def record(self, registration_number: RegistrationNumber | str) -> CertificateRecord:
        return self._stored(registration_number).record

    def save(self, certificate: Certificate, *, expected_version: int | None = None) -> int:
        number = str(certificate.registration_number)
        stored = self._stored(number)
        committed = self._committed.certificates.get(number)
        version = stored.record.version
        if (expected_version is not None and version != expected_version) or (
            committed is not None and committed.record.version > version
        ):
            raise ConcurrentUpdateError("certificate", number, expected_version)
        actions = stored.snapshot["actions"]
        logged = len(actions) if isinstance(actions, list) else 0
        if len(certificate.actions) < logged:
            raise ConcurrentUpdateError("certificate", number, expected_version)
        snapshot = certificate_to_snapshot(certificate)
        if snapshot != stored.snapshot:
            version += 1
        stored.snapshot = snapshot
        stored.record = replace(
            stored.record,
            holder_credit_code=certificate.holder.credit_code.value,
            status=certificate.status,
            issued_on=certificate.issued_on,
            valid_until=certificate.valid_until,
            superseded_by=superseded_by(certificate),
            version=version,
        )
        self._log(certificate, logged)
        return version

    def list_by_holder(
        self, credit_code: str, *, limit: int = 50, offset: int = 0
    ) -> list[CertificateRecord]:
        require_page(limit, offset)
        found = sorted(
            (s.record for s in self._db.certificates.values()),
            key=lambda record: record.registration_number,
        )
        held = [record for record in found if record.holder_credit_code == credit_code]
        return held[offset : offset + limit]

    def list_all(
        self, *, status: CertificateStatus | None = None, limit: int = 50, offset: int = 0
    ) -> list[CertificateRecord]:
        require_page(limit, offset)
        found = sorted(
            (s.record for s in self._db.certificates.values()),
            key=lambda record: record.registration_number,
        )
        chosen = [record for record in found if status is None or record.status is status]
        return chosen[offset : offset + limit]

    def find_by_asset_key(self, asset_key: bytes) -> list[CertificateRecord]:
        found = [
            s.record for s in self._db.certificates.values() if s.record.asset_key == asset_key
        ]
        return sorted(found, key=lambda record: record.registration_number)

    def find_by_asset_keys(self, asset_keys: Sequence[bytes]) -> list[CertificateRecord]:
        wanted = set(asset_keys)
        found = [s.record for s in self._db.certificates.values() if s.record.asset_key in wanted]
        return sorted(found, key=lambda record: record.registration_number)

    def taken_numbers(self, registration_numbers: Sequence[str]) -> set[str]:
        return {number for number in registration_numbers if number in self._db.certificates}

    def last_serial(self, region_code: str, year: int) -> int:
        prefix = f"{region_code}-{year:04d}-"
        serials = [
            int(number[len(prefix) : len(prefix) + 6])
            for number in self._db.certificates
            if number.startswith(prefix)
        ]
        return max(serials, default=0)

    def _stored(self, registration_number: RegistrationNumber | str) -> StoredCertificate:
        try:
            return self._db.certificates[str(registration_number)]
        except KeyError:
            raise NotFoundError("certificate", str(registration_number)) from None

    def _log(self, certificate: Certificate, logged: int) -> None:
        for action in certificate.actions[logged:]:
            self._events.append(
                action.actor,
                f"certificate.{action.kind.value}",
                str(certificate.registration_number),
                certificate_log_details(action),
                at=action.at,
            )


class FakeRegistrationFactsRepository(AbstractRegistrationFactsRepository):
    """Registration facts in a FakeDatabase; the counts taken in Python."""

    def __init__(self, db: FakeDatabase) -> None:
        self._db = db

    def add_many(self, facts: Sequence[RegistrationFacts]) -> None:
        def add() -> None:
            for item in facts:
                number = item.registration_number
                if number in self._db.registration_facts:
                    raise AlreadyExistsError("registration_facts", number)
                if number not in self._db.certificates:
                    raise NotFoundError("certificate", number)
                self._db.registration_facts[number] = item

        all_or_nothing(self._db, add)

    def get(self, registration_number: str) -> RegistrationFacts:
        try:
            return self._db.registration_facts[registration_number]
        except KeyError:
            raise NotFoundError("registration_facts", registration_number) from None

    def tallies(self, period: Period) -> RegistryTallies:
        chosen = [
            facts
            for facts in self._db.registration_facts.values()
            if period.contains(facts.registered_on)
        ]
        first, after = period.moments()
        registered = {"active", "released", "expired"}
        pledged = [
            stored.columns
            for stored in self._db.pledges.values()
            if stored.columns["status"] in registered
            and stored.columns["currency"] == "CNY"
            and (first is None or stored.columns["requested_at"] >= first)
            and stored.columns["requested_at"] < after
        ]
        companies: dict[str, list[RegistrationFacts]] = {}
        for facts in chosen:
            if facts.listing is not None and facts.listing.securities_code is not None:
                companies.setdefault(facts.listing.securities_code.value, []).append(facts)
        return RegistryTallies(
            registrations=len(chosen),
            registrants=len({facts.credit_code for facts in chosen}),
            by_ownership_listing=Counter(
                (facts.ownership, None if facts.listing is None else facts.listing.listed)
                for facts in chosen
            ),
            by_province=Counter(facts.province_code for facts in chosen),
            by_section=Counter(facts.industry_section for facts in chosen),
            by_data_type=Counter(facts.data_type for facts in chosen),
            by_month=Counter(
                (facts.registered_on.year, facts.registered_on.month) for facts in chosen
            ),
            listed_companies=tuple(
                ListedCompanyTally(
                    securities_code=code,
                    board=registrations[0].listing.board,  # type: ignore[union-attr,arg-type]
                    registrations=len(registrations),
                    amounts={
                        subject: sum(
                            (facts.amounts.get(subject, Decimal(0)) for facts in registrations),
                            Decimal(0),
                        )
                        for subject in Subject
                    },
                )
                for code, registrations in sorted(companies.items())
            ),
            first_registered_on=min((facts.registered_on for facts in chosen), default=None),
            pledges=len(pledged),
            pledged=sum((Decimal(p["principal_minor"]).scaleb(-2) for p in pledged), Decimal(0)),
        )


class FakeEventLog(AbstractEventLog):
    """The event log in a FakeDatabase."""

    def __init__(self, db: FakeDatabase, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def append(
        self,
        actor: str,
        action: str,
        subject: str,
        details: Mapping[str, object],
        *,
        at: datetime | None = None,
    ) -> EventEntry:
        moment = require_aware(self._clock.now() if at is None else at, "at")
        try:
            plain = plain_details(details)
        except TypeError as exc:
            raise InvalidValueError(f"event details must be JSON-like: {exc}") from exc
        head = self.head()
        seq, prev_hash = (1, ZERO_HASH) if head is None else (head.seq + 1, head.hash)
        entry = EventEntry(
            seq=seq,
            at=moment,
            actor=require_text(actor, "actor", NAME),
            action=require_text(action, "action", 64),
            subject=require_text(subject, "subject", 64),
            details=plain,
            prev_hash=prev_hash,
            hash=entry_hash(prev_hash, seq, moment, actor, action, subject, plain),
        )
        self._db.events.append(entry)
        return entry

    def append_many(self, entries: Sequence[NewEvent]) -> list[EventEntry]:
        return all_or_nothing(
            self._db,
            lambda: [
                self.append(e.actor, e.action, e.subject, e.details, at=e.at) for e in entries
            ],
        )

    def head(self) -> EventEntry | None:
        return self._db.events[-1] if self._db.events else None

    def entries(self, *, after: int = 0, limit: int = 100) -> list[EventEntry]:
        return [entry for entry in self._db.events if entry.seq > after][:limit]

    def verify(self) -> int | None:
        anchored = {anchor.seq: anchor.hash for anchor in self._db.head_anchors}
        return first_break(sorted(self._db.events, key=lambda entry: entry.seq), anchored)

    def record_head_anchor(self, entry: EventEntry, document_id: str, job_id: int) -> HeadAnchor:
        if any(anchor.seq == entry.seq for anchor in self._db.head_anchors):
            raise AlreadyExistsError("head_anchor", entry.seq)
        anchor = HeadAnchor(
            id=self._db.next_id("head_anchors"),
            seq=entry.seq,
            hash=entry.hash,
            document_id=document_id,
            anchor_job_id=job_id,
            created_at=require_aware(self._clock.now(), "clock"),
        )
        self._db.head_anchors.append(anchor)
        return anchor

    def last_head_anchor(self) -> HeadAnchor | None:
        anchors = sorted(self._db.head_anchors, key=lambda anchor: anchor.seq)
        return anchors[-1] if anchors else None


class FakeAnchorQueue(AbstractAnchorQueue):
    """Anchor jobs and batches in a FakeDatabase."""

    def __init__(self, db: FakeDatabase, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def pending(self, limit: int = 1000) -> list[AnchorJob]:
        jobs = [
            job for job in self._db.anchor_jobs.values() if job.status is AnchorJobStatus.PENDING
        ]
        return sorted(jobs, key=lambda job: (job.deadline_at, job.id))[:limit]

    def job_for_document(self, document_id: str) -> AnchorJob:
        for job in self._db.anchor_jobs.values():
            if job.document_id == document_id:
                return job
        raise NotFoundError("anchor_job", document_id)

    def jobs_in_batch(self, batch_id: int) -> list[AnchorJob]:
        jobs = [job for job in self._db.anchor_jobs.values() if job.batch_id == batch_id]
        return sorted(jobs, key=lambda job: job.leaf_index or 0)

    def create_batch(self, root: bytes, sender: str, leaves: Sequence[BatchLeaf]) -> AnchorBatch:
        check_leaves(leaves)
        for leaf in leaves:
            job = self._db.anchor_jobs.get(leaf.job_id)
            if job is None:
                raise NotFoundError("anchor_job", leaf.job_id)
            if job.status is not AnchorJobStatus.PENDING:
                raise InvalidTransitionError("anchor_job", job.id, job.status.value, "batched")
        root = require_bytes32(root, "root")
        if any(batch.root == root for batch in self._db.anchor_batches.values()):
            raise AlreadyExistsError("anchor_batch", f"0x{root.hex()}")
        batch = AnchorBatch(
            id=self._db.next_id("anchor_batches"),
            root=root,
            leaf_count=len(leaves),
            status=AnchorBatchStatus.PREPARED,
            sender=check_sender(sender),
            raw_tx=None,
            tx_hash=None,
            nonce=None,
            block_number=None,
            block_hash=None,
            created_at=require_aware(self._clock.now(), "clock"),
            sent_at=None,
            confirmed_at=None,
        )
        self._db.anchor_batches[batch.id] = batch
        for leaf in leaves:
            proof_to_json(leaf.proof)
            self._db.anchor_jobs[leaf.job_id] = replace(
                self._db.anchor_jobs[leaf.job_id],
                status=AnchorJobStatus.BATCHED,
                batch_id=batch.id,
                leaf_index=leaf.leaf_index,
                proof=tuple(leaf.proof),
            )
        return batch

    def get_batch(self, batch_id: int) -> AnchorBatch:
        try:
            return self._db.anchor_batches[batch_id]
        except KeyError:
            raise NotFoundError("anchor_batch", batch_id) from None

    def batches(self, status: AnchorBatchStatus) -> list[AnchorBatch]:
        return sorted(
            (batch for batch in self._db.anchor_batches.values() if batch.status is status),
            key=lambda batch: batch.id,
        )

    def mark_sent(self, batch_id: int, *, raw_tx: bytes, tx_hash: bytes, nonce: int) -> AnchorBatch:
        if not raw_tx:
            raise InvalidValueError("raw_tx must not be empty")
        return self._move(
            batch_id,
            AnchorBatchStatus.SENT,
            raw_tx=raw_tx,
            tx_hash=require_bytes32(tx_hash, "tx_hash"),
            nonce=nonce,
            sent_at=require_aware(self._clock.now(), "clock"),
        )

    def mark_confirmed(self, batch_id: int, *, block_number: int, block_hash: bytes) -> AnchorBatch:
        batch = self._move(
            batch_id,
            AnchorBatchStatus.CONFIRMED,
            block_number=block_number,
            block_hash=require_bytes32(block_hash, "block_hash"),
            confirmed_at=require_aware(self._clock.now(), "clock"),
        )
        self._set_jobs(batch_id, status=AnchorJobStatus.CONFIRMED)
        return batch

    def mark_unconfirmed(self, batch_id: int) -> AnchorBatch:
        current = self.get_batch(batch_id)
        if current.status is not AnchorBatchStatus.CONFIRMED:
            raise InvalidTransitionError("anchor_batch", batch_id, current.status.value, "sent")
        batch = self._move(
            batch_id,
            AnchorBatchStatus.SENT,
            block_number=None,
            block_hash=None,
            confirmed_at=None,
        )
        self._set_jobs(batch_id, status=AnchorJobStatus.BATCHED)
        return batch

    def mark_unsent(self, batch_id: int) -> AnchorBatch:
        return self._move(
            batch_id,
            AnchorBatchStatus.PREPARED,
            raw_tx=None,
            tx_hash=None,
            nonce=None,
            sent_at=None,
        )

    def confirmed_since(self, block_number: int) -> list[AnchorBatch]:
        found = [
            batch
            for batch in self._db.anchor_batches.values()
            if batch.status is AnchorBatchStatus.CONFIRMED
            and batch.block_number is not None
            and batch.block_number >= block_number
        ]
        return sorted(found, key=lambda batch: (batch.block_number, batch.id))

    def fail_batch(self, batch_id: int) -> AnchorBatch:
        batch = self._move(batch_id, AnchorBatchStatus.FAILED)
        self._set_jobs(
            batch_id, status=AnchorJobStatus.PENDING, batch_id=None, leaf_index=None, proof=None
        )
        return batch

    def _move(self, batch_id: int, target: AnchorBatchStatus, **values: object) -> AnchorBatch:
        batch = self.get_batch(batch_id)
        if (batch.status, target) not in BATCH_TRANSITIONS:
            raise InvalidTransitionError("anchor_batch", batch_id, batch.status.value, target.value)
        moved = replace(batch, status=target, **values)  # type: ignore[arg-type]
        self._db.anchor_batches[batch_id] = moved
        return moved

    def _set_jobs(self, batch: int, /, **values: object) -> None:
        for job in self.jobs_in_batch(batch):
            self._db.anchor_jobs[job.id] = replace(job, **values)  # type: ignore[arg-type]


class FakeChainActionQueue(AbstractChainActionQueue):
    """Chain actions in a FakeDatabase."""

    def __init__(self, db: FakeDatabase, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def enqueue(self, kind: str, payload: Mapping[str, object]) -> ChainAction:
        if not kind or len(kind) > 64:
            raise InvalidValueError("kind must have 1 to 64 characters")
        action = ChainAction(
            id=self._db.next_id("chain_actions"),
            kind=kind,
            payload=plain_details(payload),
            status=ChainActionStatus.PENDING,
            raw_tx=None,
            tx_hash=None,
            nonce=None,
            block_number=None,
            block_hash=None,
            error=None,
            created_at=require_aware(self._clock.now(), "clock"),
        )
        self._db.chain_actions[action.id] = action
        return action

    def get(self, action_id: int) -> ChainAction:
        try:
            return self._db.chain_actions[action_id]
        except KeyError:
            raise NotFoundError("chain_action", action_id) from None

    def with_status(self, status: ChainActionStatus, limit: int = 1000) -> list[ChainAction]:
        found = [action for action in self._db.chain_actions.values() if action.status is status]
        return sorted(found, key=lambda action: action.id)[:limit]

    def confirmed_since(self, block_number: int) -> list[ChainAction]:
        found = [
            action
            for action in self._db.chain_actions.values()
            if action.status is ChainActionStatus.CONFIRMED
            and action.block_number is not None
            and action.block_number >= block_number
        ]
        return sorted(found, key=lambda action: (action.block_number, action.id))

    def _move(self, action_id: int, target: ChainActionStatus, **values: object) -> ChainAction:
        action = self.get(action_id)
        if (action.status, target) not in CHAIN_ACTION_TRANSITIONS:
            raise InvalidTransitionError(
                "chain_action", action_id, action.status.value, target.value
            )
        moved = replace(action, status=target, **values)  # type: ignore[arg-type]
        self._db.chain_actions[action_id] = moved
        return moved


class FakeAttachmentStore(AbstractAttachmentStore):
    """Attachments in a FakeDatabase, sealed exactly as the SQL store seals them."""

    def __init__(self, db: FakeDatabase, keyring: Keyring, clock: Clock) -> None:
        self._db = db
        self._keyring = keyring
        self._readable: tuple[Keyring, ...] = (keyring,)
        self._clock = clock

    def put(
        self,
        application_id: str,
        name: str,
        media_type: str,
        content: bytes,
        *,
        attachment_id: str | None = None,
    ) -> AttachmentInfo:
        attachment_id = require_text(attachment_id or uuid4().hex, "attachment_id", 64)
        if application_id not in self._db.applications:
            raise NotFoundError("application", application_id)
        if attachment_id in self._db.attachments:
            raise AlreadyExistsError("attachment", attachment_id)
        sealed = seal(self._keyring, content, associated_data(attachment_id, application_id))
        info = AttachmentInfo(
            id=attachment_id,
            application_id=application_id,
            name=require_text(name, "name", 255),
            media_type=require_text(media_type, "media_type", 127),
            size=len(content),
            sha256=sha256(content),
            key_id=sealed.key_id,
            created_at=require_aware(self._clock.now(), "clock"),
        )
        self._db.attachments[attachment_id] = (info, sealed)
        return info

    def get(self, attachment_id: str) -> Attachment:
        try:
            info, sealed = self._db.attachments[attachment_id]
        except KeyError:
            raise NotFoundError("attachment", attachment_id) from None
        aad = associated_data(info.id, info.application_id)
        return Attachment(info, open_sealed(self._readable, sealed, aad, info.sha256))

    def list_for(self, application_id: str) -> list[AttachmentInfo]:
        found = [
            info
            for info, _ in self._db.attachments.values()
            if info.application_id == application_id
        ]
        return sorted(found, key=lambda info: (info.created_at, info.id))

    def rotate(self, keyring: Keyring) -> int:
        rotated: dict[str, tuple[AttachmentInfo, Sealed]] = {}
        for attachment_id, (info, sealed) in sorted(self._db.attachments.items()):
            aad = associated_data(info.id, info.application_id)
            content = open_sealed((*self._readable, keyring), sealed, aad, info.sha256)
            resealed = seal(keyring, content, aad)
            rotated[attachment_id] = (replace(info, key_id=resealed.key_id), resealed)
        self._db.attachments.update(rotated)
        self._keyring = keyring
        self._readable = (keyring, *self._readable)
        return len(rotated)


class FakeIdempotencyStore(AbstractIdempotencyStore):
    """Idempotency keys in a FakeDatabase."""

    def __init__(self, db: FakeDatabase, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def find(self, principal: str, key: str, request_digest: bytes) -> IdempotentResponse | None:
        stored = self._db.idempotency.get((principal, key))
        if stored is None:
            return None
        if stored.request_digest != request_digest:
            raise IdempotencyKeyReusedError(principal, key)
        return stored

    def put(
        self,
        principal: str,
        key: str,
        request_digest: bytes,
        status_code: int,
        response: JsonValue,
    ) -> IdempotentResponse:
        require_text(principal, "principal", NAME)
        require_text(key, "key", 255)
        if (principal, key) in self._db.idempotency:
            raise AlreadyExistsError("idempotency_key", key)
        stored = IdempotentResponse(
            principal=principal,
            key=key,
            request_digest=require_bytes32(request_digest, "request_digest"),
            status_code=check_status_code(status_code),
            response=copy.deepcopy(response),
            created_at=require_aware(self._clock.now(), "clock"),
        )
        self._db.idempotency[(principal, key)] = stored
        return stored

    def purge(self, older_than: datetime) -> int:
        cutoff = require_aware(older_than, "older_than")
        old = [k for k, stored in self._db.idempotency.items() if stored.created_at < cutoff]
        for stale in old:
            del self._db.idempotency[stale]
        return len(old)


class FakeApiKeyRepository(AbstractApiKeyRepository):
    """API keys in a FakeDatabase."""

    def __init__(self, db: FakeDatabase) -> None:
        self._db = db

    def add(self, key: ApiKey) -> None:
        if checked_key(key).key_id in self._db.api_keys:
            raise AlreadyExistsError("api_key", key.key_id)
        self._db.api_keys[key.key_id] = key

    def get(self, key_id: str) -> ApiKey:
        try:
            return self._db.api_keys[key_id]
        except KeyError:
            raise NotFoundError("api_key", key_id) from None

    def save(self, key: ApiKey) -> None:
        stored = self.get(checked_key(key).key_id)
        self._db.api_keys[key.key_id] = replace(
            stored,
            expires_at=key.expires_at,
            revoked_at=key.revoked_at,
            replaced_by=key.replaced_by,
        )

    def list(self, *, limit: int = 50, offset: int = 0) -> list[ApiKey]:
        require_page(limit, offset)
        ordered = sorted(self._db.api_keys.values(), key=lambda key: (key.created_at, key.key_id))
        return ordered[offset : offset + limit]


class FakeCentreSettingsRepository(AbstractCentreSettingsRepository):
    """The centre's settings in a FakeDatabase."""

    def __init__(self, db: FakeDatabase) -> None:
        self._db = db

    def get(self) -> CentreSettings | None:
        return self._db.centre_settings

    def put(self, settings: CentreSettings) -> None:
        self._db.centre_settings = replace(
            checked_settings(settings),
            holidays=tuple(sorted(settings.holidays)),
            makeup_workdays=tuple(sorted(settings.makeup_workdays)),
        )


class FakePledgeRepository(AbstractPledgeRepository):
    """Pledges in a FakeDatabase."""

    def __init__(self, db: FakeDatabase, events: AbstractEventLog) -> None:
        self._db = db
        self._events = events

    def add(self, pledge: Pledge) -> None:
        number = str(pledge.terms.registration_number)
        if pledge.id in self._db.pledges:
            raise AlreadyExistsError("pledge", pledge.id)
        if number not in self._db.certificates:
            raise NotFoundError("certificate", number)
        columns = pledge_columns(pledge)
        if any(
            stored.columns["chain_pledge_id"] == columns["chain_pledge_id"]
            for stored in self._db.pledges.values()
        ):
            raise AlreadyExistsError("pledge", pledge.id)
        self._db.pledges[pledge.id] = FakeStoredPledge(copy.deepcopy(columns), 1)
        self._events.append_many(pledge_log_entries(pledge, pledge.steps))

    def get(self, pledge_id: str) -> Pledge:
        return pledge_from_snapshot(self._stored(pledge_id).columns["snapshot"])

    def stored(self, pledge_id: str) -> StoredPledge:
        return self._record(self._stored(pledge_id))

    def save(
        self,
        pledge: Pledge,
        *,
        record_digest: bytes | None = None,
        chain_action_id: int | None = None,
    ) -> int:
        stored = self._stored(pledge.id)
        logged = len(stored.columns["snapshot"]["steps"])
        if len(pledge.steps) < logged:
            raise ConcurrentUpdateError("pledge", pledge.id)
        columns = pledge_columns(pledge)
        priority = columns["priority"]
        if priority is not None and any(
            other.columns["registration_number"] == columns["registration_number"]
            and other.columns["priority"] == priority
            for key, other in self._db.pledges.items()
            if key != pledge.id
        ):
            raise ConcurrentUpdateError("pledge", pledge.id)
        stored.columns = copy.deepcopy(columns)
        stored.version += 1
        if record_digest is not None:
            stored.record_digest = require_bytes32(record_digest, "record_digest")
        if chain_action_id is not None:
            stored.chain_action_id = self._db_action(chain_action_id).id
        self._events.append_many(pledge_log_entries(pledge, pledge.steps[logged:]))
        return stored.version

    def find(
        self, where: PledgeFilter = ALL_PLEDGES, *, limit: int = 50, offset: int = 0
    ) -> list[StoredPledge]:
        require_page(limit, offset)
        found = sorted(
            (stored for stored in self._db.pledges.values() if _matches(stored, where)),
            key=lambda stored: (
                stored.columns["registration_number"],
                stored.columns["priority"] is None,
                stored.columns["priority"] or 0,
                stored.columns["requested_at"],
                stored.columns["snapshot"]["id"],
            ),
        )
        return [self._record(stored) for stored in found[offset : offset + limit]]

    def totals(self, where: PledgeFilter = ALL_PLEDGES) -> list[PledgeTotal]:
        sums: dict[tuple[str, str], tuple[int, int]] = {}
        for stored in self._db.pledges.values():
            if _matches(stored, where):
                key = (stored.columns["status"], stored.columns["currency"])
                count, total = sums.get(key, (0, 0))
                sums[key] = (count + 1, total + stored.columns["principal_minor"])
        return [
            PledgeTotal(PledgeStatus(status), currency, count, total)
            for (status, currency), (count, total) in sorted(sums.items())
        ]

    def last_priority(self, registration_number: str) -> int:
        return max(
            (
                stored.columns["priority"] or 0
                for stored in self._db.pledges.values()
                if stored.columns["registration_number"] == registration_number
            ),
            default=0,
        )

    def due_to_expire(self, today: date, *, limit: int = 100) -> list[Pledge]:
        require_page(limit, 0)
        due = sorted(
            (
                stored
                for stored in self._db.pledges.values()
                if stored.columns["status"] == PledgeStatus.ACTIVE.value
                and stored.columns["term_end"] < today
            ),
            key=lambda stored: (stored.columns["term_end"], stored.columns["snapshot"]["id"]),
        )
        return [pledge_from_snapshot(stored.columns["snapshot"]) for stored in due[:limit]]

    def by_chain_ids(self, chain_pledge_ids: Sequence[bytes]) -> dict[bytes, StoredPledge]:
        wanted = set(chain_pledge_ids)
        return {
            stored.columns["chain_pledge_id"]: self._record(stored)
            for stored in self._db.pledges.values()
            if stored.columns["chain_pledge_id"] in wanted
        }

    def _stored(self, pledge_id: str) -> FakeStoredPledge:
        try:
            return self._db.pledges[pledge_id]
        except KeyError:
            raise NotFoundError("pledge", pledge_id) from None

    def _db_action(self, action_id: int) -> ChainAction:
        try:
            return self._db.chain_actions[action_id]
        except KeyError:
            raise NotFoundError("chain_action", action_id) from None

    def _record(self, stored: FakeStoredPledge) -> StoredPledge:
        action = (
            None
            if stored.chain_action_id is None
            else self._db.chain_actions.get(stored.chain_action_id)
        )
        return StoredPledge(
            pledge=pledge_from_snapshot(stored.columns["snapshot"]),
            version=stored.version,
            record_digest=stored.record_digest,
            chain_action_id=stored.chain_action_id,
            chain_status=None if action is None else action.status,
            chain_error=None if action is None else action.error,
        )


def _matches(stored: FakeStoredPledge, where: PledgeFilter) -> bool:
    columns = stored.columns
    return (
        (where.pledgee is None or columns["pledgee_code"] == where.pledgee)
        and (where.pledgor is None or columns["pledgor_credit_code"] == where.pledgor)
        and (
            where.registration_number is None
            or columns["registration_number"] == where.registration_number
        )
        and (
            where.statuses is None
            or columns["status"] in {status.value for status in where.statuses}
        )
    )


class FakePeerNonceStore(AbstractPeerNonceStore):
    """Peer request nonces in a FakeDatabase."""

    def __init__(self, db: FakeDatabase) -> None:
        self._db = db

    def record(self, signer: str, nonce: bytes, expires_at: datetime) -> None:
        key = nonce_key(signer, nonce)
        if key in self._db.peer_nonces:
            raise AlreadyExistsError("peer_nonce", f"0x{nonce.hex()}")
        self._db.peer_nonces[key] = require_aware(expires_at, "expires_at")

    def purge(self, expired_before: datetime) -> int:
        cutoff = require_aware(expired_before, "expired_before")
        old = [key for key, expires in self._db.peer_nonces.items() if expires < cutoff]
        for stale in old:
            del self._db.peer_nonces[stale]
        return len(old)


class FakeUnitOfWork(AbstractUnitOfWork):
    """A unit of work over a FakeDatabase (a new empty one unless one is given)."""

    def __init__(
        self,
        database: FakeDatabase | None = None,
        *,
        clock: Clock | None = None,
        keyring: Keyring | None = None,
    ) -> None:
        self.database = database if database is not None else FakeDatabase()
        self.commits = 0
        """How many times ``commit()`` was called, for tests."""
        self._clock: Clock = clock or SystemClock()
        self._keyring = keyring
        self._working: FakeDatabase | None = None
        self._base_generation = 0
        self._attachments: FakeAttachmentStore | None = None

    @property
    def attachments(self) -> AbstractAttachmentStore:
        if self._working is None:
            raise UnitOfWorkClosedError("the unit of work is not open")
        if self._attachments is None:
            raise KeyringMissingError("this unit of work was opened without a keyring")
        return self._attachments

    def __enter__(self) -> Self:
        if self._working is not None:
            raise UnitOfWorkClosedError("the unit of work is open already")
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._working = None
        self._attachments = None

    def commit(self) -> None:
        working = self._open()
        if self.database.generation != self._base_generation:
            raise ConcurrentUpdateError("fake_database", "state")
        working.generation += 1
        published = copy.deepcopy(working)
        for name in vars(published):
            setattr(self.database, name, getattr(published, name))
        self._base_generation = working.generation
        self.commits += 1

    def rollback(self) -> None:
        self._open()
        self._begin()

    def _open(self) -> FakeDatabase:
        if self._working is None:
            raise UnitOfWorkClosedError("the unit of work is not open")
        return self._working

    def _begin(self) -> None:
        keyring = self._keyring
        working = copy.deepcopy(self.database)
        self._working = working
        self._base_generation = self.database.generation
        events = FakeEventLog(working, self._clock)
        self.events = events
        self.applications = FakeApplicationRepository(working, self.database, events, self._clock)
        self.documents = FakeDocumentRepository(working, self._clock)
        self.certificates = FakeCertificateRepository(working, self.database, events)
        self.registration_facts = FakeRegistrationFactsRepository(working)
        self.anchors = FakeAnchorQueue(working, self._clock)
        self.chain_actions = FakeChainActionQueue(working, self._clock)
        self.idempotency = FakeIdempotencyStore(working, self._clock)
        self.api_keys = FakeApiKeyRepository(working)
        self.peer_nonces = FakePeerNonceStore(working)
        self.centre_settings = FakeCentreSettingsRepository(working)
        self.pledges = FakePledgeRepository(working, events)
        self._attachments = (
            None if keyring is None else FakeAttachmentStore(working, keyring, self._clock)
        )
