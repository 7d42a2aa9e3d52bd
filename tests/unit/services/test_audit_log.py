"""Anchoring the audit log's head."""

from __future__ import annotations

import json

from node.documents.canonical import digest_hex
from node.services.audit_log import LOG_SUBJECT, AuditLogService
from tests.unit.services.conftest import SAMPLES, Node


def test_the_head_is_anchored_once_per_new_entry(node: Node) -> None:
    service = AuditLogService(node.context)
    assert service.anchor_head() is None
    node.applications.apply("applicant-1", SAMPLES[0])
    first = service.anchor_head()
    assert first is not None
    with node.store.uow() as uow:
        head = uow.events.head()
        assert head is not None and (first.seq, first.hash) == (head.seq, head.hash)
        [document] = uow.documents.list_by_subject(LOG_SUBJECT)
        assert uow.anchors.job_for_document(document.id).id == first.anchor_job_id
    body = json.loads(document.canonical)
    assert (body["seq"], body["hash"]) == (head.seq, digest_hex(head.hash))
    assert service.anchor_head() is None

    node.later(minutes=1)
    node.applications.apply("applicant-1", SAMPLES[1])
    node.later(minutes=1)
    second = service.anchor_head()
    assert second is not None and second.seq > first.seq
    with node.store.uow() as uow:
        documents = uow.documents.list_by_subject(LOG_SUBJECT)
    assert json.loads(documents[1].canonical)["previous_digest"] == digest_hex(documents[0].digest)
