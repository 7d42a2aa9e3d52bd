"""The append-only, hash-chained event log in ``event_log`` and its head anchors.

Appends are serialised so that two writers cannot both take the next seq:
SQLite write transactions already hold the database's write lock
(``BEGIN IMMEDIATE``); on PostgreSQL each append takes a transaction-level
advisory lock first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from node.documents.canonical import keccak256
from node.domain.calendar import Clock
from node.store.checks import require_aware, require_text
from node.store.digests import ZERO_HASH
from node.store.errors import InvalidValueError
from node.store.log_chain import entry_hash, first_break, plain_details
from node.store.models import ID, NAME, EventLogRow, HeadAnchorRow
from node.store.ports import AbstractEventLog
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

    def append(
        self,
        actor: str,
        action: str,
        subject: str,
        details: Mapping[str, object],
        *,
        at: datetime | None = None,
    ) -> EventEntry:
        moment = require_aware(self._clock.now() if at is None else at, "at")
        actor = require_text(actor, "actor", NAME)
        action = require_text(action, "action", ID)
        subject = require_text(subject, "subject", ID)
        try:
            plain = plain_details(details)
        except TypeError as exc:
            raise InvalidValueError(f"event details must be JSON-like: {exc}") from exc
        self._lock()
        head = self._session.execute(
            select(EventLogRow.seq, EventLogRow.hash).order_by(EventLogRow.seq.desc()).limit(1)
        ).first()
        seq, prev_hash = (1, ZERO_HASH) if head is None else (head.seq + 1, head.hash)
        row = EventLogRow(
            seq=seq,
            at=moment,
            actor=actor,
            action=action,
            subject=subject,
            details=plain,
            prev_hash=prev_hash,
            hash=entry_hash(prev_hash, seq, moment, actor, action, subject, plain),
        )
        self._session.add(row)
        self._session.flush()
        return event_entry(row)

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

    def _lock(self) -> None:
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY}
            )
