"""After issue: change, transfer, licence, renewal, cancellation, revocation, expiry.

While a pledge (质押) is active, change, transfer, renewal and cancellation are
refused here, as the contract refuses them on chain; revocation is not, so that
the pledgee sees it.

Each action produces a signed decision document linked to the certificate's
previous document; a successor certificate (change, transfer, renewal) gets
its own certificate document linked to the decision. Status changes a
verifier must see without trusting this node are queued for the chain in the
same transaction: the successor's asset-key claim (which supersedes the
predecessor on chain when the key is the same) or an explicit status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from node.documents.builders import certificate_action_document, certificate_document
from node.documents.canonical import digest_hex
from node.documents.ids import asset_key_of
from node.domain.calendar import local_date
from node.domain.certificate import (
    Certificate,
    CertificateAction,
    CertificateStatus,
    Licensee,
    Succession,
)
from node.domain.identifiers import CreditCode, RegistrationNumber
from node.domain.parsing import parse_application, parse_holder
from node.services.context import NodeContext
from node.services.errors import NotYourHolderError
from node.services.outbox import claim_asset_keys, set_status_on_chain
from node.services.pledges import require_unpledged
from node.services.recording import latest_digest, record_document
from node.services.standing import require_standing
from node.store.ports import AbstractUnitOfWork
from node.store.records import CertificateRecord, StoredDocument

CHAIN_STATUSES = {
    CertificateStatus.CANCELLED,
    CertificateStatus.REVOKED,
}
"""Statuses written per certificate on chain; superseding goes with the successor's claim."""


@dataclass(frozen=True)
class ActionOutcome:
    """The certificate after the action, the decision document and any successor."""

    certificate: Certificate
    decision: StoredDocument
    successor: Certificate | None = None
    successor_document: StoredDocument | None = None


class CertificateService:
    """Post-issue actions on this centre's certificates."""

    def __init__(self, context: NodeContext) -> None:
        self._context = context

    def get(self, registration_number: str) -> Certificate:
        with self._context.unit_of_work() as uow:
            return uow.certificates.get(RegistrationNumber.parse(registration_number))

    def get_held(self, holder: str, registration_number: str) -> Certificate:
        """A certificate, only for the organisation that holds it."""
        certificate = self.get(registration_number)
        _require_holder(certificate, holder)
        return certificate

    def list_all(
        self, *, status: CertificateStatus | None = None, limit: int = 50, offset: int = 0
    ) -> list[CertificateRecord]:
        """The centre's certificates (in ``status`` when given), by registration number."""
        with self._context.unit_of_work() as uow:
            return uow.certificates.list_all(status=status, limit=limit, offset=offset)

    def list_held(
        self, holder: str, *, limit: int = 50, offset: int = 0
    ) -> list[CertificateRecord]:
        """Certificates ``holder`` (a credit code) holds, by registration number."""
        with self._context.unit_of_work() as uow:
            return uow.certificates.list_by_holder(holder, limit=limit, offset=offset)

    def change(self, actor: str, registration_number: str, data: object) -> ActionOutcome:
        """变更: new content for the same holder, under a new number."""
        content, _report = parse_application(data)
        return self._succeed(
            registration_number,
            lambda cert, at, number, previous: cert.change(
                content, actor=actor, at=at, new_number=number, previous_digest=previous
            ),
        )

    def transfer(self, actor: str, registration_number: str, holder: object) -> ActionOutcome:
        """转移: the same asset and rights for another holder, under a new number."""
        new_holder = parse_holder(holder)
        return self._succeed(
            registration_number,
            lambda cert, at, number, previous: cert.transfer(
                new_holder, actor=actor, at=at, new_number=number, previous_digest=previous
            ),
        )

    def renew(self, actor: str, registration_number: str, valid_until: date) -> ActionOutcome:
        """续证: a later end of validity, under a new number."""
        return self._succeed(
            registration_number,
            lambda cert, at, number, previous: cert.renew(
                valid_until, actor=actor, at=at, new_number=number, previous_digest=previous
            ),
        )

    def licence(
        self,
        actor: str,
        registration_number: str,
        *,
        licensee_name: str,
        licensee_credit_code: str,
        scope: str,
        until: date,
    ) -> ActionOutcome:
        """许可: record a licence; the certificate stays active."""
        licensee = Licensee(licensee_name, CreditCode.parse(licensee_credit_code, "licensee"))
        return self._act(
            registration_number,
            lambda cert, at, previous: cert.licence(
                licensee, scope, until, actor=actor, at=at, previous_digest=previous
            ),
        )

    def cancel(
        self,
        actor: str,
        registration_number: str,
        reason: str | None,
        *,
        holder: str | None = None,
    ) -> ActionOutcome:
        """注销: the holder gives the registration up (refused on chain while pledged).

        With ``holder`` (the credit code of the organisation asking) the certificate
        must be that holder's; an operator recording a written request passes none.
        """

        def cancel(cert: Certificate, at: datetime, previous: str | None) -> CertificateAction:
            if holder is not None:
                _require_holder(cert, holder)
            return cert.cancel(actor, at=at, reason=reason, previous_digest=previous)

        return self._act(registration_number, cancel, unpledged=True)

    def revoke(self, actor: str, registration_number: str, reason: str) -> ActionOutcome:
        """撤销: the centre withdraws the registration."""
        return self._act(
            registration_number,
            lambda cert, at, previous: cert.revoke(actor, reason, at=at, previous_digest=previous),
        )

    def expire(self, registration_number: str) -> ActionOutcome:
        """Record that a certificate's validity has ended."""
        return self._act(
            registration_number,
            lambda cert, at, previous: cert.expire(at=at, previous_digest=previous),
        )

    # -- machinery -------------------------------------------------------------------------

    def _act(
        self,
        registration_number: str,
        action: Callable[[Certificate, datetime, str | None], CertificateAction],
        *,
        unpledged: bool = False,
    ) -> ActionOutcome:
        """``action`` on the certificate; with ``unpledged``, refused while it is pledged."""
        number = RegistrationNumber.parse(registration_number)
        require_standing(self._context)
        with self._context.unit_of_work() as uow:
            certificate = uow.certificates.get(number)
            previous = latest_digest(uow, str(number))
            done = action(certificate, self._context.clock.now(), _hex(previous))
            if unpledged:
                require_unpledged(uow, str(number))
            decision = self._record_action(uow, done, previous)
            uow.certificates.save(certificate)
            if done.to_status in CHAIN_STATUSES:
                set_status_on_chain(uow, str(number), done.to_status, decision.digest)
            uow.commit()
        return ActionOutcome(certificate, decision)

    def _succeed(
        self,
        registration_number: str,
        action: Callable[[Certificate, datetime, RegistrationNumber, str | None], Succession],
    ) -> ActionOutcome:
        context = self._context
        number = RegistrationNumber.parse(registration_number)
        require_standing(context)
        now = context.clock.now()
        year = local_date(now).year
        with context.unit_of_work() as uow:
            certificate = uow.certificates.get(number)
            require_unpledged(uow, str(number))
            record = uow.certificates.record(number)
            previous = latest_digest(uow, str(number))
            serial = uow.certificates.last_serial(context.centre.region_code.value, year) + 1
            new_number = context.centre.registration_number(year, serial)
            succession = action(certificate, now, new_number, _hex(previous))
            decision = self._record_action(uow, succession.action, previous)
            successor = succession.certificate
            asset_key = asset_key_of(
                successor.holder.credit_code.value, successor.asset.fingerprint_material()
            )
            successor_document = record_document(
                uow,
                context,
                certificate_document(
                    successor,
                    centre=context.centre_ref,
                    created_at=now,
                    application_id=None,
                    compliance_report_digest=None,
                    notice_digest=None,
                    previous_digest=decision.digest,
                ),
            )
            uow.certificates.save(certificate)
            uow.certificates.add(
                successor,
                application_id=None,
                asset_key=asset_key,
                document_digest=successor_document.digest,
            )
            if asset_key != record.asset_key:
                set_status_on_chain(
                    uow,
                    str(number),
                    CertificateStatus.SUPERSEDED,
                    decision.digest,
                    superseded_by=str(new_number),
                )
            claim_asset_keys(uow, [(str(new_number), asset_key)])
            uow.commit()
        return ActionOutcome(certificate, decision, successor, successor_document)

    def _record_action(
        self, uow: AbstractUnitOfWork, action: CertificateAction, previous: bytes | None
    ) -> StoredDocument:
        return record_document(
            uow,
            self._context,
            certificate_action_document(
                action,
                centre=self._context.centre_ref,
                created_at=self._context.clock.now(),
                previous_digest=previous,
            ),
        )


def _require_holder(certificate: Certificate, holder: str) -> None:
    if certificate.holder.credit_code.value != holder:
        raise NotYourHolderError(
            f"certificate {certificate.registration_number} is not held by {holder}"
        )


def _hex(digest: bytes | None) -> str | None:
    return None if digest is None else digest_hex(digest)
