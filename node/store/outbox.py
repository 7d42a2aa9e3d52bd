"""The outbox tables as the chain worker uses them: anchor jobs and batches, chain actions.

Every status move is checked against the tables in ``node.store.records``.
The signed raw transaction and its hash are saved (``mark_sent``) before
the worker broadcasts, so a restarted worker re-broadcasts the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from node.domain.calendar import Clock
from node.store.checks import require_aware, require_bytes32
from node.store.errors import (
    ConcurrentUpdateError,
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
)
from node.store.log_chain import plain_details
from node.store.models import ADDRESS, AnchorBatchRow, AnchorJobRow, ChainActionRow
from node.store.ports import AbstractAnchorQueue, AbstractChainActionQueue
from node.store.records import (
    BATCH_TRANSITIONS,
    CHAIN_ACTION_TRANSITIONS,
    AnchorBatch,
    AnchorBatchStatus,
    AnchorJob,
    AnchorJobStatus,
    BatchLeaf,
    ChainAction,
    ChainActionStatus,
)

_JOBS = cast(Table, AnchorJobRow.__table__)


def proof_to_json(proof: Sequence[bytes]) -> list[str]:
    """A Merkle proof as 0x-hex strings for the JSON column."""
    return [f"0x{require_bytes32(node, 'proof node').hex()}" for node in proof]


def proof_from_json(proof: Sequence[str] | None) -> tuple[bytes, ...] | None:
    """A Merkle proof read back from the JSON column."""
    return None if proof is None else tuple(bytes.fromhex(node[2:]) for node in proof)


def check_leaves(leaves: Sequence[BatchLeaf]) -> None:
    """Refuse an empty batch, a job twice, or leaf indexes other than 0..n-1."""
    if not leaves:
        raise InvalidValueError("a batch needs at least one leaf")
    if len({leaf.job_id for leaf in leaves}) != len(leaves):
        raise InvalidValueError("a job appears twice in the batch")
    if sorted(leaf.leaf_index for leaf in leaves) != list(range(len(leaves))):
        raise InvalidValueError("leaf indexes must be 0 to n-1, each once")


def check_sender(sender: str) -> str:
    """``sender`` when it looks like an 0x address."""
    if not (isinstance(sender, str) and len(sender) == ADDRESS and sender.startswith("0x")):
        raise InvalidValueError("sender must be an 0x-prefixed 20-byte hex address")
    return sender


def anchor_job_record(row: AnchorJobRow | Row[Any]) -> AnchorJob:
    """The anchor job of a row (a mapped one, or a plain row of the table's columns)."""
    return AnchorJob(
        id=row.id,
        document_id=row.document_id,
        digest=row.digest,
        status=AnchorJobStatus(row.status),
        batch_id=row.batch_id,
        leaf_index=row.leaf_index,
        proof=proof_from_json(row.proof),
        created_at=row.created_at,
        deadline_at=row.deadline_at,
    )


def anchor_batch_record(row: AnchorBatchRow | Row[Any]) -> AnchorBatch:
    """The anchor batch of a row."""
    return AnchorBatch(
        id=row.id,
        root=row.root,
        leaf_count=row.leaf_count,
        status=AnchorBatchStatus(row.status),
        sender=row.sender,
        raw_tx=row.raw_tx,
        tx_hash=row.tx_hash,
        nonce=row.nonce,
        block_number=row.block_number,
        block_hash=row.block_hash,
        created_at=row.created_at,
        sent_at=row.sent_at,
        confirmed_at=row.confirmed_at,
    )


def chain_action_record(row: ChainActionRow | Row[Any]) -> ChainAction:
    """The chain action of a row."""
    return ChainAction(
        id=row.id,
        kind=row.kind,
        payload=dict(row.payload),
        status=ChainActionStatus(row.status),
        raw_tx=row.raw_tx,
        tx_hash=row.tx_hash,
        nonce=row.nonce,
        block_number=row.block_number,
        block_hash=row.block_hash,
        error=row.error,
        created_at=row.created_at,
    )


class AnchorQueue(AbstractAnchorQueue):
    """Anchor jobs and batches in ``anchor_jobs`` and ``anchor_batches``."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def pending(self, limit: int = 1000) -> list[AnchorJob]:
        rows = self._session.execute(
            select(*_JOBS.c)
            .where(_JOBS.c.status == AnchorJobStatus.PENDING.value)
            .order_by(_JOBS.c.deadline_at, _JOBS.c.id)
            .limit(limit)
        )
        return [anchor_job_record(row) for row in rows]

    def job_for_document(self, document_id: str) -> AnchorJob:
        row = self._session.scalar(
            select(AnchorJobRow).where(AnchorJobRow.document_id == document_id)
        )
        if row is None:
            raise NotFoundError("anchor_job", document_id)
        return anchor_job_record(row)

    def jobs_in_batch(self, batch_id: int) -> list[AnchorJob]:
        return [anchor_job_record(row) for row in self._batch_jobs(batch_id)]

    def create_batch(self, root: bytes, sender: str, leaves: Sequence[BatchLeaf]) -> AnchorBatch:
        """The batch row, then one executemany UPDATE that takes each job only while it is
        pending (a per-row ORM update of locked rows cost ten times more), in a savepoint:
        a refusal, which names the first job not taken, leaves nothing of the batch."""
        check_leaves(leaves)
        batch = AnchorBatchRow(
            root=require_bytes32(root, "root"),
            leaf_count=len(leaves),
            status=AnchorBatchStatus.PREPARED.value,
            sender=check_sender(sender),
            created_at=require_aware(self._clock.now(), "clock"),
        )
        statement = (
            update(_JOBS)
            .where(_JOBS.c.id == bindparam("job_id"), _JOBS.c.status == bindparam("from_status"))
            .values(
                status=AnchorJobStatus.BATCHED.value,
                batch_id=bindparam("to_batch"),
                leaf_index=bindparam("to_leaf_index"),
                proof=bindparam("to_proof"),
            )
        )
        with self._session.begin_nested():
            self._session.add(batch)
            self._session.flush()
            parameters = [
                {
                    "job_id": leaf.job_id,
                    "from_status": AnchorJobStatus.PENDING.value,
                    "to_batch": batch.id,
                    "to_leaf_index": leaf.leaf_index,
                    "to_proof": proof_to_json(leaf.proof),
                }
                for leaf in leaves
            ]
            matched = self._session.connection().execute(statement, parameters).rowcount
            if matched != len(leaves):
                self._refuse_batching([leaf.job_id for leaf in leaves], batch.id)
        return anchor_batch_record(batch)

    def _refuse_batching(self, job_ids: Sequence[int], batch_id: int) -> None:
        """Raise for the first job the batch did not take."""
        rows = {
            row.id: row
            for row in self._session.execute(
                select(_JOBS.c.id, _JOBS.c.status, _JOBS.c.batch_id).where(_JOBS.c.id.in_(job_ids))
            )
        }
        for job_id in job_ids:
            row = rows.get(job_id)
            if row is None:
                raise NotFoundError("anchor_job", job_id)
            if row.batch_id != batch_id:
                raise InvalidTransitionError("anchor_job", job_id, row.status, "batched")
        raise ConcurrentUpdateError("anchor_batch", batch_id, None)

    def get_batch(self, batch_id: int) -> AnchorBatch:
        return anchor_batch_record(self._batch(batch_id))

    def batches(self, status: AnchorBatchStatus) -> list[AnchorBatch]:
        rows = self._session.scalars(
            select(AnchorBatchRow)
            .where(AnchorBatchRow.status == AnchorBatchStatus(status).value)
            .order_by(AnchorBatchRow.id)
        )
        return [anchor_batch_record(row) for row in rows]

    def mark_sent(self, batch_id: int, *, raw_tx: bytes, tx_hash: bytes, nonce: int) -> AnchorBatch:
        batch = self._move(batch_id, AnchorBatchStatus.SENT)
        if not raw_tx:
            raise InvalidValueError("raw_tx must not be empty")
        batch.raw_tx = raw_tx
        batch.tx_hash = require_bytes32(tx_hash, "tx_hash")
        batch.nonce = nonce
        batch.sent_at = require_aware(self._clock.now(), "clock")
        self._session.flush()
        return anchor_batch_record(batch)

    def mark_confirmed(self, batch_id: int, *, block_number: int, block_hash: bytes) -> AnchorBatch:
        batch = self._move(batch_id, AnchorBatchStatus.CONFIRMED)
        batch.block_number = block_number
        batch.block_hash = require_bytes32(block_hash, "block_hash")
        batch.confirmed_at = require_aware(self._clock.now(), "clock")
        self._set_jobs(batch_id, status=AnchorJobStatus.CONFIRMED.value)
        return anchor_batch_record(batch)

    def mark_unconfirmed(self, batch_id: int) -> AnchorBatch:
        batch = self._batch(batch_id)
        if batch.status != AnchorBatchStatus.CONFIRMED.value:
            raise InvalidTransitionError("anchor_batch", batch_id, batch.status, "sent")
        batch = self._move(batch_id, AnchorBatchStatus.SENT)
        batch.block_number = None
        batch.block_hash = None
        batch.confirmed_at = None
        self._set_jobs(batch_id, status=AnchorJobStatus.BATCHED.value)
        return anchor_batch_record(batch)

    def mark_unsent(self, batch_id: int) -> AnchorBatch:
        batch = self._move(batch_id, AnchorBatchStatus.PREPARED)
        batch.raw_tx = None
        batch.tx_hash = None
        batch.nonce = None
        batch.sent_at = None
        self._session.flush()
        return anchor_batch_record(batch)

    def confirmed_since(self, block_number: int) -> list[AnchorBatch]:
        rows = self._session.scalars(
            select(AnchorBatchRow)
            .where(
                AnchorBatchRow.status == AnchorBatchStatus.CONFIRMED.value,
                AnchorBatchRow.block_number >= block_number,
            )
            .order_by(AnchorBatchRow.block_number, AnchorBatchRow.id)
        )
        return [anchor_batch_record(row) for row in rows]

    def fail_batch(self, batch_id: int) -> AnchorBatch:
        batch = self._move(batch_id, AnchorBatchStatus.FAILED)
        self._set_jobs(
            batch_id,
            status=AnchorJobStatus.PENDING.value,
            batch_id=None,
            leaf_index=None,
            proof=None,
        )
        return anchor_batch_record(batch)

    def _batch(self, batch_id: int) -> AnchorBatchRow:
        row = self._session.get(AnchorBatchRow, batch_id)
        if row is None:
            raise NotFoundError("anchor_batch", batch_id)
        return row

    def _batch_jobs(self, batch_id: int) -> list[AnchorJobRow]:
        return list(
            self._session.scalars(
                select(AnchorJobRow)
                .where(AnchorJobRow.batch_id == batch_id)
                .order_by(AnchorJobRow.leaf_index)
            )
        )

    def _set_jobs(self, of_batch: int, **values: object) -> None:
        """Set ``values`` on every job of a batch with one UPDATE (the batch row's move,
        pending in the session, is flushed first)."""
        self._session.flush()
        self._session.execute(
            update(AnchorJobRow).where(AnchorJobRow.batch_id == of_batch).values(**values)
        )

    def _move(self, batch_id: int, target: AnchorBatchStatus) -> AnchorBatchRow:
        row = self._batch(batch_id)
        if (AnchorBatchStatus(row.status), target) not in BATCH_TRANSITIONS:
            raise InvalidTransitionError("anchor_batch", batch_id, row.status, target.value)
        row.status = target.value
        return row


class ChainActionQueue(AbstractChainActionQueue):
    """Chain actions in ``chain_actions``."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def enqueue(self, kind: str, payload: Mapping[str, object]) -> ChainAction:
        if not kind or len(kind) > 64:
            raise InvalidValueError("kind must have 1 to 64 characters")
        row = ChainActionRow(
            kind=kind,
            payload=plain_details(payload),
            status=ChainActionStatus.PENDING.value,
            created_at=require_aware(self._clock.now(), "clock"),
        )
        self._session.add(row)
        self._session.flush()
        return chain_action_record(row)

    def get(self, action_id: int) -> ChainAction:
        return chain_action_record(self._row(action_id))

    def with_status(self, status: ChainActionStatus, limit: int = 1000) -> list[ChainAction]:
        rows = self._session.scalars(
            select(ChainActionRow)
            .where(ChainActionRow.status == ChainActionStatus(status).value)
            .order_by(ChainActionRow.id)
            .limit(limit)
        )
        return [chain_action_record(row) for row in rows]

    def confirmed_since(self, block_number: int) -> list[ChainAction]:
        rows = self._session.scalars(
            select(ChainActionRow)
            .where(
                ChainActionRow.status == ChainActionStatus.CONFIRMED.value,
                ChainActionRow.block_number >= block_number,
            )
            .order_by(ChainActionRow.block_number, ChainActionRow.id)
        )
        return [chain_action_record(row) for row in rows]

    def _row(self, action_id: int) -> ChainActionRow:
        row = self._session.get(ChainActionRow, action_id)
        if row is None:
            raise NotFoundError("chain_action", action_id)
        return row

    def _move(self, action_id: int, target: ChainActionStatus, **values: object) -> ChainAction:
        row = self._row(action_id)
        if (ChainActionStatus(row.status), target) not in CHAIN_ACTION_TRANSITIONS:
            raise InvalidTransitionError("chain_action", action_id, row.status, target.value)
        row.status = target.value
        for name, value in values.items():
            setattr(row, name, value)
        self._session.flush()
        return chain_action_record(row)
