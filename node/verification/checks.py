"""The nine checks of DESIGN section 5, each returning its own result and reason.

The checks take what earlier steps established (the recomputed digest, the
issuing centre, the anchor) as arguments rather than trusting the bundle's
claims, so each one can fail on its own while the others still report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from eth_utils.address import to_checksum_address

from node.chain.types import Anchor, Centre, CentreStatus, CertificateStatus
from node.documents.bundle import CertificateBundle
from node.documents.canonical import digest_hex, parse_digest
from node.documents.ids import certificate_id_of
from node.documents.merkle import leaf_of_digest, process_proof
from node.documents.schemas import CertificateDocument, parse_document
from node.documents.signing import SignatureError, SignedFields, recover_signer
from node.domain.errors import InvalidFieldError
from node.domain.identifiers import RegistrationNumber
from node.verification.ports import ChainFacts
from node.verification.report import CheckName, CheckResult, Outcome, PledgeListing


def passed(name: CheckName, reason: str) -> CheckResult:
    return CheckResult(name, Outcome.PASSED, reason)


def failed(name: CheckName, reason: str) -> CheckResult:
    return CheckResult(name, Outcome.FAILED, reason)


def check_schema(bundle: CertificateBundle) -> tuple[CheckResult, CertificateDocument | None]:
    """Step 1: the document is a well-formed certificate whose derived fields agree."""
    name = CheckName.SCHEMA
    try:
        document = parse_document(bundle.document)
    except InvalidFieldError as error:
        return failed(name, f"{error.field}: {error.detail}"), None
    if not isinstance(document, CertificateDocument):
        return failed(
            name, f"document.kind: a bundle carries a certificate, not a {document.kind}"
        ), None
    problem = _certificate_problem(bundle, document)
    if problem is not None:
        return failed(name, problem), None
    return passed(
        name, f"a valid certificate document, schema version {document.schema_version}"
    ), document


def _certificate_problem(bundle: CertificateBundle, document: CertificateDocument) -> str | None:
    number = document.registration_number
    try:
        RegistrationNumber.parse(number, "document.registration_number")
    except InvalidFieldError as error:
        return f"{error.field}: {error.detail}"
    if document.subject != number:
        return "document.subject: differs from the registration number"
    if document.certificate_id != digest_hex(certificate_id_of(number)):
        return "document.certificate_id: is not the keccak-256 of the registration number"
    try:
        issued_on = date.fromisoformat(document.issued_on)
        valid_until = date.fromisoformat(document.valid_until)
    except ValueError as error:
        return f"document.issued_on/valid_until: not a calendar date ({error})"
    if valid_until < issued_on:
        return "document.valid_until: is before issued_on"
    if not _same_address(bundle.signer, document.centre.signer):
        return "signer: differs from the document's centre.signer"
    return None


def check_digest(bundle: CertificateBundle, digest: bytes) -> CheckResult:
    """Step 2: the RFC 8785 keccak-256 digest recomputed from the document is the bundle's."""
    name = CheckName.DIGEST
    if parse_digest(bundle.digest) != digest:
        return failed(
            name,
            f"the document hashes to {digest_hex(digest)}, the bundle states {bundle.digest}: "
            "the document is not the one that was issued",
        )
    return passed(name, f"the document hashes to {bundle.digest}")


def check_signature(
    bundle: CertificateBundle, document: CertificateDocument, digest: bytes, chain: ChainFacts
) -> CheckResult:
    """Step 3: the EIP-712 signature, under this chain's domain, recovers the named signer."""
    name = CheckName.SIGNATURE
    domain = bundle.domain
    anchor = bundle.anchor
    if domain.chain_id != anchor.chain_id or not _same_address(
        domain.verifying_contract, anchor.anchor_registry
    ):
        return failed(
            name,
            f"signed for chain {domain.chain_id} and registry {domain.verifying_contract}, "
            f"but anchored on chain {anchor.chain_id} in registry {anchor.anchor_registry}",
        )
    if domain.chain_id != chain.chain_id or not _same_address(
        domain.verifying_contract, chain.addresses.anchor_registry
    ):
        return failed(
            name,
            f"signed for chain {domain.chain_id} and registry {domain.verifying_contract}, "
            f"but the chain read is {chain.chain_id} with registry "
            f"{chain.addresses.anchor_registry}",
        )
    fields = SignedFields(
        kind=document.kind.value,
        subject=document.subject,
        digest=digest,
        schema_version=document.schema_version,
    )
    try:
        signer = recover_signer(
            domain.signing_domain(), fields, bytes.fromhex(bundle.signature[2:])
        )
    except SignatureError as error:
        return failed(name, str(error))
    expected = to_checksum_address(document.centre.signer)
    if signer != expected:
        return failed(name, f"the signature recovers {signer}, not the centre's key {expected}")
    return passed(name, f"signed by {signer} for chain {domain.chain_id}")


def check_centre(
    document: CertificateDocument,
    issuer_id: int,
    anchor: Anchor,
    bundle: CertificateBundle,
    chain: ChainFacts,
) -> CheckResult:
    """Step 4: the signer is a centre's key, at issue and now active, of the document's region.

    A centre suspended or removed after it anchored the certificate leaves the
    certificate valid with a warning naming the status and when it changed; one
    that anchored while not active (which the contracts refuse) fails.
    """
    name = CheckName.CENTRE
    key = to_checksum_address(document.centre.signer)
    if not _same_address(bundle.anchor.centre_registry, chain.addresses.centre_registry):
        return failed(
            name,
            f"the bundle names CentreRegistry {bundle.anchor.centre_registry}, "
            f"the consortium read is {chain.addresses.centre_registry}",
        )
    if issuer_id == 0:
        return failed(name, f"{key} is not the key of any centre on chain {chain.chain_id}")
    centre = chain.centre(issuer_id)
    region = f"{centre.region_code:06d}"
    label = f"centre #{centre.id} {centre.name} ({region})"
    problems: list[str] = []
    inactive = centre.status is not CentreStatus.ACTIVE
    if inactive and not (anchor.exists and anchor.block_number < centre.status_changed_block):
        problems.append(
            f"{label} is {_status_since(centre, chain)}, "
            "and the certificate was not anchored before that"
        )
    if not anchor.exists:
        problems.append("its key at issue cannot be checked: the bundle's root is not anchored")
    elif not chain.was_key_of(key, issuer_id, anchor.block_number):
        problems.append(
            f"{key} was not the key of {label} at the anchoring block {anchor.block_number}"
        )
    if document.centre.region_code != region:
        problems.append(
            f"the document names region {document.centre.region_code}, {label} is {region}"
        )
    if not document.registration_number.startswith(region):
        problems.append(
            f"registration number {document.registration_number} is not of region {region}"
        )
    if problems:
        return failed(name, "; ".join(problems))
    if inactive:
        return CheckResult(
            name,
            Outcome.WARNING,
            f"{label} is {_status_since(centre, chain)}: it can issue nothing new; "
            f"{key} was its key when this certificate was anchored at block "
            f"{anchor.block_number}, before that, so the certificate remains valid",
        )
    return passed(
        name,
        f"{key} is the key of {label}, active at block {chain.block_number} "
        f"and its key when the batch was anchored at block {anchor.block_number}",
    )


def _status_since(centre: Centre, chain: ChainFacts) -> str:
    """E.g. ``suspended since block 57 (2026-03-01T08:00:00+00:00)``."""
    block = centre.status_changed_block
    timestamp = chain.block_timestamp(block)
    when = "" if timestamp is None else f" ({datetime.fromtimestamp(timestamp, UTC).isoformat()})"
    return f"{centre.status.name.lower()} since block {block}{when}"


def check_anchor(
    bundle: CertificateBundle,
    digest: bytes,
    root: bytes,
    proof: Sequence[bytes],
    anchor: Anchor,
    issuer_id: int,
    chain: ChainFacts,
) -> CheckResult:
    """Step 5: the proof leads from the digest to a root that the signing centre anchored."""
    name = CheckName.ANCHOR
    claimed = bundle.anchor
    if not _same_address(claimed.anchor_registry, chain.addresses.anchor_registry):
        return failed(
            name,
            f"the bundle names AnchorRegistry {claimed.anchor_registry}, "
            f"the consortium read is {chain.addresses.anchor_registry}",
        )
    if not anchor.exists:
        return failed(name, f"root {claimed.root} is not anchored (at block {chain.block_number})")
    leaf = leaf_of_digest(digest)
    if anchor.leaf_count == 0:
        if root != digest or proof:
            return failed(name, f"{claimed.root} is a single anchored digest, not this document's")
    elif process_proof(leaf, proof) != root:
        return failed(
            name, f"the proof does not lead from the document's leaf to root {claimed.root}"
        )
    elif not chain.verify_leaf(root, proof, leaf):
        return failed(name, "the AnchorRegistry rejects the proof")
    if anchor.centre_id != issuer_id:
        return failed(
            name,
            f"root {claimed.root} was anchored by centre #{anchor.centre_id}, "
            "not by the signing centre",
        )
    if anchor.block_number != claimed.block_number:
        return failed(
            name,
            f"anchored at block {anchor.block_number}, "
            f"not at block {claimed.block_number} as the bundle says",
        )
    if claimed.leaf_index is not None and claimed.leaf_index >= max(anchor.leaf_count, 1):
        return failed(
            name, f"leaf index {claimed.leaf_index} is outside a batch of {anchor.leaf_count}"
        )
    when = datetime.fromtimestamp(anchor.timestamp, UTC).isoformat()
    return passed(
        name,
        f"anchored by centre #{anchor.centre_id} at block {anchor.block_number} ({when})"
        + (f" in a batch of {anchor.leaf_count}" if anchor.leaf_count else " as a single digest"),
    )


def check_status(
    bundle: CertificateBundle, document: CertificateDocument, issuer_id: int, chain: ChainFacts
) -> CheckResult:
    """Step 6: the certificate is registered active by the signing centre for this asset."""
    name = CheckName.STATUS
    if not _same_address(bundle.anchor.certificate_registry, chain.addresses.certificate_registry):
        return failed(
            name,
            f"the bundle names CertificateRegistry {bundle.anchor.certificate_registry}, "
            f"the consortium read is {chain.addresses.certificate_registry}",
        )
    record = chain.certificate(parse_digest(document.certificate_id))
    if record.status is CertificateStatus.NONE:
        return failed(name, f"{document.registration_number} is not registered on chain")
    if record.status is not CertificateStatus.ACTIVE:
        successor = (
            f" by {digest_hex(record.superseded_by)}"
            if record.status is CertificateStatus.SUPERSEDED
            else ""
        )
        return failed(
            name,
            f"{record.status.name.lower()}{successor} at block {record.status_block} "
            f"(decision {digest_hex(record.decision_digest)})",
        )
    if record.issuer_id != issuer_id:
        return failed(name, f"registered by centre #{record.issuer_id}, not by the signing centre")
    if digest_hex(record.asset_key) != document.asset_key:
        return failed(
            name, f"registered for asset key {digest_hex(record.asset_key)}, not the document's"
        )
    return passed(
        name, f"active, registered by centre #{record.issuer_id} at block {record.registered_block}"
    )


def check_validity(document: CertificateDocument, today: date) -> CheckResult:
    """Step 7: ``today`` lies within issued_on .. valid_until (both inclusive)."""
    name = CheckName.VALIDITY
    issued_on = date.fromisoformat(document.issued_on)
    valid_until = date.fromisoformat(document.valid_until)
    if today < issued_on:
        return failed(
            name, f"not valid before {issued_on.isoformat()} (today is {today.isoformat()})"
        )
    if today > valid_until:
        return failed(
            name, f"expired after {valid_until.isoformat()} (today is {today.isoformat()})"
        )
    return passed(name, f"valid from {issued_on.isoformat()} to {valid_until.isoformat()}")


def list_pledges(document: CertificateDocument, chain: ChainFacts) -> tuple[PledgeListing, ...]:
    """The certificate's active pledges in on-chain priority order."""
    listings = []
    for pledge_id in chain.active_pledges(parse_digest(document.certificate_id)):
        pledge = chain.pledge(pledge_id)
        listings.append(
            PledgeListing(
                pledge_id=digest_hex(pledge_id),
                priority=pledge.priority,
                record_digest=digest_hex(pledge.record_digest),
                pledgee_digest=digest_hex(pledge.pledgee_digest),
                registered_block=pledge.registered_block,
            )
        )
    return tuple(listings)


def check_pledges(pledges: Sequence[PledgeListing]) -> CheckResult:
    """Step 8 (informational): the active pledges, which a new pledgee ranks behind."""
    name = CheckName.PLEDGES
    if not pledges:
        return passed(name, "no active pledge")
    listed = "; ".join(
        f"priority {p.priority}: pledge {p.pledge_id} "
        f"(record {p.record_digest}, block {p.registered_block})"
        for p in pledges
    )
    return passed(name, f"{len(pledges)} active pledge(s) in priority order: {listed}")


def check_recognition(issuer_id: int, as_centre_id: int | None, chain: ChainFacts) -> CheckResult:
    """Step 9: when verifying as a peer centre, it recognises (互认) the issuing centre."""
    name = CheckName.RECOGNITION
    if as_centre_id is None:
        return CheckResult(name, Outcome.SKIPPED, "not verifying as a peer centre")
    if chain.centre(as_centre_id).status is CentreStatus.NONE:
        return failed(name, f"centre #{as_centre_id} does not exist")
    if issuer_id == 0:
        return failed(name, "the issuing centre is unknown")
    if as_centre_id == issuer_id:
        return passed(name, f"centre #{as_centre_id} is the issuing centre")
    if not chain.recognises(as_centre_id, issuer_id):
        return failed(name, f"centre #{as_centre_id} does not recognise centre #{issuer_id}")
    return passed(name, f"centre #{as_centre_id} recognises centre #{issuer_id}")


def _same_address(a: str, b: str) -> bool:
    return a.lower() == b.lower()
