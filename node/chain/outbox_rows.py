"""Anchor batches and chain actions seen alike: rows whose saved transaction is settled.

The worker settles both kinds the same way; this module is the one place that
knows which queue of the unit of work a row belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hexbytes import HexBytes

from node.chain.transactions import RawTransaction
from node.errors import PersistenceError
from node.store.ports import AbstractUnitOfWork
from node.store.records import AnchorBatch, AnchorBatchStatus, ChainAction, ChainActionStatus

RowKind = Literal["batch", "action"]


@dataclass(frozen=True)
class SavedTransaction:
    """A sent or confirmed row and the transaction saved for it."""

    kind: RowKind
    row_id: int
    tx_hash: bytes
    raw_tx: bytes
    nonce: int
    block_number: int | None
    block_hash: bytes | None

    @classmethod
    def of(cls, row: AnchorBatch | ChainAction) -> SavedTransaction:
        """The saved transaction of a sent or confirmed row."""
        kind: RowKind = "batch" if isinstance(row, AnchorBatch) else "action"
        if row.raw_tx is None or row.tx_hash is None or row.nonce is None:
            raise PersistenceError(f"{kind} {row.id} is {row.status} without a saved transaction")
        return cls(
            kind, row.id, row.tx_hash, row.raw_tx, row.nonce, row.block_number, row.block_hash
        )

    @property
    def name(self) -> str:
        """``batch 7`` or ``action 3``, for logs."""
        return f"{self.kind} {self.row_id}"

    @property
    def signed(self) -> RawTransaction:
        """The exact bytes to broadcast."""
        return RawTransaction(HexBytes(self.tx_hash), HexBytes(self.raw_tx), self.nonce)

    def confirm(self, uow: AbstractUnitOfWork, *, block_number: int, block_hash: bytes) -> None:
        """Enough blocks are on top of the transaction's block."""
        if self.kind == "batch":
            uow.anchors.mark_confirmed(
                self.row_id, block_number=block_number, block_hash=block_hash
            )
        else:
            uow.chain_actions.mark_confirmed(
                self.row_id, block_number=block_number, block_hash=block_hash
            )

    def unconfirm(self, uow: AbstractUnitOfWork) -> None:
        """A reorg replaced the block: sent again, with the same saved bytes."""
        if self.kind == "batch":
            uow.anchors.mark_unconfirmed(self.row_id)
        else:
            uow.chain_actions.mark_unconfirmed(self.row_id)

    def unsend(self, uow: AbstractUnitOfWork) -> None:
        """The saved bytes can never do their work: the row is to be signed anew."""
        if self.kind == "batch":
            uow.anchors.mark_unsent(self.row_id)
        else:
            uow.chain_actions.reset(self.row_id)


def save_transaction(
    uow: AbstractUnitOfWork, kind: RowKind, row_id: int, signed: RawTransaction
) -> None:
    """Save a row's signed transaction (the row becomes sent); the caller commits, then
    broadcasts."""
    raw_tx, tx_hash = bytes(signed.raw), bytes(signed.tx_hash)
    if kind == "batch":
        uow.anchors.mark_sent(row_id, raw_tx=raw_tx, tx_hash=tx_hash, nonce=signed.nonce)
    else:
        uow.chain_actions.mark_sent(row_id, raw_tx=raw_tx, tx_hash=tx_hash, nonce=signed.nonce)


def sent_transactions(uow: AbstractUnitOfWork) -> list[SavedTransaction]:
    """Every sent row's transaction, by nonce."""
    rows = [SavedTransaction.of(b) for b in uow.anchors.batches(AnchorBatchStatus.SENT)]
    rows += [SavedTransaction.of(a) for a in uow.chain_actions.with_status(ChainActionStatus.SENT)]
    return sorted(rows, key=lambda row: row.nonce)


def confirmed_transactions_since(
    uow: AbstractUnitOfWork, block_number: int
) -> list[SavedTransaction]:
    """Rows confirmed in blocks from ``block_number`` on (those a reorg may still replace)."""
    rows = [SavedTransaction.of(b) for b in uow.anchors.confirmed_since(block_number)]
    rows += [SavedTransaction.of(a) for a in uow.chain_actions.confirmed_since(block_number)]
    return rows
