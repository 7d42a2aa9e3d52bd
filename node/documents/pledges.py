"""Pledge documents built from a pledge: its record, each extension, and its end."""

from __future__ import annotations

from datetime import datetime

from node.documents.canonical import digest_hex
from node.documents.ids import certificate_id_of, pledge_id_of, pledgee_digest_of
from node.documents.schemas import (
    CentreRef,
    ConsentFields,
    MoneyFields,
    PledgeDocument,
    PledgeeFields,
    PledgeReleaseDocument,
    PledgorFields,
)
from node.domain.errors import InvalidFieldError
from node.domain.pledge import Consent, Pledge


def _hex(digest: bytes | None) -> str | None:
    return None if digest is None else digest_hex(digest)


def _consent(consent: Consent | None) -> ConsentFields | None:
    if consent is None:
        return None
    return ConsentFields(
        consented_by=consent.by,
        credit_code=consent.credit_code,
        consented_at=consent.at.isoformat(),
        letter_digest=consent.letter_digest,
    )


def pledge_document(
    pledge: Pledge,
    *,
    centre: CentreRef,
    created_at: datetime,
    previous_digest: bytes | None,
    extends: bytes | None = None,
) -> PledgeDocument:
    """The record of a confirmed pledge; with ``extends`` (the record's digest), the record of
    its latest extension, linked to the first."""
    terms = pledge.terms
    extension = None
    if extends is not None:
        if not pledge.extensions:
            raise InvalidFieldError("extends", "no_extension", "the pledge has no extension")
        extension = pledge.extensions[-1]
    source = pledge if extension is None else extension
    confirmed_by, confirmed_at = source.confirmed_by, source.confirmed_at
    if pledge.priority is None or pledge.registered_on is None:
        raise InvalidFieldError("pledge", "not_confirmed", "the pledge is not registered")
    if confirmed_by is None or confirmed_at is None:
        raise InvalidFieldError("pledge", "not_confirmed", "the record is not confirmed")
    number = str(terms.registration_number)
    return PledgeDocument(
        subject=pledge.id,
        centre=centre,
        created_at=created_at.isoformat(),
        previous_digest=_hex(previous_digest),
        pledge_id=pledge.id,
        chain_pledge_id=digest_hex(pledge_id_of(pledge.id)),
        registration_number=number,
        certificate_id=digest_hex(certificate_id_of(number)),
        pledgor=PledgorFields(name=terms.pledgor.name, credit_code=terms.pledgor.code),
        pledgee=PledgeeFields(name=terms.pledgee.name, code=terms.pledgee.code),
        pledgee_digest=digest_hex(pledgee_digest_of(terms.pledgee.code)),
        principal=MoneyFields(amount=terms.principal.text, currency=terms.principal.currency),
        term_start=terms.term_start.isoformat(),
        term_end=(terms.term_end if extension is None else extension.term_end).isoformat(),
        unified_registry_number=terms.unified_registry_number,
        unified_registry_certificate_digest=terms.unified_registry_certificate_digest,
        contract_digest=terms.contract_digest,
        registered_on=pledge.registered_on.isoformat(),
        priority=pledge.priority,
        requested_by=source.requested_by,
        requested_at=source.requested_at.isoformat(),
        confirmed_by=confirmed_by,
        confirmed_at=confirmed_at.isoformat(),
        consent=_consent(source.consent),
        extension=0 if extension is None else len(pledge.extensions),
        extends=_hex(extends),
        agreement_digest=None if extension is None else extension.agreement_digest,
    )


def pledge_release_document(
    pledge: Pledge,
    *,
    centre: CentreRef,
    created_at: datetime,
    previous_digest: bytes | None,
    record_digest: bytes,
) -> PledgeReleaseDocument:
    """The end of a released or expired pledge, citing its record."""
    release = pledge.release
    if release is None:
        raise InvalidFieldError("pledge", "not_ended", "the pledge is neither released nor expired")
    number = str(pledge.terms.registration_number)
    return PledgeReleaseDocument(
        subject=pledge.id,
        centre=centre,
        created_at=created_at.isoformat(),
        previous_digest=_hex(previous_digest),
        pledge_id=pledge.id,
        chain_pledge_id=digest_hex(pledge_id_of(pledge.id)),
        registration_number=number,
        certificate_id=digest_hex(certificate_id_of(number)),
        record_digest=digest_hex(record_digest),
        cause="expired" if release.expired else "released",
        released_by=release.by,
        released_at=release.at.isoformat(),
        term_end=pledge.term_end.isoformat(),
        release_document_digest=release.release_document_digest,
        reason=release.reason,
    )
