"""The public certificate bundle, assembled once the certificate's anchor is confirmed."""

from __future__ import annotations

import json

from node.documents.bundle import CertificateBundle, certificate_bundle
from node.documents.schemas import CertificateDocument, parse_document
from node.domain.identifiers import RegistrationNumber
from node.errors import ConfigurationError, DomainError
from node.services.context import NodeContext
from node.store.records import AnchorJobStatus


class NotAnchoredYetError(DomainError):
    """The certificate's batch is not confirmed on chain yet; ask again shortly."""

    code = "certificate_not_anchored_yet"


class BundleService:
    """Builds the bundle a holder hands to a bank and a verifier checks from the chain."""

    def __init__(self, context: NodeContext) -> None:
        self._context = context

    def bundle(self, registration_number: str) -> CertificateBundle:
        """The bundle of the current certificate document of ``registration_number``."""
        consortium = self._context.consortium
        if consortium is None:
            raise ConfigurationError("this node has no deployment: it cannot name its contracts")
        number = RegistrationNumber.parse(registration_number)
        with self._context.unit_of_work() as uow:
            record = uow.certificates.record(number)
            stored = uow.documents.get_by_digest(record.document_digest)
            job = uow.anchors.job_for_document(stored.id)
            if job.status is not AnchorJobStatus.CONFIRMED or job.batch_id is None:
                raise NotAnchoredYetError(f"certificate {number} is not anchored yet")
            batch = uow.anchors.get_batch(job.batch_id)
        document = parse_document(json.loads(stored.canonical))
        assert isinstance(document, CertificateDocument)
        assert stored.signature is not None and job.proof is not None
        assert batch.tx_hash is not None and batch.block_number is not None
        return certificate_bundle(
            document,
            signature=stored.signature,
            domain=self._context.signer.domain,
            root=batch.root,
            proof=job.proof,
            leaf_index=job.leaf_index,
            transaction_hash=batch.tx_hash,
            block_number=batch.block_number,
            certificate_registry=consortium.certificate_registry,
            centre_registry=consortium.centre_registry,
        )
