"""Pledges in ``pledges``: snapshots beside the columns listings and expiry query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from node.documents.ids import pledge_id_of
from node.domain.pledge import Pledge, PledgeStatus, PledgeStep
from node.domain.pledge_snapshot import pledge_from_snapshot, pledge_to_snapshot
from node.store.checks import require_bytes32, require_page
from node.store.errors import AlreadyExistsError, ConcurrentUpdateError, NotFoundError
from node.store.models import CertificateRow, ChainActionRow, PledgeRow
from node.store.ports import (
    ALL_PLEDGES,
    AbstractEventLog,
    AbstractPledgeRepository,
    NewEvent,
    PledgeFilter,
)
from node.store.records import ChainActionStatus, PledgeTotal, StoredPledge


def pledge_columns(pledge: Pledge) -> dict[str, Any]:
    """The queried columns of a pledge's row (besides its id, links and version)."""
    terms = pledge.terms
    return {
        "registration_number": str(terms.registration_number),
        "chain_pledge_id": pledge_id_of(pledge.id),
        "pledgee_code": terms.pledgee.code,
        "pledgor_credit_code": terms.pledgor.code,
        "status": pledge.status.value,
        "priority": pledge.priority,
        "currency": terms.principal.currency,
        "principal_minor": terms.principal.minor_units,
        "term_end": pledge.term_end,
        "requested_at": pledge.requested_at,
        "snapshot": pledge_to_snapshot(pledge),
    }


def pledge_log_entries(pledge: Pledge, steps: Sequence[PledgeStep]) -> list[NewEvent]:
    """The event-log entries of a pledge's new steps."""
    return [
        NewEvent(
            step.actor,
            f"pledge.{step.kind.value}",
            pledge.id,
            {
                "registration_number": str(pledge.terms.registration_number),
                "from_status": step.from_status.value,
                "to_status": step.to_status.value,
                "details": step.to_dict()["details"],
            },
            step.at,
        )
        for step in steps
    ]


class PledgeRepository(AbstractPledgeRepository):
    """Pledges of one unit of work."""

    def __init__(self, session: Session, events: AbstractEventLog) -> None:
        self._session = session
        self._events = events

    def add(self, pledge: Pledge) -> None:
        number = str(pledge.terms.registration_number)
        if self._session.get(PledgeRow, pledge.id) is not None:
            raise AlreadyExistsError("pledge", pledge.id)
        if self._session.get(CertificateRow, number) is None:
            raise NotFoundError("certificate", number)
        self._session.add(PledgeRow(id=pledge.id, version=1, **pledge_columns(pledge)))
        try:
            self._session.flush()
        except IntegrityError as exc:
            raise AlreadyExistsError("pledge", pledge.id) from exc
        self._events.append_many(pledge_log_entries(pledge, pledge.steps))

    def get(self, pledge_id: str) -> Pledge:
        return pledge_from_snapshot(self._row(pledge_id).snapshot)

    def stored(self, pledge_id: str) -> StoredPledge:
        row = self._row(pledge_id)
        action = (
            None
            if row.chain_action_id is None
            else self._session.get(ChainActionRow, row.chain_action_id)
        )
        return _stored(row, action)

    def save(
        self,
        pledge: Pledge,
        *,
        record_digest: bytes | None = None,
        chain_action_id: int | None = None,
    ) -> int:
        row = self._row(pledge.id)
        logged = len(row.snapshot["steps"])
        if len(pledge.steps) < logged:
            raise ConcurrentUpdateError("pledge", pledge.id)
        for name, value in pledge_columns(pledge).items():
            setattr(row, name, value)
        if record_digest is not None:
            row.record_digest = require_bytes32(record_digest, "record_digest")
        if chain_action_id is not None:
            row.chain_action_id = chain_action_id
        try:
            self._session.flush()
        except (StaleDataError, IntegrityError) as exc:
            raise ConcurrentUpdateError("pledge", pledge.id) from exc
        self._events.append_many(pledge_log_entries(pledge, pledge.steps[logged:]))
        return row.version

    def find(
        self, where: PledgeFilter = ALL_PLEDGES, *, limit: int = 50, offset: int = 0
    ) -> list[StoredPledge]:
        require_page(limit, offset)
        query = (
            select(PledgeRow, ChainActionRow)
            .outerjoin(ChainActionRow, ChainActionRow.id == PledgeRow.chain_action_id)
            .where(*_conditions(where))
            .order_by(
                PledgeRow.registration_number,
                PledgeRow.priority.is_(None),
                PledgeRow.priority,
                PledgeRow.requested_at,
                PledgeRow.id,
            )
        )
        rows = self._session.execute(query.limit(limit).offset(offset))
        return [_stored(row, action) for row, action in rows]

    def totals(self, where: PledgeFilter = ALL_PLEDGES) -> list[PledgeTotal]:
        query = (
            select(
                PledgeRow.status,
                PledgeRow.currency,
                func.count(),
                func.sum(PledgeRow.principal_minor),
            )
            .where(*_conditions(where))
            .group_by(PledgeRow.status, PledgeRow.currency)
            .order_by(PledgeRow.status, PledgeRow.currency)
        )
        return [
            PledgeTotal(PledgeStatus(status), currency, count, int(total))
            for status, currency, count, total in self._session.execute(query)
        ]

    def last_priority(self, registration_number: str) -> int:
        highest = self._session.scalar(
            select(func.max(PledgeRow.priority)).where(
                PledgeRow.registration_number == registration_number
            )
        )
        return highest or 0

    def due_to_expire(self, today: date, *, limit: int = 100) -> list[Pledge]:
        require_page(limit, 0)
        rows = self._session.scalars(
            select(PledgeRow)
            .where(PledgeRow.status == PledgeStatus.ACTIVE.value, PledgeRow.term_end < today)
            .order_by(PledgeRow.term_end, PledgeRow.id)
            .limit(limit)
        )
        return [pledge_from_snapshot(row.snapshot) for row in rows]

    def by_chain_ids(self, chain_pledge_ids: Sequence[bytes]) -> dict[bytes, StoredPledge]:
        if not chain_pledge_ids:
            return {}
        rows = self._session.execute(
            select(PledgeRow, ChainActionRow)
            .outerjoin(ChainActionRow, ChainActionRow.id == PledgeRow.chain_action_id)
            .where(PledgeRow.chain_pledge_id.in_(chain_pledge_ids))
        )
        return {row.chain_pledge_id: _stored(row, action) for row, action in rows}

    def _row(self, pledge_id: str) -> PledgeRow:
        row = self._session.get(PledgeRow, pledge_id)
        if row is None:
            raise NotFoundError("pledge", pledge_id)
        return row


def _conditions(where: PledgeFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a filter."""
    conditions = []
    if where.pledgee is not None:
        conditions.append(PledgeRow.pledgee_code == where.pledgee)
    if where.pledgor is not None:
        conditions.append(PledgeRow.pledgor_credit_code == where.pledgor)
    if where.registration_number is not None:
        conditions.append(PledgeRow.registration_number == where.registration_number)
    if where.statuses is not None:
        conditions.append(PledgeRow.status.in_([status.value for status in where.statuses]))
    return conditions


def _stored(row: PledgeRow, action: ChainActionRow | None) -> StoredPledge:
    return StoredPledge(
        pledge=pledge_from_snapshot(row.snapshot),
        version=row.version,
        record_digest=row.record_digest,
        chain_action_id=row.chain_action_id,
        chain_status=None if action is None else ChainActionStatus(action.status),
        chain_error=None if action is None else action.error,
    )
