"""When pending anchor jobs make a batch, and the Merkle tree that anchors them.

Pure functions over store records: the worker asks ``is_due`` with the jobs
waiting (at most ``batch_size`` of them, earliest deadline first) and builds the
batch with ``plan_batch``. Leaf ``i`` is job ``i``'s digest; its proof is what
``AnchorRegistry.verifyLeaf`` checks against the anchored root.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from node.documents.merkle import StandardMerkleTree
from node.store.records import AnchorJob, BatchLeaf


@dataclass(frozen=True)
class BatchPlan:
    """A Merkle root over jobs and each job's place and proof in the tree."""

    root: bytes
    leaves: tuple[BatchLeaf, ...]


def is_due(
    jobs: Sequence[AnchorJob], now: datetime, *, batch_size: int, max_age: timedelta
) -> bool:
    """Whether ``jobs`` make a batch now: a full one, or one whose oldest job waited
    ``max_age`` or whose earliest deadline has come."""
    if not jobs:
        return False
    if len(jobs) >= batch_size:
        return True
    return any(job.created_at + max_age <= now or job.deadline_at <= now for job in jobs)


def plan_batch(jobs: Sequence[AnchorJob]) -> BatchPlan:
    """The OpenZeppelin-standard tree over the jobs' digests, with every job's proof."""
    tree = StandardMerkleTree.of([[job.digest] for job in jobs], ["bytes32"])
    leaves = tuple(
        BatchLeaf(job.id, index, tuple(tree.proof(index))) for index, job in enumerate(jobs)
    )
    return BatchPlan(tree.root, leaves)
