"""Pledges (数据资产质押) of certificates: the terms a bank lends against, and their life.

A pledgee (质权人, a bank) requests a pledge of a certificate. The centre's
operator confirms it, or the centre's policy confirms it as soon as the holder
(出质人, the pledgor) consents. Confirmed, it is active with a priority (顺位):
its place in the order the certificate's pledges were registered, which is the
order of the chain. It ends by release (解除质押), by the pledgee or by the
operator on the pledgee's release document, or by expiry the day after its
term ends, unless an extension (展期) confirmed like the pledge moved the end.

Each step is kept (``steps``) for the audit log; the documents layer turns
confirmations, extensions and releases into signed documents. Who may take a
step (the pledgee that owns the pledge, the holder) is checked by the services.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from node.domain.calendar import local_date, require_aware
from node.domain.certificate import Certificate, CertificateStatus
from node.domain.errors import IllegalTransitionError, InvalidFieldError, TimeOrderError
from node.domain.frozen_json import JsonValue, freeze_mapping, thaw
from node.domain.identifiers import CreditCode, RegistrationNumber, parse_institution_code
from node.domain.money import Money
from node.domain.pledge_errors import (
    AlreadyConsentedError,
    ExtensionPendingError,
    PledgeNotExpiredError,
)
from node.domain.text import TextRule

PARTY_NAME = TextRule(200)
REASON = TextRule(2000, multiline=True)
_DIGEST = re.compile(r"0x[0-9a-f]{64}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_UNIFIED_REGISTRY_NUMBER = re.compile(r"[0-9A-Z][0-9A-Z-]{3,63}")
TERMS_FIELDS = (
    "registration_number",
    "pledgor",
    "pledgee_name",
    "principal",
    "term_start",
    "term_end",
    "unified_registry_number",
    "unified_registry_certificate_digest",
    "contract_digest",
)
OPTIONAL_TERMS_FIELDS = frozenset({"unified_registry_certificate_digest"})


class PledgeStatus(StrEnum):
    """Standing of a pledge."""

    REQUESTED = "requested"
    """待确认: asked for by the pledgee, not yet confirmed."""
    REJECTED = "rejected"
    """不予登记: refused by the centre."""
    ACTIVE = "active"
    """有效: registered; the certificate cannot be transferred or cancelled."""
    RELEASED = "released"
    """已解除: released by the pledgee (or by the centre on its release document)."""
    EXPIRED = "expired"
    """已到期: its term ended without extension."""


class PledgeStepKind(StrEnum):
    """What was done to a pledge."""

    REQUEST = "request"
    CONSENT = "consent"
    CONFIRM = "confirm"
    REJECT = "reject"
    REQUEST_EXTENSION = "request_extension"
    CONFIRM_EXTENSION = "confirm_extension"
    REJECT_EXTENSION = "reject_extension"
    RELEASE = "release"
    EXPIRE = "expire"


def parse_digest_text(value: object, field_name: str) -> str:
    """A 0x-prefixed keccak-256 or SHA-256 digest in lowercase hex."""
    if not isinstance(value, str):
        raise InvalidFieldError(field_name, "wrong_type", "must be a string")
    text = value.strip().lower()
    if not _DIGEST.fullmatch(text):
        raise InvalidFieldError(field_name, "digest_format", "must be 0x and 64 hex digits")
    return text


def parse_day(value: object, field_name: str) -> date:
    """A date in ISO 8601 form (``2026-04-01``)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise InvalidFieldError(field_name, "date_format", "must be a date like 2026-04-01")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidFieldError(field_name, "date_format", "is not a calendar date") from None


@dataclass(frozen=True)
class Party:
    """A party to a pledge: its name and its code (credit code, or a bank's institution code)."""

    name: str
    code: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "code": self.code}


@dataclass(frozen=True)
class PledgeTerms:
    """What a pledge secures and on what: the fields of the pledge record (质押登记)."""

    registration_number: RegistrationNumber
    pledgor: Party
    """出质人: the certificate's holder, by its unified social credit code."""
    pledgee: Party
    """质权人: the bank, by credit code or financial institution code."""
    principal: Money
    """The secured principal (被担保主债权金额)."""
    term_start: date
    term_end: date
    unified_registry_number: str
    """The registration number at 中登网 (the PBoC Credit Reference Center's unified registry
    of movable-asset financing), where the pledgee registers the pledge."""
    unified_registry_certificate_digest: str | None
    """Digest of the 中登网 registration certificate (登记证明), when given."""
    contract_digest: str
    """Digest of the pledge contract (质押合同)."""

    def __post_init__(self) -> None:
        if self.term_end < self.term_start:
            raise InvalidFieldError(
                "term_end", "term_end_before_start", "must not be before term_start"
            )

    @classmethod
    def parse(cls, data: object, *, pledgee_code: str) -> PledgeTerms:
        """Read a pledge request (the API's JSON) for the pledgee ``pledgee_code``; the first
        invalid field is reported with its path and a code."""
        if not isinstance(data, Mapping):
            raise InvalidFieldError("", "wrong_type", "must be an object")
        for key in data:
            if key not in TERMS_FIELDS:
                raise InvalidFieldError(str(key), "unknown_field", "is not a known field")
        for key in TERMS_FIELDS:
            if key not in data and key not in OPTIONAL_TERMS_FIELDS:
                raise InvalidFieldError(key, "missing_field", "is required")
        pledgor = data["pledgor"]
        if not isinstance(pledgor, Mapping) or set(pledgor) != {"name", "credit_code"}:
            raise InvalidFieldError("pledgor", "wrong_type", "must hold name and credit_code")
        principal = data["principal"]
        if not isinstance(principal, Mapping) or set(principal) != {"amount", "currency"}:
            raise InvalidFieldError("principal", "wrong_type", "must hold amount and currency")
        registry_number = data["unified_registry_number"]
        if not isinstance(registry_number, str) or not _UNIFIED_REGISTRY_NUMBER.fullmatch(
            registry_number.strip().upper()
        ):
            raise InvalidFieldError(
                "unified_registry_number",
                "unified_registry_number_format",
                "must be 4 to 64 letters, digits and hyphens",
            )
        certificate_digest = data.get("unified_registry_certificate_digest")
        return cls(
            registration_number=RegistrationNumber.parse(
                data["registration_number"], "registration_number"
            ),
            pledgor=Party(
                PARTY_NAME.clean(pledgor["name"], "pledgor.name"),
                CreditCode.parse(pledgor["credit_code"], "pledgor.credit_code").value,
            ),
            pledgee=Party(
                PARTY_NAME.clean(data["pledgee_name"], "pledgee_name"),
                parse_institution_code(pledgee_code, "pledgee_code"),
            ),
            principal=Money.parse(principal["amount"], principal["currency"], "principal"),
            term_start=parse_day(data["term_start"], "term_start"),
            term_end=parse_day(data["term_end"], "term_end"),
            unified_registry_number=registry_number.strip().upper(),
            unified_registry_certificate_digest=None
            if certificate_digest is None
            else parse_digest_text(certificate_digest, "unified_registry_certificate_digest"),
            contract_digest=parse_digest_text(data["contract_digest"], "contract_digest"),
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain JSON-ready fields."""
        return {
            "registration_number": str(self.registration_number),
            "pledgor": self.pledgor.to_dict(),
            "pledgee": self.pledgee.to_dict(),
            "principal": {"amount": self.principal.text, "currency": self.principal.currency},
            "term_start": self.term_start.isoformat(),
            "term_end": self.term_end.isoformat(),
            "unified_registry_number": self.unified_registry_number,
            "unified_registry_certificate_digest": self.unified_registry_certificate_digest,
            "contract_digest": self.contract_digest,
        }


@dataclass(frozen=True)
class Consent:
    """The holder's consent (出质人同意) to a request, given with its own key."""

    by: str
    credit_code: str
    at: datetime
    letter_digest: str | None = None
    """Digest of the holder's sealed consent letter, when it gave one."""


@dataclass(frozen=True)
class Extension:
    """An extension (展期) of the term, asked for by the pledgee; confirmed once both confirm
    fields are set."""

    term_end: date
    agreement_digest: str
    """Digest of the extension agreement (展期协议)."""
    requested_by: str
    requested_at: datetime
    consent: Consent | None = None
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None


@dataclass(frozen=True)
class Release:
    """How an active pledge ended: released (解除) or expired."""

    by: str
    at: datetime
    expired: bool
    release_document_digest: str | None = None
    """Digest of the pledgee's release document (解除质押通知书); required from the operator."""
    reason: str | None = None


@dataclass(frozen=True)
class PledgeStep:
    """One step in a pledge's life, as the audit log records it."""

    kind: PledgeStepKind
    actor: str
    at: datetime
    from_status: PledgeStatus
    to_status: PledgeStatus
    details: Mapping[str, JsonValue] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "actor": self.actor,
            "at": self.at.isoformat(),
            "from_status": self.from_status.value,
            "to_status": self.to_status.value,
            "details": thaw(self.details),
        }


_S = PledgeStatus


class Pledge:
    """A pledge of one certificate to one pledgee."""

    def __init__(
        self, pledge_id: str, terms: PledgeTerms, *, requested_by: str, requested_at: datetime
    ) -> None:
        self._id = pledge_id
        self._terms = terms
        self._requested_by = requested_by
        self._requested_at = require_aware(requested_at, "requested_at")
        self._status = PledgeStatus.REQUESTED
        self._consent: Consent | None = None
        self._confirmed_by: str | None = None
        self._confirmed_at: datetime | None = None
        self._priority: int | None = None
        self._extensions: list[Extension] = []
        self._pending_extension: Extension | None = None
        self._release: Release | None = None
        self._steps: list[PledgeStep] = []

    @classmethod
    def request(
        cls,
        pledge_id: str,
        terms: PledgeTerms,
        *,
        certificate: Certificate,
        actor: str,
        at: datetime,
    ) -> Pledge:
        """A new request by the pledgee, on an active certificate of the pledgor's."""
        pledge = cls(pledge_id, terms, requested_by=actor, requested_at=at)
        pledge._check_certificate(certificate, at)
        pledge._step(PledgeStepKind.REQUEST, actor, at, _S.REQUESTED, {"terms": terms.to_dict()})
        return pledge

    # -- reading ---------------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self._id

    @property
    def terms(self) -> PledgeTerms:
        """The terms as requested; :attr:`term_end` includes confirmed extensions."""
        return self._terms

    @property
    def status(self) -> PledgeStatus:
        """The recorded status; see :meth:`status_on` for the status on a given day."""
        return self._status

    @property
    def requested_by(self) -> str:
        return self._requested_by

    @property
    def requested_at(self) -> datetime:
        return self._requested_at

    @property
    def consent(self) -> Consent | None:
        """The holder's consent to the request."""
        return self._consent

    @property
    def confirmed_by(self) -> str | None:
        return self._confirmed_by

    @property
    def confirmed_at(self) -> datetime | None:
        return self._confirmed_at

    @property
    def registered_on(self) -> date | None:
        """The day the centre registered the pledge (its confirmation)."""
        return None if self._confirmed_at is None else local_date(self._confirmed_at)

    @property
    def priority(self) -> int | None:
        """顺位: 1 + the number of pledges of the certificate registered before it."""
        return self._priority

    @property
    def term_end(self) -> date:
        """The last day of the term, moved by the latest confirmed extension."""
        return self._extensions[-1].term_end if self._extensions else self._terms.term_end

    @property
    def extensions(self) -> tuple[Extension, ...]:
        """Confirmed extensions, oldest first."""
        return tuple(self._extensions)

    @property
    def pending_extension(self) -> Extension | None:
        """An extension waiting for confirmation."""
        return self._pending_extension

    @property
    def release(self) -> Release | None:
        """How the pledge ended, once released or expired."""
        return self._release

    @property
    def steps(self) -> tuple[PledgeStep, ...]:
        """Everything done to the pledge, oldest first."""
        return tuple(self._steps)

    def status_on(self, day: date) -> PledgeStatus:
        """The status on ``day``: an active pledge past its term counts as expired."""
        if self._status is PledgeStatus.ACTIVE and day > self.term_end:
            return PledgeStatus.EXPIRED
        return self._status

    # -- steps -----------------------------------------------------------------------------

    def give_consent(self, consent: Consent) -> PledgeStepKind:
        """The holder consents to what waits: the request, or a pending extension. Returns
        ``CONFIRM`` or ``CONFIRM_EXTENSION``: the step the consent allows."""
        if consent.credit_code != self._terms.pledgor.code:
            raise InvalidFieldError(
                "credit_code", "not_the_pledgor", "the consent must come from the pledgor"
            )
        at = consent.at
        if self._status is _S.REQUESTED:
            self._begin(at)
            if self._consent is not None:
                raise AlreadyConsentedError(self._id)
            self._consent = consent
            allows = PledgeStepKind.CONFIRM
        elif self._status is _S.ACTIVE and self._pending_extension is not None:
            self._begin(at)
            if self._pending_extension.consent is not None:
                raise AlreadyConsentedError(self._id)
            self._pending_extension = replace(self._pending_extension, consent=consent)
            allows = PledgeStepKind.CONFIRM_EXTENSION
        else:
            raise IllegalTransitionError(self._status.value, PledgeStepKind.CONSENT.value)
        self._step(
            PledgeStepKind.CONSENT,
            consent.by,
            at,
            self._status,
            {"to": allows.value, "letter_digest": consent.letter_digest},
        )
        return allows

    def confirm(self, by: str, *, at: datetime, certificate: Certificate, priority: int) -> None:
        """Register the pledge (the centre's confirmation) with its priority."""
        self._require(_S.REQUESTED, PledgeStepKind.CONFIRM, at)
        self._check_certificate(certificate, at)
        if priority < 1:
            raise InvalidFieldError("priority", "out_of_range", "must be at least 1")
        self._confirmed_by = by
        self._confirmed_at = at
        self._priority = priority
        self._step(PledgeStepKind.CONFIRM, by, at, _S.ACTIVE, {"priority": priority})

    def reject(self, by: str, reason: str, *, at: datetime) -> None:
        """Refuse the request."""
        self._require(_S.REQUESTED, PledgeStepKind.REJECT, at)
        reason = REASON.clean(reason, "reason")
        self._step(PledgeStepKind.REJECT, by, at, _S.REJECTED, {"reason": reason})

    def request_extension(
        self, by: str, *, at: datetime, term_end: date, agreement_digest: str
    ) -> None:
        """Ask to move the end of the term (展期); confirmed like the pledge."""
        today = self._require_active(PledgeStepKind.REQUEST_EXTENSION, at)
        if self._pending_extension is not None:
            raise ExtensionPendingError(self._id)
        if term_end <= self.term_end:
            raise InvalidFieldError(
                "term_end", "not_later", f"must be after {self.term_end.isoformat()}"
            )
        if term_end < today:
            raise InvalidFieldError("term_end", "term_end_past", "must not be in the past")
        digest = parse_digest_text(agreement_digest, "agreement_digest")
        self._pending_extension = Extension(term_end, digest, by, at)
        self._step(
            PledgeStepKind.REQUEST_EXTENSION,
            by,
            at,
            _S.ACTIVE,
            {"term_end": term_end.isoformat(), "agreement_digest": digest},
        )

    def confirm_extension(self, by: str, *, at: datetime) -> Extension:
        """Confirm the pending extension; the term now ends on its date."""
        self._require_active(PledgeStepKind.CONFIRM_EXTENSION, at)
        pending = self._pending_extension
        if pending is None:
            raise IllegalTransitionError("no_extension", PledgeStepKind.CONFIRM_EXTENSION.value)
        confirmed = replace(pending, confirmed_by=by, confirmed_at=at)
        self._extensions.append(confirmed)
        self._pending_extension = None
        self._step(
            PledgeStepKind.CONFIRM_EXTENSION,
            by,
            at,
            _S.ACTIVE,
            {"term_end": confirmed.term_end.isoformat(), "extension": len(self._extensions)},
        )
        return confirmed

    def reject_extension(self, by: str, reason: str, *, at: datetime) -> None:
        """Refuse the pending extension; the term stays."""
        self._require(_S.ACTIVE, PledgeStepKind.REJECT_EXTENSION, at)
        if self._pending_extension is None:
            raise IllegalTransitionError("no_extension", PledgeStepKind.REJECT_EXTENSION.value)
        reason = REASON.clean(reason, "reason")
        self._pending_extension = None
        self._step(PledgeStepKind.REJECT_EXTENSION, by, at, _S.ACTIVE, {"reason": reason})

    def release_by(
        self,
        by: str,
        *,
        at: datetime,
        release_document_digest: str | None,
        reason: str | None,
    ) -> Release:
        """解除质押: end the pledge; a pending extension lapses with it."""
        self._require(_S.ACTIVE, PledgeStepKind.RELEASE, at)
        release = Release(
            by,
            at,
            expired=False,
            release_document_digest=None
            if release_document_digest is None
            else parse_digest_text(release_document_digest, "release_document_digest"),
            reason=None if reason is None else REASON.clean(reason, "reason"),
        )
        self._end(PledgeStepKind.RELEASE, release, _S.RELEASED)
        return release

    def expire(self, *, at: datetime, actor: str = "system") -> Release:
        """Record that the term ended without extension."""
        self._require(_S.ACTIVE, PledgeStepKind.EXPIRE, at)
        if local_date(at) <= self.term_end:
            raise PledgeNotExpiredError(self.term_end)
        release = Release(actor, at, expired=True)
        self._end(PledgeStepKind.EXPIRE, release, _S.EXPIRED)
        return release

    # -- restoring -------------------------------------------------------------------------

    @classmethod
    def restore(
        cls,
        pledge_id: str,
        terms: PledgeTerms,
        *,
        requested_by: str,
        requested_at: datetime,
        status: PledgeStatus,
        consent: Consent | None,
        confirmed_by: str | None,
        confirmed_at: datetime | None,
        priority: int | None,
        extensions: list[Extension],
        pending_extension: Extension | None,
        release: Release | None,
        steps: list[PledgeStep],
    ) -> Pledge:
        """A pledge exactly as it was stored (``node.domain.pledge_snapshot``)."""
        pledge = cls(pledge_id, terms, requested_by=requested_by, requested_at=requested_at)
        pledge._status = status
        pledge._consent = consent
        pledge._confirmed_by = confirmed_by
        pledge._confirmed_at = confirmed_at
        pledge._priority = priority
        pledge._extensions = list(extensions)
        pledge._pending_extension = pending_extension
        pledge._release = release
        pledge._steps = list(steps)
        return pledge

    # -- machinery -------------------------------------------------------------------------

    def _check_certificate(self, certificate: Certificate, at: datetime) -> None:
        """The certificate is the terms' one, active on ``at``'s day and held by the pledgor,
        and the term has not ended already."""
        today = local_date(require_aware(at))
        if certificate.registration_number != self._terms.registration_number:
            raise InvalidFieldError(
                "registration_number", "certificate_mismatch", "names another certificate"
            )
        status = certificate.status_on(today)
        if status is not CertificateStatus.ACTIVE:
            raise InvalidFieldError(
                "registration_number",
                "certificate_not_active",
                f"certificate {certificate.registration_number} is {status.value}",
            )
        if certificate.holder.credit_code.value != self._terms.pledgor.code:
            raise InvalidFieldError(
                "pledgor.credit_code",
                "pledgor_not_holder",
                f"is not the holder of {certificate.registration_number}",
            )
        if self.term_end < today:
            raise InvalidFieldError("term_end", "term_end_past", "the term has ended already")

    def _begin(self, at: datetime) -> None:
        require_aware(at)
        if self._steps and at < self._steps[-1].at:
            raise TimeOrderError(at, self._steps[-1].at)

    def _require(self, status: PledgeStatus, kind: PledgeStepKind, at: datetime) -> None:
        if self._status is not status:
            raise IllegalTransitionError(self._status.value, kind.value)
        self._begin(at)

    def _require_active(self, kind: PledgeStepKind, at: datetime) -> date:
        """Refuse ``kind`` unless the pledge is active on ``at``'s day (not past its term)."""
        self._require(_S.ACTIVE, kind, at)
        today = local_date(at)
        effective = self.status_on(today)
        if effective is not _S.ACTIVE:
            raise IllegalTransitionError(effective.value, kind.value)
        return today

    def _end(self, kind: PledgeStepKind, release: Release, status: PledgeStatus) -> None:
        self._release = release
        self._pending_extension = None
        details: dict[str, object] = {
            "release_document_digest": release.release_document_digest,
            "reason": release.reason,
            "term_end": self.term_end.isoformat(),
        }
        self._step(kind, release.by, release.at, status, details)

    def _step(
        self,
        kind: PledgeStepKind,
        actor: str,
        at: datetime,
        to_status: PledgeStatus,
        details: Mapping[str, object],
    ) -> None:
        actor = PARTY_NAME.clean(actor, "actor")
        step = PledgeStep(kind, actor, at, self._status, to_status, freeze_mapping(details))
        self._steps.append(step)
        self._status = to_status
