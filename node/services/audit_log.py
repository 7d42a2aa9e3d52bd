"""Anchoring the head of the node's audit log (the hash-chained event log)."""

from __future__ import annotations

from dataclasses import dataclass

from node.documents.canonical import digest_hex
from node.documents.schemas import EventLogHeadDocument
from node.services.context import NodeContext
from node.services.recording import record_document
from node.store.records import EventEntry, HeadAnchor

LOG_SUBJECT = "event-log"


@dataclass(frozen=True)
class LogIntegrity:
    """The event log's hash chain as recomputed now."""

    first_break: int | None
    """The first seq where the chain breaks; None when it holds."""
    head: EventEntry | None


class AuditLogService:
    """Periodically puts the event log's head on the chain through the outbox.

    Once a head is anchored, rewriting any earlier entry breaks the hash chain
    up to a digest the node cannot change, so a regulator detects it.
    """

    def __init__(self, context: NodeContext) -> None:
        self._context = context

    def anchor_head(self) -> HeadAnchor | None:
        """Queue the current head for anchoring; None when it is anchored already or empty."""
        context = self._context
        with context.unit_of_work() as uow:
            head = uow.events.head()
            last = uow.events.last_head_anchor()
            if head is None or (last is not None and last.seq == head.seq):
                return None
            previous = uow.documents.list_by_subject(LOG_SUBJECT)
            stored = record_document(
                uow,
                context,
                EventLogHeadDocument(
                    subject=LOG_SUBJECT,
                    centre=context.centre_ref,
                    created_at=context.clock.now().isoformat(),
                    previous_digest=digest_hex(previous[-1].digest) if previous else None,
                    seq=head.seq,
                    hash=digest_hex(head.hash),
                    at=head.at.isoformat(),
                ),
            )
            job = uow.anchors.job_for_document(stored.id)
            anchored = uow.events.record_head_anchor(head, stored.id, job.id)
            uow.commit()
        return anchored

    def entries(self, *, after: int = 0, limit: int = 100) -> list[EventEntry]:
        """Log entries after seq ``after``, oldest first."""
        with self._context.unit_of_work() as uow:
            return uow.events.entries(after=after, limit=limit)

    def integrity(self) -> LogIntegrity:
        """Recompute the log's hash chain."""
        with self._context.unit_of_work() as uow:
            return LogIntegrity(uow.events.verify(), uow.events.head())
