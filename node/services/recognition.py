"""互认备案: a holder presents another centre's certificate here, and this centre records that
it recognises it.

This centre verifies the bundle from the chain alone, as itself (step 9 checks
that it declared it recognises the issuing centre), never by asking the issuing
node. It then signs a recognition document and anchors it like every document
of its own, and tells the issuing centre with a request signed by its chain
key; the issuing centre checks that request and the document and records them
in its event log. The issuer stays the centre of record: the chain still shows
the certificate as the issuer's. A notice that cannot be delivered (the issuing
node is down) leaves the filing in place; the chain suffices.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from node.chain.consortium import ConsortiumSnapshot
from node.documents.bundle import CertificateBundle
from node.documents.canonical import canonical_json, digest_hex, keccak256, parse_digest
from node.documents.kinds import DocumentKind
from node.documents.schemas import (
    CertificateDocument,
    ChainPoint,
    IssuerFields,
    RecognitionDocument,
    parse_document,
)
from node.documents.signing import SignatureError, SignedFields, verify_signature
from node.domain.errors import InvalidFieldError
from node.domain.identifiers import RegistrationNumber
from node.services.context import NodeContext
from node.services.errors import RecognitionRefusedError
from node.services.peer_requests import PeerCaller
from node.services.recording import record_document
from node.services.standing import require_standing
from node.store.errors import AlreadyExistsError
from node.store.records import StoredDocument
from node.verification.report import Outcome, VerificationReport

Verify = Callable[[CertificateBundle, int], VerificationReport]
"""Verify a bundle from the chain as the centre of the given id (step 9 included)."""


@dataclass(frozen=True)
class FilingNotice:
    """What the filing centre sends the issuing centre: its signed recognition document."""

    registration_number: str
    document: bytes
    """The recognition document's canonical JSON."""
    signature: bytes

    def to_json(self) -> bytes:
        """The body of the peer request."""
        return canonical_json(
            {
                "registration_number": self.registration_number,
                "document": json.loads(self.document),
                "signature": "0x" + self.signature.hex(),
            }
        )


Notify = Callable[[str, int, FilingNotice], str | None]
"""``(issuer endpoint, issuer centre id, notice)``: deliver the notice; None when delivered,
else why not."""


@dataclass(frozen=True)
class Filing:
    """A recognition filed here, and whether the issuing centre was told."""

    document: StoredDocument
    recognition: RecognitionDocument
    report: VerificationReport
    issuer_notified: bool
    notice_error: str | None


@dataclass(frozen=True)
class ReceivedFiling:
    """A peer centre's recognition of one of this centre's certificates, as recorded here."""

    registration_number: str
    centre_id: int
    digest: bytes
    log_seq: int


class RecognitionService:
    """Filing recognitions here, and receiving other centres' filings of this centre's
    certificates."""

    def __init__(
        self,
        context: NodeContext,
        *,
        verify: Verify,
        consortium: Callable[[], ConsortiumSnapshot],
        notify: Notify,
    ) -> None:
        self._context = context
        self._verify = verify
        self._consortium = consortium
        self._notify = notify

    def file(self, actor: str, bundle: CertificateBundle) -> Filing:
        """Verify another centre's certificate as this centre, record and anchor the
        recognition, then tell the issuing centre."""
        context = self._context
        standing = require_standing(context)
        if standing is None:
            raise RecognitionRefusedError("this node has no chain to verify the certificate on")
        report = self._verify(bundle, standing.centre_id)
        failed = [check for check in report.checks if check.outcome is Outcome.FAILED]
        if failed:
            reasons = "; ".join(f"{check.name.value}: {check.reason}" for check in failed)
            raise RecognitionRefusedError(f"the certificate does not verify: {reasons}")
        if report.issuer_id == standing.centre_id:
            raise RecognitionRefusedError("the certificate is this centre's own")
        certificate = parse_document(bundle.document)
        assert isinstance(certificate, CertificateDocument)  # it verified
        issuer = self._consortium().centre(report.issuer_id)
        assert issuer is not None  # it verified: the centre exists
        number = certificate.registration_number
        now = context.clock.now()
        recognition = RecognitionDocument(
            subject=number,
            centre=context.centre_ref,
            created_at=now.isoformat(),
            registration_number=number,
            certificate_id=certificate.certificate_id,
            certificate_digest=bundle.digest,
            asset_key=certificate.asset_key,
            issuer=IssuerFields(
                centre_id=issuer.id,
                region_code=f"{issuer.region_code:06d}",
                name=issuer.name,
                signer=certificate.centre.signer,
            ),
            holder=certificate.holder,
            verified_on=ChainPoint(
                chain_id=report.chain_id,
                block_number=report.block_number,
                centre_registry=report.addresses.centre_registry,
            ),
            warnings=[check.reason for check in report.warnings],
            filed_by=actor,
            filed_at=now.isoformat(),
        )
        with context.unit_of_work() as uow:
            if any(
                document.kind is DocumentKind.RECOGNITION
                for document in uow.documents.list_by_subject(number)
            ):
                raise AlreadyExistsError("recognition", number)
            stored = record_document(uow, context, recognition)
            uow.events.append(
                actor,
                "recognition.filed",
                number,
                {"issuer_centre_id": issuer.id, "digest": digest_hex(stored.digest)},
            )
            uow.commit()
        assert stored.signature is not None
        notice = FilingNotice(number, stored.canonical, stored.signature)
        error = self._notify(issuer.endpoint, issuer.id, notice)
        outcome = "issuer_notified" if error is None else "issuer_not_notified"
        with context.unit_of_work() as uow:
            uow.events.append(
                actor,
                f"recognition.{outcome}",
                number,
                {"issuer_centre_id": issuer.id, "error": error},
            )
            uow.commit()
        return Filing(stored, recognition, report, error is None, error)

    def receive(self, caller: PeerCaller, notice: FilingNotice) -> ReceivedFiling:
        """Record that a peer centre recognised one of this centre's certificates, after
        checking that its document is about that certificate and signed by its key."""
        number = str(RegistrationNumber.parse(notice.registration_number, "registration_number"))
        document = parse_document(json.loads(notice.document))
        if not isinstance(document, RecognitionDocument):
            raise InvalidFieldError("document.kind", "document_schema", "must be a recognition")
        if document.registration_number != number:
            raise InvalidFieldError("document.registration_number", "mismatch", f"must be {number}")
        digest = keccak256(canonical_json(json.loads(notice.document)))
        fields = SignedFields(
            kind=document.kind.value,
            subject=document.subject,
            digest=digest,
            schema_version=document.schema_version,
        )
        try:
            verify_signature(self._context.signer.domain, fields, notice.signature, caller.key)
        except SignatureError as error:
            raise InvalidFieldError("signature", "signature_invalid", str(error)) from None
        with self._context.unit_of_work() as uow:
            record = uow.certificates.record(number)
            if parse_digest(document.certificate_id) != record.certificate_id:
                raise InvalidFieldError(
                    "document.certificate_id", "mismatch", f"is not the id of {number}"
                )
            entry = uow.events.append(
                caller.actor,
                "certificate.recognised_by_peer",
                number,
                {
                    "centre_id": caller.centre_id,
                    "centre_name": caller.name,
                    "digest": digest_hex(digest),
                    "filed_at": document.filed_at,
                },
            )
            uow.commit()
        return ReceivedFiling(number, caller.centre_id, digest, entry.seq)
