"""The export's reading of a node's database, on SQLite and PostgreSQL: every record once, in
the export's order, from one snapshot, with two cursors streaming side by side."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import insert

from node.audit.export import export_lines
from node.audit.export_format import read_header
from node.chain.batching import plan_batch
from node.documents.schemas import CentreRef
from node.store import export_rows
from node.store.export_rows import Leaf, Unbatched, node_records, snapshot
from node.store.models import DocumentRow
from node.store.records import AnchorBatch, ChainAction, EventEntry
from tests.unit.store.support import SqlStore, new_document

SENDER = "0x" + "ab" * 20


def fill(store: SqlStore, batches: int, per_batch: int) -> None:
    """Batches of anchored documents, one pending document, one with no job, a chain action and
    the event log."""
    deadline = store.clock.now() + timedelta(hours=1)
    with store.uow() as uow:
        for batch in range(batches):
            jobs = [
                uow.documents.add_with_anchor_job(new_document(f"s-{batch}-{i}"), deadline)[1]
                for i in range(per_batch)
            ]
            plan = plan_batch(jobs)
            made = uow.anchors.create_batch(plan.root, SENDER, plan.leaves)
            uow.anchors.mark_sent(made.id, raw_tx=b"\x01", tx_hash=bytes(32), nonce=batch)
        uow.documents.add_with_anchor_job(new_document("pending"), deadline)
        uow.chain_actions.enqueue("set_status", {"certificate_id": "0x" + "11" * 32})
        for seq in range(3):
            uow.events.append("tester", "thing.done", f"s-{seq}", {"n": seq})
        uow.commit()
    lonely = new_document("no-job", document_id="no-job")
    with store.engine.begin() as connection:
        connection.execute(
            insert(DocumentRow.__table__).values(
                id="no-job",
                kind=lonely.kind.value,
                subject=lonely.subject,
                schema_version=lonely.schema_version,
                canonical=lonely.canonical,
                digest=lonely.digest,
                signature=None,
                signer=None,
                previous_digest=None,
                created_at=store.clock.now() + timedelta(seconds=1),
            )
        )


def test_records_come_once_each_in_the_exports_order(
    sql_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(sql_store, batches=3, per_batch=5)
    monkeypatch.setattr(export_rows, "CHUNK", 2)  # streamed a couple of rows at a time

    with snapshot(sql_store.engine) as connection:
        records = list(node_records(connection))

    kinds = [type(record).__name__ for record in records]
    assert kinds == (
        ["ChainAction"]
        + (["AnchorBatch"] + ["Leaf"] * 5) * 3
        + ["Unbatched"] * 2
        + ["EventEntry"] * 3
    )
    assert isinstance(records[0], ChainAction)
    batches = [r for r in records if isinstance(r, AnchorBatch)]
    for batch_index, batch in enumerate(batches):
        start = records.index(batch) + 1
        leaves = records[start : start + 5]
        assert all(isinstance(leaf, Leaf) and leaf.job.batch_id == batch.id for leaf in leaves)
        assert [leaf.job.leaf_index for leaf in leaves] == list(range(5))  # type: ignore[union-attr]
        assert [leaf.document.subject for leaf in leaves] == [  # type: ignore[union-attr]
            f"s-{batch_index}-{i}" for i in range(5)
        ]
    unbatched = [r for r in records if isinstance(r, Unbatched)]
    assert [(u.document.id if u.document else None, u.job is None) for u in unbatched] == [
        (unbatched[0].document.id, False),  # type: ignore[union-attr]
        ("no-job", True),
    ]
    assert [r.seq for r in records if isinstance(r, EventEntry)] == [1, 2, 3]


def test_the_export_lines_read_back_with_their_counts(sql_store: SqlStore) -> None:
    fill(sql_store, batches=2, per_batch=3)
    centre = CentreRef(region_code="370200", name="青岛", signer=SENDER)

    first, *lines = export_lines(
        sql_store.engine, centre=centre, chain_id=None, consortium=None, at=sql_store.clock.now()
    )
    header = read_header(first)
    records = [json.loads(line) for line in lines]

    assert header.signer == SENDER and header.chain is None
    kinds = [record["record"] for record in records]
    assert kinds.count("leaf") == 6 and kinds.count("batch") == 2
    assert kinds.count("document") == 2 and kinds.count("event") == 3
    assert Counter(records[-1]["counts"]) == Counter(kinds[:-1])  # zero counts included
