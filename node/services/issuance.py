"""颁证: issuing the certificate once the public notice is over."""

from __future__ import annotations

from dataclasses import dataclass

from node.documents.builders import certificate_document
from node.documents.ids import asset_key_of
from node.documents.kinds import DocumentKind
from node.domain.calendar import local_date
from node.domain.certificate import Certificate, CertificateStatus
from node.domain.workflow import Application
from node.services.context import NodeContext
from node.services.errors import AssetAlreadyRegisteredError
from node.services.outbox import claim_asset_keys
from node.services.recording import record_document
from node.store.errors import AlreadyExistsError
from node.store.ports import AbstractUnitOfWork
from node.store.records import StoredDocument

SERIAL_ATTEMPTS = 5
"""Two issuers may take the same next serial; the loser retries with a fresh one."""


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate just issued and its signed document (queued for anchoring)."""

    certificate: Certificate
    document: StoredDocument
    asset_key: bytes


class IssuanceService:
    """Issues certificates; one transaction per certificate."""

    def __init__(self, context: NodeContext) -> None:
        self._context = context

    def issue(self, issuer: str, application_id: str) -> IssuedCertificate:
        """Issue the certificate of ``application_id`` under the next registration number.

        The certificate, its signed document, its anchoring job, the application's
        new state and the asset-key claim for the chain are written together.
        """
        for attempt in range(SERIAL_ATTEMPTS):
            try:
                return self._issue_once(issuer, application_id)
            except AlreadyExistsError as error:
                if error.entity != "certificate" or attempt == SERIAL_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _issue_once(self, issuer: str, application_id: str) -> IssuedCertificate:
        context = self._context
        now = context.clock.now()
        today = local_date(now)
        with context.unit_of_work() as uow:
            application = uow.applications.get(application_id)
            region = context.centre.region_code.value
            number = context.centre.registration_number(
                today.year, uow.certificates.last_serial(region, today.year) + 1
            )
            application.issue(issuer, at=now, registration_number=number)
            certificate = Certificate.issue(
                number,
                application.content,
                issued_on=today,
                validity_years=context.centre.validity_years,
            )
            asset_key = asset_key_of(
                certificate.holder.credit_code.value, certificate.asset.fingerprint_material()
            )
            self._refuse_registered_asset(uow, asset_key)
            stored = record_document(
                uow,
                context,
                certificate_document(
                    certificate,
                    centre=context.centre_ref,
                    created_at=now,
                    application_id=application.id,
                    compliance_report_digest=_latest(
                        uow, application, DocumentKind.COMPLIANCE_REPORT
                    ),
                    notice_digest=_latest(uow, application, DocumentKind.NOTICE),
                ),
            )
            uow.certificates.add(
                certificate,
                application_id=application.id,
                asset_key=asset_key,
                document_digest=stored.digest,
            )
            uow.applications.save(application)
            claim_asset_keys(uow, [(str(number), asset_key)])
            uow.commit()
        return IssuedCertificate(certificate, stored, asset_key)

    def _refuse_registered_asset(self, uow: AbstractUnitOfWork, asset_key: bytes) -> None:
        """One active certificate per asset: here first, then across the consortium."""
        for record in uow.certificates.find_by_asset_key(asset_key):
            if record.status is CertificateStatus.ACTIVE:
                raise AssetAlreadyRegisteredError(f"certificate {record.registration_number}")
        index = self._context.asset_index
        if index is None:
            return
        holder = index.holder_centre(asset_key)
        if holder is not None and holder != index.own_centre_id():
            raise AssetAlreadyRegisteredError(f"centre {holder}")


def _latest(uow: AbstractUnitOfWork, application: Application, kind: DocumentKind) -> bytes | None:
    found = [d for d in uow.documents.list_by_subject(application.id) if d.kind is kind]
    return found[-1].digest if found else None
