"""The certificate (登记证书) and what can happen to it after issue.

A certificate is never edited. Change (变更), transfer (转移) and renewal
(续证) issue a successor under a new registration number and mark the old one
superseded; licence (许可) records a licence and leaves the certificate active;
cancellation (注销) by the holder, revocation (撤销) by the centre and expiry
end it. Each action yields a CertificateAction that names the digest of the
previous document (filled in by the documents layer) so the history is a chain.
Who may take an action (the holder, the centre) is checked by the services.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from node.domain.calendar import local_date, require_aware
from node.domain.errors import (
    HolderChangeError,
    IllegalTransitionError,
    InvalidFieldError,
    NotExpiredError,
    NothingChangedError,
    SameHolderError,
    TimeOrderError,
)
from node.domain.frozen_json import JsonValue, freeze_mapping, thaw
from node.domain.identifiers import CreditCode, RegistrationNumber
from node.domain.text import TextRule, require_text
from node.domain.values import ApplicationContent, DataAsset, Holder, Rights

DEFAULT_VALIDITY_YEARS = 3
SYSTEM_ACTOR = "system"
LICENCE_SCOPE = TextRule(2000, multiline=True)
REASON = TextRule(2000, multiline=True)


class CertificateStatus(StrEnum):
    """Standing of a certificate."""

    ACTIVE = "active"
    """有效."""
    REVOKED = "revoked"
    """撤销: withdrawn by the centre."""
    CANCELLED = "cancelled"
    """注销: given up by the holder."""
    SUPERSEDED = "superseded"
    """Replaced by a successor after a change, transfer or renewal."""
    EXPIRED = "expired"
    """过期: past its validity."""


class CertificateActionKind(StrEnum):
    """What was done to a certificate after issue."""

    CHANGE = "change"
    """变更登记."""
    TRANSFER = "transfer"
    """转移登记."""
    LICENCE = "licence"
    """许可登记."""
    RENEW = "renew"
    """续证."""
    CANCEL = "cancel"
    """注销登记."""
    REVOKE = "revoke"
    """撤销登记."""
    EXPIRE = "expire"
    """有效期届满."""


_C = CertificateStatus
_K = CertificateActionKind

CERTIFICATE_TRANSITIONS: Mapping[
    tuple[CertificateStatus, CertificateActionKind], CertificateStatus
] = MappingProxyType(
    {
        (_C.ACTIVE, _K.CHANGE): _C.SUPERSEDED,
        (_C.ACTIVE, _K.TRANSFER): _C.SUPERSEDED,
        (_C.ACTIVE, _K.LICENCE): _C.ACTIVE,
        (_C.ACTIVE, _K.RENEW): _C.SUPERSEDED,
        (_C.ACTIVE, _K.CANCEL): _C.CANCELLED,
        (_C.ACTIVE, _K.REVOKE): _C.REVOKED,
        (_C.ACTIVE, _K.EXPIRE): _C.EXPIRED,
    }
)
"""(recorded status, action) → status after; only active certificates accept actions.

All actions but ``expire`` are also refused once the validity has lapsed,
even before the expiry is recorded.
"""


def validity_end(issued_on: date, years: int) -> date:
    """The last valid day: the day before the anniversary (28 Feb for a 29 Feb issue)."""
    if years < 1:
        raise InvalidFieldError("validity_years", "out_of_range", "must be at least 1")
    try:
        anniversary = issued_on.replace(year=issued_on.year + years)
    except ValueError:
        anniversary = date(issued_on.year + years, 3, 1)
    return anniversary - timedelta(days=1)


@dataclass(frozen=True)
class Licensee:
    """The organisation a licence (许可) is granted to."""

    name: str
    credit_code: CreditCode

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", require_text(self.name, "licensee.name", 200))


@dataclass(frozen=True)
class Licence:
    """A licence recorded on a certificate: who may do what until when."""

    licensee: Licensee
    scope: str
    granted_on: date
    until: date

    def __post_init__(self) -> None:
        object.__setattr__(self, "scope", LICENCE_SCOPE.clean(self.scope, "scope"))
        if self.until < self.granted_on:
            raise InvalidFieldError("until", "before_start", "must not be before the grant date")


@dataclass(frozen=True)
class CertificateAction:
    """The record of one post-issue action, linked to the digest of the previous document."""

    kind: CertificateActionKind
    registration_number: RegistrationNumber
    actor: str
    at: datetime
    from_status: CertificateStatus
    to_status: CertificateStatus
    previous_digest: str | None
    successor: RegistrationNumber | None
    details: Mapping[str, JsonValue]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready fields."""
        return {
            "kind": self.kind.value,
            "registration_number": str(self.registration_number),
            "actor": self.actor,
            "at": self.at.isoformat(),
            "from_status": self.from_status.value,
            "to_status": self.to_status.value,
            "previous_digest": self.previous_digest,
            "successor": None if self.successor is None else str(self.successor),
            "details": thaw(self.details),
        }


@dataclass(frozen=True)
class Succession:
    """The successor certificate and the action record that superseded its predecessor."""

    certificate: Certificate
    action: CertificateAction


class Certificate:
    """A registration certificate (数据产权登记证书)."""

    def __init__(
        self,
        registration_number: RegistrationNumber,
        holder: Holder,
        asset: DataAsset,
        rights: Rights,
        *,
        issued_on: date,
        valid_until: date,
        supersedes: RegistrationNumber | None = None,
    ) -> None:
        if valid_until < issued_on:
            raise InvalidFieldError("valid_until", "before_start", "must not precede issued_on")
        self._registration_number = registration_number
        self._holder = holder
        self._asset = asset
        self._rights = rights
        self._issued_on = issued_on
        self._valid_until = valid_until
        self._supersedes = supersedes
        self._status = CertificateStatus.ACTIVE
        self._licences: list[Licence] = []
        self._actions: list[CertificateAction] = []

    @classmethod
    def issue(
        cls,
        registration_number: RegistrationNumber,
        content: ApplicationContent,
        *,
        issued_on: date,
        validity_years: int = DEFAULT_VALIDITY_YEARS,
        supersedes: RegistrationNumber | None = None,
    ) -> Certificate:
        """A new active certificate for ``content``, valid ``validity_years`` from ``issued_on``."""
        return cls(
            registration_number,
            content.holder,
            content.asset,
            content.rights,
            issued_on=issued_on,
            valid_until=validity_end(issued_on, validity_years),
            supersedes=supersedes,
        )

    # -- reading ---------------------------------------------------------------------------

    @property
    def registration_number(self) -> RegistrationNumber:
        """The certificate's number."""
        return self._registration_number

    @property
    def holder(self) -> Holder:
        """Who holds the registered rights."""
        return self._holder

    @property
    def asset(self) -> DataAsset:
        """The registered data asset."""
        return self._asset

    @property
    def rights(self) -> Rights:
        """The registered rights."""
        return self._rights

    @property
    def content(self) -> ApplicationContent:
        """Holder, asset and rights together."""
        return ApplicationContent(self._holder, self._asset, self._rights)

    @property
    def issued_on(self) -> date:
        """Day of issue."""
        return self._issued_on

    @property
    def valid_until(self) -> date:
        """Last day of validity (inclusive)."""
        return self._valid_until

    @property
    def supersedes(self) -> RegistrationNumber | None:
        """The certificate this one replaced."""
        return self._supersedes

    @property
    def status(self) -> CertificateStatus:
        """The recorded status; see :meth:`status_on` for the status on a given day."""
        return self._status

    @property
    def licences(self) -> tuple[Licence, ...]:
        """Licences granted, oldest first."""
        return tuple(self._licences)

    @property
    def actions(self) -> tuple[CertificateAction, ...]:
        """Post-issue actions taken on this certificate, oldest first."""
        return tuple(self._actions)

    def status_on(self, day: date) -> CertificateStatus:
        """The status on ``day``: an active certificate past ``valid_until`` counts as expired."""
        if self._status is CertificateStatus.ACTIVE and day > self._valid_until:
            return CertificateStatus.EXPIRED
        return self._status

    # -- actions ---------------------------------------------------------------------------

    def change(
        self,
        content: ApplicationContent,
        *,
        actor: str,
        at: datetime,
        new_number: RegistrationNumber,
        previous_digest: str | None = None,
    ) -> Succession:
        """变更: a successor with new content for the same holder (same credit code)."""
        today = self._begin(_K.CHANGE, at)
        if content.holder.credit_code != self._holder.credit_code:
            raise HolderChangeError()
        if content == self.content:
            raise NothingChangedError()
        successor = self._successor(content, new_number, today, self._valid_until)
        action = self._record(
            _K.CHANGE, actor, at, previous_digest, new_number, {"content": content.to_dict()}
        )
        return Succession(successor, action)

    def transfer(
        self,
        new_holder: Holder,
        *,
        actor: str,
        at: datetime,
        new_number: RegistrationNumber,
        previous_digest: str | None = None,
    ) -> Succession:
        """转移: a successor for another holder, same asset, rights and validity."""
        today = self._begin(_K.TRANSFER, at)
        if new_holder.credit_code == self._holder.credit_code:
            raise SameHolderError()
        content = ApplicationContent(new_holder, self._asset, self._rights)
        successor = self._successor(content, new_number, today, self._valid_until)
        action = self._record(
            _K.TRANSFER, actor, at, previous_digest, new_number, {"holder": new_holder.to_dict()}
        )
        return Succession(successor, action)

    def licence(
        self,
        licensee: Licensee,
        scope: str,
        until: date,
        *,
        actor: str,
        at: datetime,
        previous_digest: str | None = None,
    ) -> CertificateAction:
        """许可: record a licence that ends by the certificate's last valid day."""
        today = self._begin(_K.LICENCE, at)
        if licensee.credit_code == self._holder.credit_code:
            raise SameHolderError()
        if until > self._valid_until:
            raise InvalidFieldError(
                "until", "beyond_validity", f"must not be after {self._valid_until.isoformat()}"
            )
        licence = Licence(licensee, scope, today, until)
        action = self._record(
            _K.LICENCE,
            actor,
            at,
            previous_digest,
            None,
            {
                "licensee": {"name": licensee.name, "credit_code": licensee.credit_code.value},
                "scope": licence.scope,
                "granted_on": today.isoformat(),
                "until": until.isoformat(),
            },
        )
        self._licences.append(licence)
        return action

    def renew(
        self,
        valid_until: date,
        *,
        actor: str,
        at: datetime,
        new_number: RegistrationNumber,
        previous_digest: str | None = None,
    ) -> Succession:
        """续证: a successor with a later end of validity; only before expiry."""
        today = self._begin(_K.RENEW, at)
        if valid_until <= self._valid_until:
            raise InvalidFieldError(
                "valid_until", "not_later", f"must be after {self._valid_until.isoformat()}"
            )
        successor = self._successor(self.content, new_number, today, valid_until)
        action = self._record(
            _K.RENEW,
            actor,
            at,
            previous_digest,
            new_number,
            {"valid_until": valid_until.isoformat()},
        )
        return Succession(successor, action)

    def cancel(
        self,
        by: str,
        *,
        at: datetime,
        reason: str | None = None,
        previous_digest: str | None = None,
    ) -> CertificateAction:
        """注销: the holder gives the registration up."""
        self._begin(_K.CANCEL, at)
        details = {} if reason is None else {"reason": REASON.clean(reason, "reason")}
        return self._record(_K.CANCEL, by, at, previous_digest, None, details)

    def revoke(
        self, by: str, reason: str, *, at: datetime, previous_digest: str | None = None
    ) -> CertificateAction:
        """撤销: the centre withdraws the registration (for example, obtained by fraud)."""
        self._begin(_K.REVOKE, at)
        details = {"reason": REASON.clean(reason, "reason")}
        return self._record(_K.REVOKE, by, at, previous_digest, None, details)

    def expire(
        self, *, at: datetime, actor: str = SYSTEM_ACTOR, previous_digest: str | None = None
    ) -> CertificateAction:
        """Record the expiry of a certificate whose validity has ended."""
        today = self._begin(_K.EXPIRE, at)
        if today <= self._valid_until:
            raise NotExpiredError(self._valid_until.isoformat())
        return self._record(
            _K.EXPIRE,
            actor,
            at,
            previous_digest,
            None,
            {"valid_until": self._valid_until.isoformat()},
        )

    # -- restoring -------------------------------------------------------------------------

    @classmethod
    def _restore(
        cls,
        registration_number: RegistrationNumber,
        holder: Holder,
        asset: DataAsset,
        rights: Rights,
        *,
        issued_on: date,
        valid_until: date,
        supersedes: RegistrationNumber | None,
        status: CertificateStatus,
        licences: Iterable[Licence],
        actions: Iterable[CertificateAction],
    ) -> Certificate:
        """A certificate exactly as it was stored (``node.domain.snapshot``); not for services."""
        certificate = cls(
            registration_number,
            holder,
            asset,
            rights,
            issued_on=issued_on,
            valid_until=valid_until,
            supersedes=supersedes,
        )
        certificate._status = status
        certificate._licences = list(licences)
        certificate._actions = list(actions)
        return certificate

    # -- machinery -------------------------------------------------------------------------

    def _begin(self, kind: CertificateActionKind, at: datetime) -> date:
        """Refuse ``kind`` unless allowed now; return the local date of ``at``."""
        if (self._status, kind) not in CERTIFICATE_TRANSITIONS:
            raise IllegalTransitionError(self._status.value, kind.value)
        today = local_date(require_aware(at))
        effective = self.status_on(today)
        if kind is not _K.EXPIRE and effective is not CertificateStatus.ACTIVE:
            raise IllegalTransitionError(effective.value, kind.value)
        if today < self._issued_on:
            raise InvalidFieldError("at", "before_issue", "is before the certificate was issued")
        if self._actions and at < self._actions[-1].at:
            raise TimeOrderError(at, self._actions[-1].at)
        return today

    def _successor(
        self,
        content: ApplicationContent,
        new_number: RegistrationNumber,
        issued_on: date,
        valid_until: date,
    ) -> Certificate:
        if new_number == self._registration_number:
            raise InvalidFieldError(
                "new_number", "reused", "a successor needs a registration number of its own"
            )
        return Certificate(
            new_number,
            content.holder,
            content.asset,
            content.rights,
            issued_on=issued_on,
            valid_until=valid_until,
            supersedes=self._registration_number,
        )

    def _record(
        self,
        kind: CertificateActionKind,
        actor: str,
        at: datetime,
        previous_digest: str | None,
        successor: RegistrationNumber | None,
        details: Mapping[str, object],
    ) -> CertificateAction:
        actor = require_text(actor, "actor", 200)
        if previous_digest is not None:
            previous_digest = require_text(previous_digest, "previous_digest", 200)
        to_status = CERTIFICATE_TRANSITIONS[(self._status, kind)]
        action = CertificateAction(
            kind=kind,
            registration_number=self._registration_number,
            actor=actor,
            at=at,
            from_status=self._status,
            to_status=to_status,
            previous_digest=previous_digest,
            successor=successor,
            details=freeze_mapping(details),
        )
        self._actions.append(action)
        self._status = to_status
        return action
