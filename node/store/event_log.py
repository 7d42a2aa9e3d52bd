"""The append-only, hash-chained event log in ``event_log`` and its head anchors.

Appends are serialised so that two writers cannot both take the next seq:
SQLite write transactions already hold the database's write lock
(``BEGIN IMMEDIATE``); on PostgreSQL the first append of a transaction takes a
transaction-level advisory lock. Since no other writer can append until the
transaction ends, the head read by the first append is kept for the next ones;
``append_many`` writes its entries with one INSERT.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session, SessionTransaction

from node.documents.canonical import keccak256
from node.domain.calendar import Clock
from node.domain.frozen_json import JsonValue
from node.store.checks import require_aware, require_text
from node.store.db import execute_bulk
from node.store.digests import ZERO_HASH
from node.store.errors import InvalidValueError
from node.store.log_chain import entry_hash, first_break, plain_details
from node.store.models import ID, NAME, EventLogRow, HeadAnchorRow
from node.store.ports import AbstractEventLog, NewEvent
from node.store.records import EventEntry, HeadAnchor

APPEND_LOCK_KEY = int.from_bytes(keccak256(b"dataprop/event_log/append")[:8], "big", signed=True)
"""The PostgreSQL advisory lock key that serialises appends."""

VERIFY_CHUNK = 1000


def event_entry(row: EventLogRow) -> EventEntry:
    """The log entry of a row."""
    return EventEntry(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        details=dict(row.details),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def head_anchor_record(row: HeadAnchorRow) -> HeadAnchor:
    """The head anchor of a row."""
    return HeadAnchor(
        id=row.id,
        seq=row.seq,
        hash=row.hash,
        document_id=row.document_id,
        anchor_job_id=row.anchor_job_id,
        created_at=row.created_at,
    )


class EventLog(AbstractEventLog):
    """The event log of one unit of work."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock
        self._head: tuple[SessionTransaction, int, bytes] | None = None
        """The transaction that holds the append lock, and the head (seq, hash) it knows."""

    def append(
        self,
        actor: str,
        action: str,
        subject: str,
        details: Mapping[str, object],
        *,
        at: datetime | None = None,
    ) -> EventEntry:
        [entry] = self.append_many([NewEvent(actor, action, subject, details, at)])
        return entry

    def append_many(self, entries: Sequence[NewEvent]) -> list[EventEntry]:
        checked = [self._checked(entry) for entry in entries]
        if not checked:
            return []
        seq, prev_hash = self._next()
        appended = []
        for moment, actor, action, subject, plain in checked:
            hash_ = entry_hash(prev_hash, seq, moment, actor, action, subject, plain)
            appended.append(
                EventEntry(
                    seq=seq,
                    at=moment,
                    actor=actor,
                    action=action,
                    subject=subject,
                    details=plain,
                    prev_hash=prev_hash,
                    hash=hash_,
                )
            )
            seq, prev_hash = seq + 1, hash_
        execute_bulk(
            self._session,
            insert(cast(Table, EventLogRow.__table__)),
            [
                {
                    "seq": entry.seq,
                    "at": entry.at,
                    "actor": entry.actor,
                    "action": entry.action,
                    "subject": entry.subject,
                    "details": entry.details,
                    "prev_hash": entry.prev_hash,
                    "hash": entry.hash,
                }
                for entry in appended
            ],
        )
        transaction = self._session.get_transaction()
        assert transaction is not None  # _next() began it
        self._head = (transaction, appended[-1].seq, appended[-1].hash)
        return appended

    def _checked(self, entry: NewEvent) -> tuple[datetime, str, str, str, dict[str, JsonValue]]:
        moment = require_aware(self._clock.now() if entry.at is None else entry.at, "at")
        actor = require_text(entry.actor, "actor", NAME)
        action = require_text(entry.action, "action", ID)
        subject = require_text(entry.subject, "subject", ID)
        try:
            plain = plain_details(entry.details)
        except TypeError as exc:
            raise InvalidValueError(f"event details must be JSON-like: {exc}") from exc
        return moment, actor, action, subject, plain

    def head(self) -> EventEntry | None:
        row = self._session.scalar(select(EventLogRow).order_by(EventLogRow.seq.desc()).limit(1))
        return None if row is None else event_entry(row)

    def entries(self, *, after: int = 0, limit: int = 100) -> list[EventEntry]:
        rows = self._session.scalars(
            select(EventLogRow)
            .where(EventLogRow.seq > after)
            .order_by(EventLogRow.seq)
            .limit(limit)
        )
        return [event_entry(row) for row in rows]

    def verify(self) -> int | None:
        self._session.flush()
        anchored = {
            row.seq: row.hash for row in self._session.execute(select(HeadAnchorRow)).scalars()
        }
        return first_break(self._walk(), anchored)

    def record_head_anchor(self, entry: EventEntry, document_id: str, job_id: int) -> HeadAnchor:
        row = HeadAnchorRow(
            seq=entry.seq,
            hash=entry.hash,
            document_id=document_id,
            anchor_job_id=job_id,
            created_at=require_aware(self._clock.now(), "clock"),
        )
        self._session.add(row)
        self._session.flush()
        return head_anchor_record(row)

    def last_head_anchor(self) -> HeadAnchor | None:
        row = self._session.scalar(select(HeadAnchorRow).order_by(HeadAnchorRow.seq.desc()))
        return None if row is None else head_anchor_record(row)

    def _walk(self) -> Iterator[EventEntry]:
        """Every entry in seq order, read as plain rows in chunks so memory stays flat."""
        columns = (
            EventLogRow.seq,
            EventLogRow.at,
            EventLogRow.actor,
            EventLogRow.action,
            EventLogRow.subject,
            EventLogRow.details,
            EventLogRow.prev_hash,
            EventLogRow.hash,
        )
        after = 0
        while True:
            chunk = self._session.execute(
                select(*columns)
                .where(EventLogRow.seq > after)
                .order_by(EventLogRow.seq)
                .limit(VERIFY_CHUNK)
            ).all()
            if not chunk:
                return
            for row in chunk:
                yield EventEntry(
                    seq=row.seq,
                    at=row.at,
                    actor=row.actor,
                    action=row.action,
                    subject=row.subject,
                    details=dict(row.details),
                    prev_hash=row.prev_hash,
                    hash=row.hash,
                )
            after = chunk[-1].seq

    def _next(self) -> tuple[int, bytes]:
        """The seq and prev_hash of the next entry: read under the lock once per transaction."""
        transaction = self._session.get_transaction()
        if self._head is not None and self._head[0] is transaction:
            _, seq, hash_ = self._head
            return seq + 1, hash_
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY}
            )
        head = self._session.execute(
            select(EventLogRow.seq, EventLogRow.hash).order_by(EventLogRow.seq.desc()).limit(1)
        ).first()
        return (1, ZERO_HASH) if head is None else (head.seq + 1, head.hash)
