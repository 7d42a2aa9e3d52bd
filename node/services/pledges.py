"""质押: pledge requests by banks, the holder's consent, confirmation, extension, release, expiry.

A pledgee (its API key names its credit or institution code) requests a
pledge of a certificate; the centre's operator confirms it, or the centre's
policy confirms it as soon as the holder consents with its own key. A
confirmation signs the pledge record (anchored like every document) and queues
its registration on chain in the same transaction; the worker sends chain
actions in the order they were queued, so the priority given here is the one
the contract gives. Releases and expiries sign a release document and queue the
release on chain the same way.

Expiry is recorded by a cycle, not on read: ending a pledge writes a signed
document and a chain transaction, which a read must not do. ``expire_due`` runs
in the worker's process every ``pledges.expiry_interval`` seconds (and by
``dataprop pledges expire``); until it has run, reads already show a pledge past
its term as expired (``Pledge.status_on``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import uuid4

from node.documents.pledges import pledge_document, pledge_release_document
from node.domain.calendar import local_date
from node.domain.errors import IllegalTransitionError, InvalidFieldError
from node.domain.pledge import (
    Consent,
    Pledge,
    PledgeStatus,
    PledgeStepKind,
    PledgeTerms,
    parse_day,
    parse_digest_text,
)
from node.domain.pledge_errors import CertificatePledgedError
from node.domain.roles import Role
from node.errors import DomainError, PermissionDeniedError
from node.services.context import NodeContext
from node.services.errors import NotYourHolderError
from node.services.outbox import register_pledge_on_chain, release_pledge_on_chain
from node.services.recording import latest_digest, record_document
from node.store.errors import ConcurrentUpdateError, NotFoundError
from node.store.ports import ALL_PLEDGES, AbstractUnitOfWork, PledgeFilter
from node.store.records import PledgeTotal, StoredDocument, StoredPledge

CONSENT_ACTOR = "policy:holder-consent"
"""Who confirms a request the holder consented to, under the centre's policy."""
EXPIRY_ACTOR = "system"
ACTIVE_ONLY = frozenset({PledgeStatus.ACTIVE})
OPEN = frozenset({PledgeStatus.REQUESTED, PledgeStatus.ACTIVE})


class DuplicatePledgeError(DomainError):
    """The 中登网 registration is recorded already by an open pledge of the certificate."""

    code = "duplicate_pledge"

    def __init__(self, pledge_id: str, unified_registry_number: str) -> None:
        self.pledge_id = pledge_id
        super().__init__(
            f"pledge {pledge_id} of this certificate records 中登网 registration "
            f"{unified_registry_number} already"
        )


class NotYourPledgeError(PermissionDeniedError):
    """A pledgee asked about or acted on another pledgee's pledge."""

    code = "not_your_pledge"


@dataclass(frozen=True)
class PledgeOutcome:
    """The pledge after a step, and the document the step signed, if any."""

    stored: StoredPledge
    document: StoredDocument | None = None


@dataclass(frozen=True)
class Viewer:
    """Who looks at a pledge in a verification: a role and party, or nobody known."""

    role: Role | None = None
    party: str | None = None

    def sees_amounts_of(self, pledge: Pledge) -> bool:
        """Amounts are for the pledgee that holds the pledge and for the regulator."""
        if self.role is Role.REGULATOR:
            return True
        return self.role is Role.PLEDGEE and self.party == pledge.terms.pledgee.code


class PledgeService:
    """Pledges of this centre's certificates."""

    def __init__(self, context: NodeContext) -> None:
        self._context = context

    # -- the pledgee -----------------------------------------------------------------------

    def request(self, actor: str, pledgee_code: str, data: object) -> PledgeOutcome:
        """A pledgee's request against a certificate, checked field by field."""
        terms = PledgeTerms.parse(data, pledgee_code=pledgee_code)
        number = str(terms.registration_number)
        with self._context.unit_of_work() as uow:
            try:
                certificate = uow.certificates.get(number)
            except NotFoundError:
                raise InvalidFieldError(
                    "registration_number", "certificate_unknown", f"no certificate {number} here"
                ) from None
            pledge = Pledge.request(
                uuid4().hex,
                terms,
                certificate=certificate,
                actor=actor,
                at=self._context.clock.now(),
            )
            _refuse_duplicate(uow, terms)
            uow.pledges.add(pledge)
            stored = uow.pledges.stored(pledge.id)
            uow.commit()
        return PledgeOutcome(stored)

    def list_own(
        self, pledgee_code: str, *, limit: int = 50, offset: int = 0
    ) -> list[StoredPledge]:
        """The pledgee's pledges, by certificate and priority."""
        return self.find(PledgeFilter(pledgee=pledgee_code), limit=limit, offset=offset)

    def get_own(self, pledgee_code: str, pledge_id: str) -> StoredPledge:
        """One of the pledgee's pledges; NotYourPledgeError for another's."""
        stored = self.get(pledge_id)
        _require_pledgee(stored.pledge, pledgee_code)
        return stored

    def release_own(
        self,
        actor: str,
        pledgee_code: str,
        pledge_id: str,
        *,
        release_document_digest: str | None = None,
        reason: str | None = None,
    ) -> PledgeOutcome:
        """解除质押 by the pledgee itself."""
        return self._release(
            actor,
            pledge_id,
            pledgee_code=pledgee_code,
            release_document_digest=release_document_digest,
            reason=reason,
        )

    def request_extension(
        self,
        actor: str,
        pledgee_code: str,
        pledge_id: str,
        *,
        term_end: object,
        agreement_digest: object,
    ) -> PledgeOutcome:
        """展期: ask to move the end of the term; confirmed like a request."""
        day = parse_day(term_end, "term_end")
        digest = parse_digest_text(agreement_digest, "agreement_digest")

        def extend(uow: AbstractUnitOfWork, pledge: Pledge) -> StoredDocument | None:
            _require_pledgee(pledge, pledgee_code)
            pledge.request_extension(
                actor, at=self._context.clock.now(), term_end=day, agreement_digest=digest
            )
            uow.pledges.save(pledge)
            return None

        return self._step(pledge_id, extend)

    # -- the holder ------------------------------------------------------------------------

    def list_held(
        self, credit_code: str, *, limit: int = 50, offset: int = 0
    ) -> list[StoredPledge]:
        """Pledges of the certificates ``credit_code`` holds (it is their pledgor)."""
        return self.find(PledgeFilter(pledgor=credit_code), limit=limit, offset=offset)

    def consent(
        self,
        actor: str,
        credit_code: str,
        pledge_id: str,
        *,
        letter_digest: str | None = None,
    ) -> PledgeOutcome:
        """The holder consents to the pending request or extension; under the centre's policy
        that confirms it at once."""
        letter = (
            None if letter_digest is None else parse_digest_text(letter_digest, "letter_digest")
        )

        def consent(uow: AbstractUnitOfWork, pledge: Pledge) -> StoredDocument | None:
            if pledge.terms.pledgor.code != credit_code:
                raise NotYourHolderError(f"pledge {pledge.id} is not of {credit_code}'s asset")
            now = self._context.clock.now()
            allows = pledge.give_consent(Consent(actor, credit_code, now, letter))
            if not self._context.centre.confirm_pledges_on_consent:
                uow.pledges.save(pledge)
                return None
            if allows is PledgeStepKind.CONFIRM:
                return self._confirm(uow, pledge, CONSENT_ACTOR)
            return self._confirm_extension(uow, pledge, CONSENT_ACTOR)

        return self._step(pledge_id, consent)

    # -- the centre ------------------------------------------------------------------------

    def get(self, pledge_id: str) -> StoredPledge:
        with self._context.unit_of_work() as uow:
            return uow.pledges.stored(pledge_id)

    def find(
        self, where: PledgeFilter = ALL_PLEDGES, *, limit: int = 50, offset: int = 0
    ) -> list[StoredPledge]:
        """Pledges matching ``where``, by certificate and priority."""
        with self._context.unit_of_work() as uow:
            return uow.pledges.find(where, limit=limit, offset=offset)

    def totals(self, where: PledgeFilter = ALL_PLEDGES) -> list[PledgeTotal]:
        """How many pledges and how much principal, by status and currency."""
        with self._context.unit_of_work() as uow:
            return uow.pledges.totals(where)

    def confirm(self, actor: str, pledge_id: str) -> PledgeOutcome:
        """Register a requested pledge: sign its record and queue it for the chain."""
        return self._step(pledge_id, lambda uow, pledge: self._confirm(uow, pledge, actor))

    def reject(self, actor: str, pledge_id: str, reason: str) -> PledgeOutcome:
        """Refuse a request."""

        def reject(uow: AbstractUnitOfWork, pledge: Pledge) -> StoredDocument | None:
            pledge.reject(actor, reason, at=self._context.clock.now())
            uow.pledges.save(pledge)
            return None

        return self._step(pledge_id, reject)

    def confirm_extension(self, actor: str, pledge_id: str) -> PledgeOutcome:
        """Confirm a pending extension: its record is signed, linked to the first."""
        return self._step(
            pledge_id, lambda uow, pledge: self._confirm_extension(uow, pledge, actor)
        )

    def reject_extension(self, actor: str, pledge_id: str, reason: str) -> PledgeOutcome:
        """Refuse a pending extension; the term stays."""

        def reject(uow: AbstractUnitOfWork, pledge: Pledge) -> StoredDocument | None:
            pledge.reject_extension(actor, reason, at=self._context.clock.now())
            uow.pledges.save(pledge)
            return None

        return self._step(pledge_id, reject)

    def release(
        self,
        actor: str,
        pledge_id: str,
        *,
        release_document_digest: str | None,
        reason: str | None = None,
    ) -> PledgeOutcome:
        """解除质押 by the operator, on the pledgee's release document (its digest)."""
        if release_document_digest is None:
            raise InvalidFieldError(
                "release_document_digest",
                "missing_field",
                "the centre releases a pledge only on the pledgee's release document",
            )
        return self._release(
            actor, pledge_id, release_document_digest=release_document_digest, reason=reason
        )

    def expire_due(self, *, limit: int = 100) -> list[Pledge]:
        """Record the expiry of every active pledge whose term has ended, each in its own
        transaction with its document and on-chain release; the pledges expired. A pledge
        another process ended first is left to it."""
        expired: list[Pledge] = []
        while True:
            today = local_date(self._context.clock.now())
            with self._context.unit_of_work() as uow:
                due = [pledge.id for pledge in uow.pledges.due_to_expire(today, limit=limit)]
            ended = 0
            for pledge_id in due:
                try:
                    expired.append(self._step(pledge_id, self._expire).stored.pledge)
                except (IllegalTransitionError, ConcurrentUpdateError):
                    continue
                ended += 1
            if len(due) < limit or not ended:
                return expired

    def disclosed(self, chain_pledge_ids: Sequence[bytes]) -> dict[bytes, StoredPledge]:
        """The pledges this node recorded among ``chain_pledge_ids`` (for verification)."""
        if not chain_pledge_ids:
            return {}
        with self._context.unit_of_work() as uow:
            return uow.pledges.by_chain_ids(chain_pledge_ids)

    # -- machinery -------------------------------------------------------------------------

    def _step(
        self,
        pledge_id: str,
        step: Callable[[AbstractUnitOfWork, Pledge], StoredDocument | None],
    ) -> PledgeOutcome:
        with self._context.unit_of_work() as uow:
            document = step(uow, uow.pledges.get(pledge_id))
            stored = uow.pledges.stored(pledge_id)
            uow.commit()
        return PledgeOutcome(stored, document)

    def _confirm(self, uow: AbstractUnitOfWork, pledge: Pledge, actor: str) -> StoredDocument:
        number = str(pledge.terms.registration_number)
        now = self._context.clock.now()
        certificate = uow.certificates.get(number)
        pledge.confirm(
            actor, at=now, certificate=certificate, priority=uow.pledges.last_priority(number) + 1
        )
        record = record_document(
            uow,
            self._context,
            pledge_document(
                pledge,
                centre=self._context.centre_ref,
                created_at=now,
                previous_digest=latest_digest(uow, pledge.id),
            ),
        )
        action = register_pledge_on_chain(uow, pledge, record.digest)
        uow.pledges.save(pledge, record_digest=record.digest, chain_action_id=action.id)
        return record

    def _confirm_extension(
        self, uow: AbstractUnitOfWork, pledge: Pledge, actor: str
    ) -> StoredDocument:
        now = self._context.clock.now()
        pledge.confirm_extension(actor, at=now)
        document = record_document(
            uow,
            self._context,
            pledge_document(
                pledge,
                centre=self._context.centre_ref,
                created_at=now,
                previous_digest=latest_digest(uow, pledge.id),
                extends=_record_digest(uow, pledge),
            ),
        )
        uow.pledges.save(pledge)
        return document

    def _release(
        self,
        actor: str,
        pledge_id: str,
        *,
        pledgee_code: str | None = None,
        release_document_digest: str | None,
        reason: str | None,
    ) -> PledgeOutcome:
        def release(uow: AbstractUnitOfWork, pledge: Pledge) -> StoredDocument:
            if pledgee_code is not None:
                _require_pledgee(pledge, pledgee_code)
            pledge.release_by(
                actor,
                at=self._context.clock.now(),
                release_document_digest=release_document_digest,
                reason=reason,
            )
            return self._record_end(uow, pledge)

        return self._step(pledge_id, release)

    def _expire(self, uow: AbstractUnitOfWork, pledge: Pledge) -> StoredDocument:
        pledge.expire(at=self._context.clock.now(), actor=EXPIRY_ACTOR)
        return self._record_end(uow, pledge)

    def _record_end(self, uow: AbstractUnitOfWork, pledge: Pledge) -> StoredDocument:
        document = record_document(
            uow,
            self._context,
            pledge_release_document(
                pledge,
                centre=self._context.centre_ref,
                created_at=self._context.clock.now(),
                previous_digest=latest_digest(uow, pledge.id),
                record_digest=_record_digest(uow, pledge),
            ),
        )
        action = release_pledge_on_chain(uow, pledge, document.digest)
        uow.pledges.save(pledge, chain_action_id=action.id)
        return document


def require_unpledged(uow: AbstractUnitOfWork, registration_number: str) -> None:
    """Refuse, in ``uow``, an action a pledged certificate must not take (transfer, change,
    renewal, cancellation): the contract would refuse it on chain too."""
    active = uow.pledges.find(
        PledgeFilter(registration_number=registration_number, statuses=ACTIVE_ONLY), limit=500
    )
    if active:
        raise CertificatePledgedError(
            registration_number, [stored.pledge.priority for stored in active]
        )


def _refuse_duplicate(uow: AbstractUnitOfWork, terms: PledgeTerms) -> None:
    """One open pledge per 中登网 registration and certificate: a request sent twice without an
    Idempotency-Key is not recorded twice."""
    number = str(terms.registration_number)
    for stored in uow.pledges.find(
        PledgeFilter(registration_number=number, statuses=OPEN), limit=500
    ):
        if stored.pledge.terms.unified_registry_number == terms.unified_registry_number:
            raise DuplicatePledgeError(stored.pledge.id, terms.unified_registry_number)


def _require_pledgee(pledge: Pledge, pledgee_code: str) -> None:
    if pledge.terms.pledgee.code != pledgee_code:
        raise NotYourPledgeError(f"pledge {pledge.id} is not {pledgee_code}'s")


def _record_digest(uow: AbstractUnitOfWork, pledge: Pledge) -> bytes:
    digest = uow.pledges.stored(pledge.id).record_digest
    if digest is None:
        raise InvalidFieldError("pledge", "not_confirmed", f"pledge {pledge.id} has no record")
    return digest
