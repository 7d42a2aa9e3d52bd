"""The anchoring worker: puts batches of document digests and chain actions on chain, once.

One worker sends for one centre key, and only while it holds that key's sender
lock (``node.store.sender_lock``); a second worker for the same key stands by.
Every transaction follows the outbox discipline: sign, save the exact bytes,
hash and nonce (commit), and only then broadcast. Each cycle:

1. confirmed rows whose block (within ``reorg_window`` blocks of the head) was
   replaced by a reorg go back to sent;
2. sent rows are settled: confirmed once ``confirmations`` blocks are on top;
   bytes the chain does not know are broadcast again, byte-identical; bytes
   that can never be mined (their nonce went to other bytes) are signed anew;
   a missing receipt is "unknown", never "failed";
3. pending anchor jobs become Merkle-root batches (full, old enough, or due);
4. prepared batches, then pending chain actions in order, are signed, saved and
   broadcast.

Nonces come from the chain's pending count and from the saved rows, so a
restart never signs other bytes under a nonce that saved bytes hold. A root the
contract reports anchored already counts as anchored when this centre anchored
it: the batch adopts the transaction that did it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Literal

from hexbytes import HexBytes

from node.chain.action_calls import action_call
from node.chain.action_payloads import InvalidChainActionError, action_from_payload
from node.chain.batching import is_due, plan_batch
from node.chain.contracts import DatapropContracts
from node.chain.outbox_rows import (
    RowKind,
    SavedTransaction,
    confirmed_transactions_since,
    save_transaction,
    sent_transactions,
)
from node.chain.revert_errors import ContractRevertError
from node.chain.transactions import RawTransaction, TransactionRevertedError
from node.chain.tx_lookup import (
    Mined,
    TxState,
    block_hash_at,
    lookup_many,
    raw_transaction_of,
    rpc,
)
from node.config import Settings
from node.domain.calendar import Clock, SystemClock
from node.errors import ChainError, ConfigurationError
from node.store.errors import SenderLockLostError
from node.store.ports import AbstractUnitOfWork
from node.store.records import AnchorBatchStatus, ChainActionStatus
from node.store.sender_lock import SenderLock

logger = logging.getLogger(__name__)

UnitOfWorkFactory = Callable[[], AbstractUnitOfWork]
REFUSALS = (ContractRevertError, TransactionRevertedError)
"""Errors that mean the contract refused the call (as opposed to a chain that did not answer)."""


@dataclass(frozen=True)
class WorkerSettings:
    """How the worker batches, confirms and paces itself."""

    batch_size: int = 256
    max_batch_age: timedelta = timedelta(seconds=5)
    confirmations: int = 1
    receipt_timeout: float = 60.0
    reorg_window: int = 64
    cycle_interval: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerSettings:
        """The worker's part of the node settings."""
        anchoring = settings.anchoring
        return cls(
            batch_size=anchoring.batch_size,
            max_batch_age=timedelta(seconds=anchoring.max_batch_age),
            confirmations=settings.chain.confirmations,
            receipt_timeout=anchoring.receipt_timeout,
            reorg_window=max(anchoring.reorg_window, settings.chain.confirmations),
            cycle_interval=anchoring.cycle_interval,
        )


@dataclass
class CycleReport:
    """What cycles did; ``waiting`` and ``unsent`` are what is left after the last one."""

    batched: int = 0
    sent: int = 0
    adopted: int = 0
    rebroadcast: int = 0
    confirmed: int = 0
    reorged: int = 0
    resigned: int = 0
    failed: int = 0
    waiting: int = 0
    """Sent transactions without enough confirmations yet."""
    unsent: int = 0
    """Prepared batches and pending actions (and pending jobs, up to one batch) not yet sent."""

    @property
    def busy(self) -> bool:
        """Whether the cycle changed anything (then the next one starts at once)."""
        return any(
            (self.batched, self.sent, self.adopted, self.confirmed, self.reorged, self.resigned)
        )

    def add(self, later: CycleReport) -> None:
        """Count a later cycle in: sums, except what is left, which is the later cycle's."""
        for item in fields(self):
            if item.name in ("waiting", "unsent"):
                setattr(self, item.name, getattr(later, item.name))
            else:
                setattr(self, item.name, getattr(self, item.name) + getattr(later, item.name))


Change = Callable[[AbstractUnitOfWork], None]


class AnchoringWorker:
    """Sends the outbox of one centre key: anchor batches and chain actions."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        contracts: DatapropContracts,
        lock: SenderLock,
        settings: WorkerSettings,
        *,
        clock: Clock | None = None,
    ) -> None:
        if contracts.sender is None:
            raise ConfigurationError("the anchoring worker needs contracts bound to a key")
        if lock.sender.lower() != contracts.sender.address.lower():
            raise ConfigurationError("the sender lock must be the lock of the sending key")
        self._uow = unit_of_work
        self._contracts = contracts
        self._sender = contracts.sender
        self._w3 = contracts.connection.w3
        self._lock = lock
        self.settings = settings
        self._clock: Clock = clock or SystemClock()
        self._next_nonce: int | None = None
        self._broadcast_at: dict[bytes, datetime] = {}

    @property
    def address(self) -> str:
        """The sending key's address."""
        return self._sender.address

    def start(self) -> bool:
        """Take the sender lock; False while another worker holds it."""
        if self._lock.held:
            return True
        if not self._lock.acquire():
            return False
        self._next_nonce = None
        self._broadcast_at.clear()
        logger.info("sending for %s on %s", self.address, self._contracts.connection.describe())
        return True

    def stop(self) -> None:
        """Give the sender lock back."""
        self._lock.release()
        self._next_nonce = None

    def run(self, stop: threading.Event) -> None:
        """Cycle until ``stop`` is set, standing by while another worker holds the lock.

        A failed cycle (chain or database unreachable) is logged and retried; nothing
        it did half is lost, since every step starts again from the saved rows.
        """
        interval = self.settings.cycle_interval
        standing_by = False
        try:
            while not stop.is_set():
                if not self.start():
                    if not standing_by:
                        logger.info("another worker sends for %s: standing by", self.address)
                        standing_by = True
                    stop.wait(interval)
                    continue
                standing_by = False
                try:
                    report = self.run_once()
                except SenderLockLostError as exc:
                    logger.error("%s: standing by", exc)
                    self.stop()
                    continue
                except Exception:
                    logger.exception("the anchoring cycle failed; trying again in %.1f s", interval)
                    stop.wait(interval)
                    continue
                if not report.busy:
                    stop.wait(interval)
        finally:
            self.stop()

    def drain(self, timeout: float) -> CycleReport:
        """Batch everything pending whatever its age, send it, and settle until nothing waits
        or ``timeout`` seconds pass (what still waits is settled by the next run)."""
        deadline = time.monotonic() + timeout
        total = CycleReport()
        while True:
            total.add(self.run_once(flush=True))
            if not (total.waiting or total.unsent) or time.monotonic() >= deadline:
                return total
            time.sleep(self.settings.cycle_interval)

    def run_once(self, *, flush: bool = False) -> CycleReport:
        """One cycle (see the module docstring); ``flush`` batches partial batches at once."""
        self._lock.check()
        report = CycleReport()
        try:
            head = rpc("block number", lambda: self._w3.eth.block_number)
            self._watch_confirmed(head, report)
            self._settle(head, report)
            self._form_batches(report, flush=flush)
            self._send_batches(report)
            self._send_actions(report)
            self._count_left(report)
        except BaseException:
            self._next_nonce = None  # derive it again from the saved rows and the chain
            raise
        return report

    # -- 1. reorgs of confirmed rows ----------------------------------------------------------

    def _watch_confirmed(self, head: int, report: CycleReport) -> None:
        """A reorg replaces a suffix of the chain: walk the confirmed rows' blocks from the
        newest down and stop at the first one still in place (one lookup when none moved)."""
        with self._uow() as uow:
            rows = confirmed_transactions_since(uow, max(0, head - self.settings.reorg_window))
        by_block: dict[int, list[SavedTransaction]] = {}
        for row in rows:
            if row.block_number is not None:  # the schema gives every confirmed row its block
                by_block.setdefault(row.block_number, []).append(row)
        moved: list[SavedTransaction] = []
        for number in sorted(by_block, reverse=True):
            in_place = block_hash_at(self._w3, number)
            if all(row.block_hash == in_place for row in by_block[number]):
                break
            for row in by_block[number]:
                logger.warning("reorg: the block of %s was replaced; back to sent", row.name)
                moved.append(row)
        if moved:
            self._apply([row.unconfirm for row in moved])
            report.reorged += len(moved)

    # -- 2. settling sent rows ----------------------------------------------------------------

    def _settle(self, head: int, report: CycleReport) -> None:
        with self._uow() as uow:
            rows = sent_transactions(uow)
        waiting = {row.tx_hash for row in rows}  # forget the broadcasts of settled rows
        self._broadcast_at = {tx: at for tx, at in self._broadcast_at.items() if tx in waiting}
        if not rows:
            return
        latest = self._transaction_count("latest")
        changes: list[Change] = []
        for row, found in zip(rows, lookup_many(self._w3, [r.tx_hash for r in rows]), strict=True):
            if found.receipt is not None:
                change = self._settle_mined(row, found.receipt, head, report)
                if change is not None:
                    changes.append(change)
            elif found.state is TxState.PENDING:
                if self._rebroadcast_due(row):
                    self._broadcast(row.signed)
                    report.rebroadcast += 1
            elif latest > row.nonce:
                logger.warning(
                    "%s: nonce %d went to other bytes; signing it again", row.name, row.nonce
                )
                changes.append(row.unsend)
                report.resigned += 1
            else:
                logger.info(
                    "%s: the chain does not know its transaction; sending it again", row.name
                )
                self._broadcast(row.signed)
                report.rebroadcast += 1
        self._apply(changes)

    def _settle_mined(
        self, row: SavedTransaction, receipt: Mined, head: int, report: CycleReport
    ) -> Change | None:
        block_number = receipt.block_number
        if head - block_number < self.settings.confirmations:
            return None
        if receipt.succeeded:
            report.confirmed += 1
            block_hash = receipt.block_hash
            return lambda uow: row.confirm(uow, block_number=block_number, block_hash=block_hash)
        error = self._revert_of(row.tx_hash)
        if row.kind == "action":
            logger.error("%s reverted: %s", row.name, error)
            report.failed += 1

            def fail(uow: AbstractUnitOfWork) -> None:
                uow.chain_actions.mark_failed(row.row_id, error.code)

            return fail
        # signed again below; a root found anchored by this centre is adopted there
        logger.error("%s reverted (%s); signing it again", row.name, error)
        report.resigned += 1
        return row.unsend

    def _revert_of(self, tx_hash: bytes) -> ChainError:
        try:
            self._sender.wait(tx_hash, timeout=self.settings.receipt_timeout)
        except ChainError as exc:
            return exc
        return TransactionRevertedError(f"transaction {HexBytes(tx_hash).to_0x_hex()} reverted")

    def _rebroadcast_due(self, row: SavedTransaction) -> bool:
        """Whether a transaction the node holds has waited ``receipt_timeout`` since it was
        last broadcast (or first seen waiting, after a restart)."""
        now = self._clock.now()
        last = self._broadcast_at.setdefault(row.tx_hash, now)
        return now - last >= timedelta(seconds=self.settings.receipt_timeout)

    # -- 3. batching --------------------------------------------------------------------------

    def _form_batches(self, report: CycleReport, *, flush: bool) -> None:
        size = self.settings.batch_size
        while True:
            with self._uow() as uow:
                jobs = uow.anchors.pending(limit=size)
                due = is_due(
                    jobs, self._clock.now(), batch_size=size, max_age=self.settings.max_batch_age
                )
                if not (due or (flush and jobs)):
                    return
                plan = plan_batch(jobs)
                batch = uow.anchors.create_batch(plan.root, self.address, plan.leaves)
                uow.commit()
            report.batched += 1
            logger.info(
                "batch %d: %d documents under root %s",
                batch.id,
                len(jobs),
                HexBytes(plan.root).to_0x_hex(),
            )

    # -- 4. sending ---------------------------------------------------------------------------

    def _send_batches(self, report: CycleReport) -> None:
        with self._uow() as uow:
            prepared = uow.anchors.batches(AnchorBatchStatus.PREPARED)
        anchors = self._contracts.anchors
        for batch in prepared:
            call = anchors.function("anchorBatch", batch.root, batch.leaf_count)
            try:
                signed = self._sender.sign(call, nonce=self._nonce())
            except REFUSALS as refusal:
                adopted = self._adoption(batch.root)
                if adopted is None:
                    logger.error("batch %d cannot be anchored now: %s", batch.id, refusal)
                    continue
                with self._uow() as uow:
                    save_transaction(uow, "batch", batch.id, adopted)
                    uow.commit()
                self._next_nonce = None  # the adopted nonce may be one we counted on
                report.adopted += 1
                continue
            self._save_and_broadcast("batch", batch.id, signed)
            report.sent += 1

    def _send_actions(self, report: CycleReport) -> None:
        with self._uow() as uow:
            pending = uow.chain_actions.with_status(ChainActionStatus.PENDING)
        for action in pending:
            try:
                payload = action_from_payload(action.kind, action.payload)
            except InvalidChainActionError as exc:
                logger.error("action %d is malformed: %s", action.id, exc)
                self._fail(action.id, exc.code)
                report.failed += 1
                continue
            call = action_call(self._contracts, payload)
            try:
                signed = self._sender.sign(call, nonce=self._nonce())
            except REFUSALS as refusal:
                if self._transaction_count("latest") < self._nonce():
                    # an earlier transaction of ours may be what this one needs: keep the order
                    logger.info("action %d waits for earlier transactions (%s)", action.id, refusal)
                    return
                logger.error("action %d refused by the contract: %s", action.id, refusal)
                self._fail(action.id, refusal.code)
                report.failed += 1
                continue
            self._save_and_broadcast("action", action.id, signed)
            report.sent += 1

    def _fail(self, action_id: int, code: str) -> None:
        with self._uow() as uow:
            uow.chain_actions.mark_failed(action_id, code)
            uow.commit()

    def _save_and_broadcast(self, kind: RowKind, row_id: int, signed: RawTransaction) -> None:
        self._lock.check()  # a worker that lost its lock saves and sends nothing new
        with self._uow() as uow:
            save_transaction(uow, kind, row_id, signed)
            uow.commit()
        self._next_nonce = signed.nonce + 1
        logger.info(
            "%s %d: sent %s (nonce %d)", kind, row_id, signed.tx_hash.to_0x_hex(), signed.nonce
        )
        self._broadcast(signed)

    def _broadcast(self, signed: RawTransaction) -> bool:
        """Hand saved bytes to the chain; a refusal is settled by a later cycle."""
        self._broadcast_at[bytes(signed.tx_hash)] = self._clock.now()
        try:
            self._sender.broadcast(signed)
        except ChainError as exc:
            logger.info("broadcast of %s refused: %s", signed.tx_hash.to_0x_hex(), exc)
            return False
        return True

    # -- shared -------------------------------------------------------------------------------

    def _adoption(self, root: bytes) -> RawTransaction | None:
        """The transaction that anchored ``root`` for this centre; None when the root is not
        anchored, or anchored by another centre."""
        anchor = self._contracts.anchors.anchor_of(root)
        if not anchor.exists:
            return None
        centre_id = self._contracts.centres.centre_of(self.address).id
        if anchor.centre_id != centre_id:
            logger.error(
                "root %s is anchored by centre %d, not by this centre (%d)",
                HexBytes(root).to_0x_hex(),
                anchor.centre_id,
                centre_id,
            )
            return None
        event = self._contracts.anchors.contract.events.BatchAnchored
        logs = rpc(
            "BatchAnchored lookup",
            lambda: event.get_logs(
                from_block=anchor.block_number,
                to_block=anchor.block_number,
                argument_filters={"root": root},
            ),
        )
        if not logs:
            return None
        tx_hash = bytes(logs[0]["transactionHash"])
        found = raw_transaction_of(self._w3, tx_hash)
        if found.sender != self.address:
            # a former key of this centre: its nonce must not mix with this key's
            logger.error(
                "root %s was anchored by %s, a former key of this centre; not adopted",
                HexBytes(root).to_0x_hex(),
                found.sender,
            )
            return None
        logger.info(
            "root %s was anchored already by %s: adopted",
            HexBytes(root).to_0x_hex(),
            HexBytes(tx_hash).to_0x_hex(),
        )
        return RawTransaction(HexBytes(tx_hash), HexBytes(found.raw), found.nonce)

    def _nonce(self) -> int:
        """The next nonce: past the chain's pending count and every saved transaction."""
        if self._next_nonce is None:
            pending = self._transaction_count("pending")
            with self._uow() as uow:
                saved = [row.nonce + 1 for row in sent_transactions(uow)]
            self._next_nonce = max([pending, *saved])
        return self._next_nonce

    def _transaction_count(self, block: Literal["latest", "pending"]) -> int:
        return rpc(
            "transaction count",
            lambda: self._w3.eth.get_transaction_count(self._sender.account.address, block),
        )

    def _apply(self, changes: list[Change]) -> None:
        if not changes:
            return
        with self._uow() as uow:
            for change in changes:
                change(uow)
            uow.commit()

    def _count_left(self, report: CycleReport) -> None:
        with self._uow() as uow:
            report.waiting = len(sent_transactions(uow))
            report.unsent = (
                len(uow.anchors.pending(limit=self.settings.batch_size))
                + len(uow.anchors.batches(AnchorBatchStatus.PREPARED))
                + len(uow.chain_actions.with_status(ChainActionStatus.PENDING))
            )
