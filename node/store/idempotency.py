"""Responses remembered per principal and Idempotency-Key, in ``idempotency_keys``.

Put the response in the same unit of work as the change it answers: a second
request racing the first then fails on the key's primary key and its change
is rolled back with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from node.domain.calendar import Clock
from node.domain.frozen_json import JsonValue
from node.store.checks import require_aware, require_bytes32, require_text
from node.store.errors import AlreadyExistsError, IdempotencyKeyReusedError, InvalidValueError
from node.store.models import NAME, IdempotencyKeyRow
from node.store.ports import AbstractIdempotencyStore
from node.store.records import IdempotentResponse

MAX_KEY_LENGTH = 255


def idempotent_response(row: IdempotencyKeyRow) -> IdempotentResponse:
    """The remembered response of a row."""
    return IdempotentResponse(
        principal=row.principal,
        key=row.key,
        request_digest=row.request_digest,
        status_code=row.status_code,
        response=row.response,
        created_at=row.created_at,
    )


def check_status_code(status_code: int) -> int:
    """``status_code`` when it is an HTTP status."""
    if not 100 <= status_code <= 599:
        raise InvalidValueError("status_code must be an HTTP status from 100 to 599")
    return status_code


class IdempotencyStore(AbstractIdempotencyStore):
    """Idempotency keys of one unit of work."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def find(self, principal: str, key: str, request_digest: bytes) -> IdempotentResponse | None:
        row = self._session.get(IdempotencyKeyRow, (principal, key))
        if row is None:
            return None
        if row.request_digest != request_digest:
            raise IdempotencyKeyReusedError(principal, key)
        return idempotent_response(row)

    def put(
        self,
        principal: str,
        key: str,
        request_digest: bytes,
        status_code: int,
        response: JsonValue,
    ) -> IdempotentResponse:
        require_text(principal, "principal", NAME)
        require_text(key, "key", MAX_KEY_LENGTH)
        if self._session.get(IdempotencyKeyRow, (principal, key)) is not None:
            raise AlreadyExistsError("idempotency_key", key)
        row = IdempotencyKeyRow(
            principal=principal,
            key=key,
            request_digest=require_bytes32(request_digest, "request_digest"),
            status_code=check_status_code(status_code),
            response=response,
            created_at=require_aware(self._clock.now(), "clock"),
        )
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError as exc:
            raise AlreadyExistsError("idempotency_key", key) from exc
        return idempotent_response(row)

    def purge(self, older_than: datetime) -> int:
        cutoff = require_aware(older_than, "older_than")
        result = self._session.execute(
            delete(IdempotencyKeyRow).where(IdempotencyKeyRow.created_at < cutoff)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
