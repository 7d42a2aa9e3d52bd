"""颁证: issuing certificates once the public notice is over, one or many at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from node.chain.action_payloads import MAX_CERTIFICATES_PER_ACTION
from node.documents.builders import certificate_document
from node.documents.canonical import parse_digest
from node.documents.kinds import DocumentKind
from node.documents.schemas import CertificateDocument
from node.domain.calendar import local_date
from node.domain.certificate import Certificate, CertificateStatus
from node.domain.errors import InvalidFieldError
from node.domain.registration_facts import facts_of_certificate
from node.domain.workflow import Application
from node.errors import NodeError
from node.services.context import NodeContext
from node.services.errors import AssetAlreadyRegisteredError
from node.services.outbox import claim_asset_keys
from node.services.recording import record_documents
from node.services.standing import require_standing
from node.store.errors import AlreadyExistsError
from node.store.ports import AbstractUnitOfWork, NewCertificate
from node.store.records import StoredDocument

SERIAL_ATTEMPTS = 5
"""Two issuers may take the same next serial; the loser retries with a fresh one."""


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate just issued and its signed document (queued for anchoring)."""

    certificate: Certificate
    document: StoredDocument
    asset_key: bytes


@dataclass(frozen=True)
class _Draft:
    """A certificate of a chunk, issued in memory with its unsigned document, not stored yet."""

    application: Application
    certificate: Certificate
    document: CertificateDocument

    @cached_property
    def asset_key(self) -> bytes:
        """The asset key the document states: the one claimed on chain."""
        return parse_digest(self.document.asset_key)


class IssuanceService:
    """Issues certificates: one transaction per certificate, or per chunk of them."""

    def __init__(self, context: NodeContext) -> None:
        self._context = context

    def issue(self, issuer: str, application_id: str) -> IssuedCertificate:
        """Issue the certificate of ``application_id`` under the next registration number.

        The certificate, its signed document, its anchoring job, its statistics facts,
        the application's new state and the asset-key claim for the chain are written
        together.
        Refused with CentreNotActiveError while the chain would refuse this
        centre's writes (suspended, removed, key rotated away, paused).
        """
        require_standing(self._context)
        [issued] = self._issue_chunk(issuer, [application_id])
        return issued

    def issue_many(
        self,
        issuer: str,
        application_ids: Sequence[str],
        *,
        chunk: int = MAX_CERTIFICATES_PER_ACTION,
    ) -> list[IssuedCertificate]:
        """Issue the certificates of ``application_ids``, in order, ``chunk`` per transaction.

        Each chunk is written as ``issue`` writes one certificate, with consecutive
        serials and one asset-key claim for the chain, and is all or nothing: a
        refusal raises the error ``issue`` would raise (an asset key held twice in
        the chunk included), with a note naming the application; earlier chunks stay
        issued.
        """
        if not 1 <= chunk <= MAX_CERTIFICATES_PER_ACTION:
            raise InvalidFieldError(
                "chunk", "out_of_range", f"must be from 1 to {MAX_CERTIFICATES_PER_ACTION}"
            )
        if application_ids:
            require_standing(self._context)
        issued: list[IssuedCertificate] = []
        for start in range(0, len(application_ids), chunk):
            issued += self._issue_chunk(issuer, application_ids[start : start + chunk])
        return issued

    def _issue_chunk(self, issuer: str, application_ids: Sequence[str]) -> list[IssuedCertificate]:
        for attempt in range(SERIAL_ATTEMPTS):
            try:
                return self._issue_once(issuer, application_ids)
            except AlreadyExistsError as error:
                if error.entity != "certificate" or attempt == SERIAL_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _issue_once(self, issuer: str, application_ids: Sequence[str]) -> list[IssuedCertificate]:
        context = self._context
        now = context.clock.now()
        year = local_date(now).year
        with context.unit_of_work() as uow:
            applications = uow.applications.get_many(application_ids)
            first = uow.certificates.last_serial(context.centre.region_code.value, year) + 1
            certificates = [
                self._certificate(application, issuer, now, first + offset)
                for offset, application in enumerate(applications)
            ]
            drafts = self._drafts(uow, applications, certificates, now)
            self._refuse_registered_assets(uow, drafts)
            stored = record_documents(uow, context, [draft.document for draft in drafts])
            uow.certificates.add_many(
                [
                    NewCertificate(
                        draft.certificate, draft.application.id, draft.asset_key, doc.digest
                    )
                    for draft, doc in zip(drafts, stored, strict=True)
                ]
            )
            uow.registration_facts.add_many([facts_of_certificate(c) for c in certificates])
            uow.applications.save_many(applications)
            claim_asset_keys(
                uow,
                [(str(draft.certificate.registration_number), draft.asset_key) for draft in drafts],
            )
            uow.commit()
        return [
            IssuedCertificate(draft.certificate, doc, draft.asset_key)
            for draft, doc in zip(drafts, stored, strict=True)
        ]

    def _certificate(
        self, application: Application, issuer: str, now: datetime, serial: int
    ) -> Certificate:
        centre = self._context.centre
        issued_on = local_date(now)
        number = centre.registration_number(issued_on.year, serial)
        with _about(application):
            application.issue(issuer, at=now, registration_number=number)
        return Certificate.issue(
            number, application.content, issued_on=issued_on, validity_years=centre.validity_years
        )

    def _drafts(
        self,
        uow: AbstractUnitOfWork,
        applications: Sequence[Application],
        certificates: Sequence[Certificate],
        now: datetime,
    ) -> list[_Draft]:
        """Each certificate with its document, linked to its case's report and notice."""
        centre = self._context.centre_ref
        cases = uow.documents.list_by_subjects([application.id for application in applications])
        return [
            _Draft(
                application,
                certificate,
                certificate_document(
                    certificate,
                    centre=centre,
                    created_at=now,
                    application_id=application.id,
                    compliance_report_digest=_latest(
                        cases[application.id], DocumentKind.COMPLIANCE_REPORT
                    ),
                    notice_digest=_latest(cases[application.id], DocumentKind.NOTICE),
                ),
            )
            for application, certificate in zip(applications, certificates, strict=True)
        ]

    def _refuse_registered_assets(self, uow: AbstractUnitOfWork, drafts: Sequence[_Draft]) -> None:
        """One active certificate per asset: in the chunk, here, then across the consortium."""
        first_of: dict[bytes, Application] = {}
        for draft in drafts:
            earlier = first_of.setdefault(draft.asset_key, draft.application)
            if earlier is not draft.application:
                with _about(draft.application):
                    raise AssetAlreadyRegisteredError(f"application {earlier.id} of the same issue")
        keys = list(first_of)
        active = {
            record.asset_key: record.registration_number
            for record in uow.certificates.find_by_asset_keys(keys)
            if record.status is CertificateStatus.ACTIVE
        }
        for draft in drafts:
            if draft.asset_key in active:
                with _about(draft.application):
                    raise AssetAlreadyRegisteredError(f"certificate {active[draft.asset_key]}")
        index = self._context.asset_index
        if index is None:
            return
        held = index.holder_centres(keys)
        if not held:
            return
        own = index.own_centre_id()
        for draft in drafts:
            holder = held.get(draft.asset_key)
            if holder is not None and holder != own:
                with _about(draft.application):
                    raise AssetAlreadyRegisteredError(str(index.holder_of(draft.asset_key)))


@contextmanager
def _about(application: Application) -> Iterator[None]:
    """Name the application in a refusal raised inside the block (a chunk issues many)."""
    try:
        yield
    except NodeError as error:
        error.add_note(f"issuing application {application.id}")
        raise


def _latest(documents: Sequence[StoredDocument], kind: DocumentKind) -> bytes | None:
    found = [document.digest for document in documents if document.kind is kind]
    return found[-1] if found else None
