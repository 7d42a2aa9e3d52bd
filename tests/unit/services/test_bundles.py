"""The bundle of an issued certificate, once its batch is confirmed."""

from __future__ import annotations

import json

import pytest

from node.documents.canonical import digest_hex
from node.documents.merkle import StandardMerkleTree
from node.errors import ConfigurationError
from node.services.bundles import BundleService, NotAnchoredYetError
from node.services.context import NodeContext
from node.store.records import BatchLeaf
from node.verification.ports import ConsortiumAddresses
from tests.unit.services.conftest import DOMAIN, SAMPLES, Node

CONSORTIUM = ConsortiumAddresses(
    centre_registry="0x" + "11" * 20,
    anchor_registry=DOMAIN.verifying_contract,
    certificate_registry="0x" + "22" * 20,
)


def _service(node: Node) -> BundleService:
    fields = {name: getattr(node.context, name) for name in NodeContext.__dataclass_fields__}
    return BundleService(NodeContext(**fields | {"consortium": CONSORTIUM}))


def test_the_bundle_carries_the_signed_document_and_its_confirmed_anchor(node: Node) -> None:
    application_id = node.through_notice(SAMPLES[0])
    node.after_notice()
    issued = node.issuance.issue("issuer", application_id)
    number = str(issued.certificate.registration_number)
    service = _service(node)
    with pytest.raises(NotAnchoredYetError):
        service.bundle(number)

    with node.store.uow() as uow:
        jobs = uow.anchors.pending()
        tree = StandardMerkleTree.of([[job.digest] for job in jobs], ["bytes32"])
        leaves = [BatchLeaf(job.id, i, tuple(tree.proof(i))) for i, job in enumerate(jobs)]
        batch = uow.anchors.create_batch(tree.root, "0x" + "33" * 20, leaves)
        uow.anchors.mark_sent(batch.id, raw_tx=b"\x02raw", tx_hash=b"\x44" * 32, nonce=0)
        uow.anchors.mark_confirmed(batch.id, block_number=7, block_hash=b"\x55" * 32)
        uow.commit()

    bundle = service.bundle(number)
    assert bundle.document == json.loads(issued.document.canonical)
    assert bundle.digest == digest_hex(issued.document.digest)
    assert bundle.anchor.root == digest_hex(tree.root)
    assert bundle.anchor.block_number == 7
    assert bundle.anchor.certificate_registry == CONSORTIUM.certificate_registry
    index = [job.digest for job in jobs].index(issued.document.digest)
    assert bundle.anchor.proof == [digest_hex(step) for step in tree.proof(index)]


def test_a_node_without_a_deployment_cannot_name_its_contracts(node: Node) -> None:
    with pytest.raises(ConfigurationError):
        BundleService(node.context).bundle("370200-2026-000001-1")
