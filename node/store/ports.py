"""The interfaces services program against: repositories and the unit of work.

``node.store.unit_of_work.SqlUnitOfWork`` implements them on SQLAlchemy,
``node.store.fakes.FakeUnitOfWork`` in memory for fast service tests. Both
give the same guarantees: nothing is visible to another unit of work before
``commit()``, and leaving the ``with`` block without committing (or with an
exception) discards everything.

Application and certificate repositories also append every new workflow
event or certificate action to the event log when they add or save the
entity, in the same transaction, so the audit log cannot miss an action.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Self

from node.domain.certificate import Certificate, CertificateStatus
from node.domain.frozen_json import JsonValue
from node.domain.identifiers import RegistrationNumber
from node.domain.pledge import Pledge, PledgeStatus
from node.domain.registration_facts import RegistrationFacts
from node.domain.statistics import Period, RegistryTallies
from node.domain.workflow import Application, ApplicationState
from node.store.checks import require_bytes32
from node.store.errors import InvalidTransitionError, InvalidValueError
from node.store.keyring import Keyring
from node.store.records import (
    AnchorBatch,
    AnchorBatchStatus,
    AnchorJob,
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


class AbstractApplicationRepository(ABC):
    """Registration applications, stored as snapshots with an optimistic-lock version."""

    @abstractmethod
    def add(self, application: Application, *, applicant_id: str) -> None:
        """Store a new application of ``applicant_id``; AlreadyExistsError when the id is taken."""

    @abstractmethod
    def add_many(self, applications: Sequence[Application], *, applicant_id: str) -> None:
        """``add`` for many applications at once (an import); AlreadyExistsError for the first
        id taken or given twice, and then none is stored."""

    @abstractmethod
    def get(self, application_id: str) -> Application:
        """The stored application; NotFoundError (``application_not_found``) when absent."""

    @abstractmethod
    def get_many(self, application_ids: Sequence[str]) -> list[Application]:
        """The stored applications in the order asked, read at once; an id asked twice gives
        the same object twice. NotFoundError for the first id that is absent."""

    @abstractmethod
    def version(self, application_id: str) -> int:
        """The version this unit of work read (or wrote) for the application."""

    @abstractmethod
    def applicant_of(self, application_id: str) -> str:
        """Who applied; NotFoundError when absent."""

    @abstractmethod
    def list_by_applicant(
        self, applicant_id: str, *, limit: int = 50, offset: int = 0
    ) -> list[Application]:
        """The applicant's applications, oldest first (ties by id), one page."""

    @abstractmethod
    def list_by_state(
        self,
        states: Collection[ApplicationState] | None = None,
        *,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Application]:
        """Applications in any of ``states`` (every one for None), oldest first (ties by id),
        one page: the operators' queues, the notice board, the regulator's view."""

    @abstractmethod
    def save(self, application: Application, *, expected_version: int | None = None) -> int:
        """Store the application's new state and return its new version.

        The check is against ``expected_version`` when given (a version a
        client read earlier), else against the version this unit of work read;
        ConcurrentUpdateError when the stored version is another.
        """

    @abstractmethod
    def save_many(self, applications: Sequence[Application]) -> list[int]:
        """``save`` for many applications read in this unit of work, written at once; their
        new versions in order. ConcurrentUpdateError when any was saved by someone else."""


class AbstractDocumentRepository(ABC):
    """Canonical documents; each is stored with its anchoring job (the outbox rule)."""

    @abstractmethod
    def add_with_anchor_job(
        self, document: NewDocument, deadline: datetime
    ) -> tuple[StoredDocument, AnchorJob]:
        """Store ``document`` and a pending anchor job due by ``deadline``, in one transaction.

        DocumentDigestMismatchError when the digest is not keccak-256 of the
        canonical bytes; AlreadyExistsError when the digest is stored already.
        """

    @abstractmethod
    def add_many_with_anchor_jobs(
        self, documents: Sequence[NewDocument], deadline: datetime
    ) -> list[tuple[StoredDocument, AnchorJob]]:
        """``add_with_anchor_job`` for many documents, written at once, in order.

        The same refusals, for the first offending document (a digest or id given twice
        included), and then none is stored; a ``previous_digest`` may name a document
        stored already or one earlier in ``documents``.
        """

    @abstractmethod
    def get(self, document_id: str) -> StoredDocument:
        """The document with this id; NotFoundError (``document_not_found``) when absent."""

    @abstractmethod
    def get_by_digest(self, digest: bytes) -> StoredDocument:
        """The document with this digest; NotFoundError when absent."""

    @abstractmethod
    def list_by_subject(self, subject: str) -> list[StoredDocument]:
        """Every document about ``subject`` (an application or certificate), oldest first."""

    @abstractmethod
    def list_by_subjects(self, subjects: Sequence[str]) -> dict[str, list[StoredDocument]]:
        """``list_by_subject`` of each subject (an empty list for none), read at once."""


@dataclass(frozen=True)
class NewCertificate:
    """A newly issued certificate as ``add_many`` stores it, with the keys ``add`` takes."""

    certificate: Certificate
    application_id: str | None
    asset_key: bytes
    document_digest: bytes


class AbstractCertificateRepository(ABC):
    """Issued certificates, stored as snapshots beside their chain keys."""

    @abstractmethod
    def add(
        self,
        certificate: Certificate,
        *,
        application_id: str | None,
        asset_key: bytes,
        document_digest: bytes,
    ) -> CertificateRecord:
        """Store a newly issued certificate whose document is stored already."""

    @abstractmethod
    def add_many(self, certificates: Sequence[NewCertificate]) -> list[CertificateRecord]:
        """``add`` for many certificates, written at once, in order; the same refusals for the
        first offending one (a number given twice included), and then none is stored."""

    @abstractmethod
    def get(self, registration_number: RegistrationNumber | str) -> Certificate:
        """The certificate; NotFoundError (``certificate_not_found``) when absent."""

    @abstractmethod
    def record(self, registration_number: RegistrationNumber | str) -> CertificateRecord:
        """The stored facts beside the certificate (chain keys, digest, version)."""

    @abstractmethod
    def save(self, certificate: Certificate, *, expected_version: int | None = None) -> int:
        """Store the certificate's new status, licences and actions; return the new version."""

    @abstractmethod
    def list_by_holder(
        self, credit_code: str, *, limit: int = 50, offset: int = 0
    ) -> list[CertificateRecord]:
        """Certificates held by ``credit_code``, by registration number, one page."""

    @abstractmethod
    def list_all(
        self, *, status: CertificateStatus | None = None, limit: int = 50, offset: int = 0
    ) -> list[CertificateRecord]:
        """Certificates (in ``status`` when given), by registration number, one page."""

    @abstractmethod
    def find_by_asset_key(self, asset_key: bytes) -> list[CertificateRecord]:
        """Every certificate registered for the asset key, by registration number."""

    @abstractmethod
    def find_by_asset_keys(self, asset_keys: Sequence[bytes]) -> list[CertificateRecord]:
        """Every certificate registered for any of the asset keys, by registration number,
        read at once."""

    @abstractmethod
    def taken_numbers(self, registration_numbers: Sequence[str]) -> set[str]:
        """Those of ``registration_numbers`` that a stored certificate has, read at once."""

    @abstractmethod
    def last_serial(self, region_code: str, year: int) -> int:
        """The highest serial of the centre's registration numbers of ``year``, 0 for none.

        The number is part of the primary key, so two issuers that take the same
        next serial collide on commit rather than both succeeding.
        """


class AbstractRegistrationFactsRepository(ABC):
    """The statistics facts of every registration, and the counts the yearbook is made of."""

    @abstractmethod
    def add_many(self, facts: Sequence[RegistrationFacts]) -> None:
        """Store the facts of registrations whose certificates are stored (in this unit of
        work or before); AlreadyExistsError for a number that has facts, NotFoundError for a
        number without a certificate, and then none is stored."""

    @abstractmethod
    def get(self, registration_number: str) -> RegistrationFacts:
        """The facts of a registration; NotFoundError (``registration_facts_not_found``)."""

    @abstractmethod
    def tallies(self, period: Period) -> RegistryTallies:
        """Counts over the registrations of ``period``, taken from one snapshot of the store."""


@dataclass(frozen=True)
class NewEvent:
    """An entry for ``append_many``: what ``append`` takes."""

    actor: str
    action: str
    subject: str
    details: Mapping[str, object]
    at: datetime | None = None


class AbstractEventLog(ABC):
    """The append-only, hash-chained log of every action taken by the node."""

    @abstractmethod
    def append(
        self,
        actor: str,
        action: str,
        subject: str,
        details: Mapping[str, object],
        *,
        at: datetime | None = None,
    ) -> EventEntry:
        """Append an entry (``at`` defaults to now) and return it with its hash."""

    @abstractmethod
    def append_many(self, entries: Sequence[NewEvent]) -> list[EventEntry]:
        """``append`` for many entries, chained in order and written at once; a refused entry
        (the first) leaves none appended."""

    @abstractmethod
    def head(self) -> EventEntry | None:
        """The newest entry, None for an empty log."""

    @abstractmethod
    def entries(self, *, after: int = 0, limit: int = 100) -> list[EventEntry]:
        """Entries with ``seq > after``, oldest first."""

    @abstractmethod
    def verify(self) -> int | None:
        """The first seq where the chain is broken (altered, missing, re-linked), or None."""

    @abstractmethod
    def record_head_anchor(self, entry: EventEntry, document_id: str, job_id: int) -> HeadAnchor:
        """Record that ``entry`` (the head) was queued for anchoring as ``document_id``."""

    @abstractmethod
    def last_head_anchor(self) -> HeadAnchor | None:
        """The most recent head anchor record."""


class AbstractAnchorQueue(ABC):
    """The anchoring side of the outbox, as the anchoring worker uses it."""

    @abstractmethod
    def pending(self, limit: int = 1000) -> list[AnchorJob]:
        """Pending jobs, earliest deadline first."""

    @abstractmethod
    def job_for_document(self, document_id: str) -> AnchorJob:
        """The job of a document; NotFoundError (``anchor_job_not_found``) when absent."""

    @abstractmethod
    def jobs_in_batch(self, batch_id: int) -> list[AnchorJob]:
        """The jobs of a batch by leaf index."""

    @abstractmethod
    def create_batch(self, root: bytes, sender: str, leaves: Sequence[BatchLeaf]) -> AnchorBatch:
        """A prepared batch with ``root`` over the given pending jobs, now batched."""

    @abstractmethod
    def get_batch(self, batch_id: int) -> AnchorBatch:
        """The batch; NotFoundError (``anchor_batch_not_found``) when absent."""

    @abstractmethod
    def batches(self, status: AnchorBatchStatus) -> list[AnchorBatch]:
        """Batches in ``status``, oldest first."""

    @abstractmethod
    def mark_sent(self, batch_id: int, *, raw_tx: bytes, tx_hash: bytes, nonce: int) -> AnchorBatch:
        """Save the signed transaction of a prepared batch before it is broadcast."""

    @abstractmethod
    def mark_confirmed(self, batch_id: int, *, block_number: int, block_hash: bytes) -> AnchorBatch:
        """The batch's transaction has enough confirmations; its jobs are confirmed."""

    @abstractmethod
    def mark_unconfirmed(self, batch_id: int) -> AnchorBatch:
        """A reorg removed a confirmed batch's block: back to sent, jobs back to batched."""

    @abstractmethod
    def mark_unsent(self, batch_id: int) -> AnchorBatch:
        """The saved transaction of a sent batch can never anchor it (its nonce went to other
        bytes, or it reverted): back to prepared with the transaction cleared, jobs and proofs
        kept, so that the same root is signed again."""

    @abstractmethod
    def confirmed_since(self, block_number: int) -> list[AnchorBatch]:
        """Confirmed batches in blocks from ``block_number`` on, by block then id (the ones a
        reorg may still remove)."""

    @abstractmethod
    def fail_batch(self, batch_id: int) -> AnchorBatch:
        """Give a batch up: it becomes failed and its jobs go back to pending."""


class AbstractChainActionQueue(ABC):
    """The outbox of chain writes other than anchors."""

    @abstractmethod
    def enqueue(self, kind: str, payload: Mapping[str, object]) -> ChainAction:
        """A new pending action."""

    @abstractmethod
    def get(self, action_id: int) -> ChainAction:
        """The action; NotFoundError (``chain_action_not_found``) when absent."""

    @abstractmethod
    def with_status(self, status: ChainActionStatus, limit: int = 1000) -> list[ChainAction]:
        """Actions in ``status``, oldest first."""

    @abstractmethod
    def confirmed_since(self, block_number: int) -> list[ChainAction]:
        """Confirmed actions in blocks from ``block_number`` on, by block then id."""

    @abstractmethod
    def _move(self, action_id: int, target: ChainActionStatus, **values: object) -> ChainAction:
        """Move the action to ``target`` with ``values`` set; InvalidTransitionError unless
        ``CHAIN_ACTION_TRANSITIONS`` allows it. The status moves below share it."""

    def mark_sent(
        self, action_id: int, *, raw_tx: bytes, tx_hash: bytes, nonce: int
    ) -> ChainAction:
        """Save the signed transaction of a pending action before it is broadcast."""
        if not raw_tx:
            raise InvalidValueError("raw_tx must not be empty")
        return self._move(
            action_id,
            ChainActionStatus.SENT,
            raw_tx=raw_tx,
            tx_hash=require_bytes32(tx_hash, "tx_hash"),
            nonce=nonce,
        )

    def mark_confirmed(
        self, action_id: int, *, block_number: int, block_hash: bytes
    ) -> ChainAction:
        """The action's transaction has enough confirmations."""
        return self._move(
            action_id,
            ChainActionStatus.CONFIRMED,
            block_number=block_number,
            block_hash=require_bytes32(block_hash, "block_hash"),
        )

    def mark_unconfirmed(self, action_id: int) -> ChainAction:
        """A reorg removed a confirmed action's block: back to sent with its transaction."""
        status = self.get(action_id).status
        if status is not ChainActionStatus.CONFIRMED:
            raise InvalidTransitionError("chain_action", action_id, status.value, "sent")
        return self._move(action_id, ChainActionStatus.SENT, block_number=None, block_hash=None)

    def mark_failed(self, action_id: int, error: str) -> ChainAction:
        """The chain refused the action for good; ``error`` is the refusal's code."""
        return self._move(action_id, ChainActionStatus.FAILED, error=error)

    def reset(self, action_id: int) -> ChainAction:
        """Back to pending with the transaction cleared (dropped transaction or reorg)."""
        return self._move(
            action_id,
            ChainActionStatus.PENDING,
            raw_tx=None,
            tx_hash=None,
            nonce=None,
            block_number=None,
            block_hash=None,
            error=None,
        )


class AbstractAttachmentStore(ABC):
    """Confidential attachments, encrypted at rest with AES-GCM."""

    @abstractmethod
    def put(
        self,
        application_id: str,
        name: str,
        media_type: str,
        content: bytes,
        *,
        attachment_id: str | None = None,
    ) -> AttachmentInfo:
        """Encrypt and store ``content`` under the keyring's current key."""

    @abstractmethod
    def get(self, attachment_id: str) -> Attachment:
        """Decrypt and check; AttachmentIntegrityError on a wrong key or tampering."""

    @abstractmethod
    def list_for(self, application_id: str) -> list[AttachmentInfo]:
        """Metadata of an application's attachments, oldest first."""

    @abstractmethod
    def rotate(self, keyring: Keyring) -> int:
        """Re-encrypt every attachment under ``keyring``'s current key; return how many.

        Old keys are looked up in the store's keyring and then in ``keyring``;
        afterwards the store uses ``keyring``.
        """


class AbstractIdempotencyStore(ABC):
    """Responses remembered per principal and Idempotency-Key."""

    @abstractmethod
    def find(self, principal: str, key: str, request_digest: bytes) -> IdempotentResponse | None:
        """The stored response, None when the key is new; IdempotencyKeyReusedError when the
        key was used for a request with another digest."""

    @abstractmethod
    def put(
        self,
        principal: str,
        key: str,
        request_digest: bytes,
        status_code: int,
        response: JsonValue,
    ) -> IdempotentResponse:
        """Remember a response; AlreadyExistsError (``idempotency_key_exists``) when the key
        is taken."""

    @abstractmethod
    def purge(self, older_than: datetime) -> int:
        """Forget responses created before ``older_than``; return how many."""


class AbstractApiKeyRepository(ABC):
    """API keys by their public id."""

    @abstractmethod
    def add(self, key: ApiKey) -> None:
        """Store a new key; AlreadyExistsError (``api_key_exists``) when the id is taken."""

    @abstractmethod
    def get(self, key_id: str) -> ApiKey:
        """The key; NotFoundError (``api_key_not_found``) when absent."""

    @abstractmethod
    def save(self, key: ApiKey) -> None:
        """Store a key's new expiry, revocation or successor; NotFoundError when absent."""

    @abstractmethod
    def list(self, *, limit: int = 50, offset: int = 0) -> list[ApiKey]:
        """Keys, oldest first (ties by id), one page."""


class AbstractCentreSettingsRepository(ABC):
    """The centre's settings set through the admin API: one record, or none yet."""

    @abstractmethod
    def get(self) -> CentreSettings | None:
        """The stored settings; None when the admin never set any."""

    @abstractmethod
    def put(self, settings: CentreSettings) -> None:
        """Replace the stored settings."""


@dataclass(frozen=True)
class PledgeFilter:
    """Which pledges a listing holds; every criterion given must match."""

    pledgee: str | None = None
    """The pledgee's credit or institution code."""
    pledgor: str | None = None
    """The pledgor's (holder's) credit code."""
    registration_number: str | None = None
    statuses: frozenset[PledgeStatus] | None = None


ALL_PLEDGES = PledgeFilter()


class AbstractPledgeRepository(ABC):
    """Pledges of certificates, stored as snapshots beside the columns that are queried.

    Adding or saving a pledge appends its new steps to the event log, as the
    certificate repository does with certificate actions.
    """

    @abstractmethod
    def add(self, pledge: Pledge) -> None:
        """Store a new pledge; AlreadyExistsError (``pledge_exists``) when the id is taken,
        NotFoundError when its certificate is not stored."""

    @abstractmethod
    def get(self, pledge_id: str) -> Pledge:
        """The pledge; NotFoundError (``pledge_not_found``) when absent."""

    @abstractmethod
    def stored(self, pledge_id: str) -> StoredPledge:
        """The pledge with what is stored beside it; NotFoundError when absent."""

    @abstractmethod
    def save(
        self,
        pledge: Pledge,
        *,
        record_digest: bytes | None = None,
        chain_action_id: int | None = None,
    ) -> int:
        """Store the pledge's new state (and the record digest or chain action when given) and
        return its new version; ConcurrentUpdateError when someone saved it since it was read
        here, or another pledge of the certificate took its priority."""

    @abstractmethod
    def find(
        self, where: PledgeFilter = ALL_PLEDGES, *, limit: int = 50, offset: int = 0
    ) -> list[StoredPledge]:
        """Pledges matching ``where``, by registration number, then priority (unconfirmed last),
        then request time and id; one page."""

    @abstractmethod
    def totals(self, where: PledgeFilter = ALL_PLEDGES) -> list[PledgeTotal]:
        """Count and principal of the pledges matching ``where``, by status and currency."""

    @abstractmethod
    def last_priority(self, registration_number: str) -> int:
        """The highest priority given on the certificate, 0 for none."""

    @abstractmethod
    def due_to_expire(self, today: date, *, limit: int = 100) -> list[Pledge]:
        """Active pledges whose term ended before ``today``, earliest end first."""

    @abstractmethod
    def by_chain_ids(self, chain_pledge_ids: Sequence[bytes]) -> dict[bytes, StoredPledge]:
        """The stored pledges of these on-chain ids (unknown ids are left out), read at once."""


class AbstractPeerNonceStore(ABC):
    """Nonces of signed requests from peer centres, remembered while their time window lasts."""

    @abstractmethod
    def record(self, signer: str, nonce: bytes, expires_at: datetime) -> None:
        """Remember a request's nonce; AlreadyExistsError (``peer_nonce_exists``) when the
        signer used it before (a replay)."""

    @abstractmethod
    def purge(self, expired_before: datetime) -> int:
        """Forget nonces whose window ended before ``expired_before``; return how many."""


class AbstractUnitOfWork(ABC):
    """One transaction over every repository; a context manager that rolls back by default."""

    applications: AbstractApplicationRepository
    documents: AbstractDocumentRepository
    certificates: AbstractCertificateRepository
    registration_facts: AbstractRegistrationFactsRepository
    events: AbstractEventLog
    anchors: AbstractAnchorQueue
    chain_actions: AbstractChainActionQueue
    idempotency: AbstractIdempotencyStore
    api_keys: AbstractApiKeyRepository
    peer_nonces: AbstractPeerNonceStore
    centre_settings: AbstractCentreSettingsRepository
    pledges: AbstractPledgeRepository

    @property
    @abstractmethod
    def attachments(self) -> AbstractAttachmentStore:
        """The attachment store; KeyringMissingError without a keyring."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()

    @abstractmethod
    def commit(self) -> None:
        """Make everything done so far durable and visible."""

    @abstractmethod
    def rollback(self) -> None:
        """Discard everything not committed."""
