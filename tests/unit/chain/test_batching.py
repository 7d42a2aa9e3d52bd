"""When pending jobs make a batch, and the tree over them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eth_utils.crypto import keccak

from node.chain.batching import is_due, plan_batch
from node.documents.merkle import leaf_of_digest, process_proof
from node.store.records import AnchorJob, AnchorJobStatus

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
AGE = timedelta(seconds=5)


def job(index: int, *, waited: float = 0.0, due_in: float = 3600.0) -> AnchorJob:
    return AnchorJob(
        id=index,
        document_id=f"doc-{index}",
        digest=bytes(keccak(text=f"doc-{index}")),
        status=AnchorJobStatus.PENDING,
        batch_id=None,
        leaf_index=None,
        proof=None,
        created_at=NOW - timedelta(seconds=waited),
        deadline_at=NOW + timedelta(seconds=due_in),
    )


@pytest.mark.parametrize(
    ("jobs", "due"),
    [
        ([], False),
        ([job(1), job(2)], False),
        ([job(i) for i in range(4)], True),  # full
        ([job(1), job(2, waited=4.9)], False),
        ([job(1), job(2, waited=5.0)], True),  # the oldest waited max_age
        ([job(1, due_in=0.0)], True),  # a deadline has come
    ],
)
def test_a_batch_is_due_when_full_old_or_at_a_deadline(jobs: list[AnchorJob], due: bool) -> None:
    assert is_due(jobs, NOW, batch_size=4, max_age=AGE) is due


@pytest.mark.parametrize("count", [1, 2, 5, 16])
def test_each_leaf_gets_its_index_and_a_proof_to_the_root(count: int) -> None:
    jobs = [job(i) for i in range(count)]
    plan = plan_batch(jobs)
    assert [leaf.leaf_index for leaf in plan.leaves] == list(range(count))
    for item, leaf in zip(jobs, plan.leaves, strict=True):
        assert leaf.job_id == item.id
        assert process_proof(leaf_of_digest(item.digest), leaf.proof) == plan.root
