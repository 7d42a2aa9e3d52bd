"""Verify a certificate bundle against the chain: the entry point of CLI, API and web page."""

from __future__ import annotations

from datetime import date

from node.documents.bundle import CertificateBundle, parse_bundle
from node.documents.canonical import document_digest, parse_digest
from node.domain.errors import InvalidFieldError
from node.verification.checks import (
    check_anchor,
    check_centre,
    check_digest,
    check_pledges,
    check_recognition,
    check_schema,
    check_signature,
    check_status,
    check_validity,
    failed,
    list_pledges,
)
from node.verification.ports import ChainFacts
from node.verification.report import (
    CheckName,
    CheckResult,
    Outcome,
    PledgeListing,
    VerificationReport,
)

NOT_CHECKED = tuple(
    CheckResult(name, Outcome.SKIPPED, "not checked: the bundle is malformed")
    for name in CheckName
    if name is not CheckName.SCHEMA
)
"""Steps 2 to 9 of a bundle that fails step 1."""


def verify_bundle(
    bundle: CertificateBundle,
    chain: ChainFacts,
    *,
    today: date,
    as_centre_id: int | None = None,
) -> VerificationReport:
    """Run every check on ``bundle`` against ``chain`` at its pinned block.

    A document that is not a well-formed certificate stops after step 1; past
    that, every step runs and reports on its own. ``as_centre_id`` names the
    peer centre verifying (step 9). A chain that does not answer raises
    :class:`~node.errors.ChainError`: no report is better than a wrong one.
    """
    schema, document = check_schema(bundle)
    if document is None:
        return _report(chain, today, None, (schema, *NOT_CHECKED), ())
    digest = document_digest(bundle.document)
    root = parse_digest(bundle.anchor.root)
    proof = [parse_digest(step) for step in bundle.anchor.proof]
    anchor = chain.anchor_of(root)
    issuer_id = chain.key_period(document.centre.signer).centre_id
    pledges = list_pledges(document, chain)
    checks = (
        schema,
        check_digest(bundle, digest),
        check_signature(bundle, document, digest, chain),
        check_centre(document, issuer_id, anchor, bundle, chain),
        check_anchor(bundle, digest, root, proof, anchor, issuer_id, chain),
        check_status(bundle, document, issuer_id, chain),
        check_validity(document, today),
        check_pledges(pledges),
        check_recognition(issuer_id, as_centre_id, chain),
    )
    return _report(chain, today, document.registration_number, checks, pledges, issuer_id=issuer_id)


def verify_bundle_json(
    data: bytes | str,
    chain: ChainFacts,
    *,
    today: date,
    as_centre_id: int | None = None,
) -> VerificationReport:
    """:func:`verify_bundle` of a bundle file's bytes; a malformed bundle fails step 1."""
    try:
        bundle = parse_bundle(data)
    except InvalidFieldError as error:
        schema = failed(CheckName.SCHEMA, f"{error.field}: {error.detail}")
        return _report(chain, today, None, (schema, *NOT_CHECKED), ())
    return verify_bundle(bundle, chain, today=today, as_centre_id=as_centre_id)


def _report(
    chain: ChainFacts,
    today: date,
    registration_number: str | None,
    checks: tuple[CheckResult, ...],
    pledges: tuple[PledgeListing, ...],
    *,
    issuer_id: int = 0,
) -> VerificationReport:
    return VerificationReport(
        chain_id=chain.chain_id,
        block_number=chain.block_number,
        addresses=chain.addresses,
        checked_on=today,
        registration_number=registration_number,
        checks=checks,
        pledges=pledges,
        issuer_id=issuer_id,
    )
