"""The signing-key check: documents signed with a centre's key after the consortium rotated it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from node.chain.anchoring import AnchoringWorker, WorkerSettings
from node.chain.compiler import Build
from node.chain.connection import connect, dev_accounts
from node.chain.contracts import bind_contracts
from node.config import ChainSettings
from node.store.sender_lock import sender_lock
from tests.audit.seeding import audit, deploy_cities, found, issue, rows, seed_node, tampering


def test_documents_signed_with_a_retired_key_are_found(build: Build, tmp_path: Path) -> None:
    connection = connect(ChainSettings())
    record = deploy_cities(connection, build, tmp_path)
    node = seed_node(connection, build, record, tmp_path / "qingdao", centre=0, certificates=1)
    accounts = dev_accounts(connection)
    new_key, weifang = accounts[5], accounts[2]
    qingdao = node.contracts
    qingdao.centres.propose_rotate_key(1, new_key.address)
    qingdao.as_account(weifang).centres.vote(qingdao.centres.proposal_count())
    assert qingdao.centres.centre(1).signer == new_key.address

    # A node that ignores its standing (the node refuses to sign once its key is retired,
    # node.services.standing) signs with the retired key; a worker with the new key anchors.
    node.context = replace(node.context, standing=None)
    late = issue(node, 0, range(1, 2))
    node.worker.stop()
    with_new_key = bind_contracts(connection, record, build, new_key, poll_interval=0.01)
    worker = AnchoringWorker(
        node.store.unit_of_work,
        with_new_key,
        sender_lock(node.store.engine, new_key.address),
        WorkerSettings.from_settings(node.settings),
        clock=node.clock,
    )
    assert worker.start()
    report = worker.drain(60.0)
    assert report.failed == 0 and not (report.waiting or report.unsent)

    audited = audit(qingdao, [node.source()])

    engine = tampering(node.database)
    signed_late = {
        row.id
        for row in rows(
            engine,
            "SELECT d.id FROM documents d JOIN anchor_jobs j ON j.document_id = d.id"
            " JOIN anchor_batches b ON b.id = j.batch_id"
            " WHERE lower(b.sender) = :key",
            key=new_key.address.lower(),
        )
    }
    engine.dispose()
    assert len(signed_late) == 3  # the compliance report, notice and certificate of the case
    assert found(audited) == sorted(
        ("signer_not_centre_key", 1, document_id) for document_id in signed_late
    )
    [certificate] = [f for f in audited.findings if f.evidence["kind"] == "certificate"]
    assert certificate.evidence["signer"] == node.context.signer.address.lower()
    assert certificate.evidence["centre_key_at_block"] == new_key.address
    assert late[0] in certificate.message
    worker.stop()
