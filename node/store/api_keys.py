"""API keys in ``api_keys``: the store holds hashes and facts; node.services.api_keys the rules."""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from node.store.checks import require_aware, require_bytes32, require_page, require_text
from node.store.errors import AlreadyExistsError, NotFoundError
from node.store.models import NAME, ApiKeyRow
from node.store.ports import AbstractApiKeyRepository
from node.store.records import ApiKey

KEY_ID = 32


def checked_key(key: ApiKey) -> ApiKey:
    """``key`` when its fields fit the table; InvalidValueError naming the first that does not."""
    require_text(key.key_id, "key_id", KEY_ID)
    require_bytes32(key.secret_hash, "secret_hash")
    require_text(key.principal, "principal", NAME)
    require_text(key.label, "label", NAME)
    require_aware(key.created_at, "created_at")
    for moment, name in ((key.expires_at, "expires_at"), (key.revoked_at, "revoked_at")):
        if moment is not None:
            require_aware(moment, name)
    return key


def api_key(row: ApiKeyRow) -> ApiKey:
    """The record of a row."""
    return ApiKey(**{field.name: getattr(row, field.name) for field in fields(ApiKey)})


class ApiKeyRepository(AbstractApiKeyRepository):
    """API keys of one unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, key: ApiKey) -> None:
        checked_key(key)
        if self._session.get(ApiKeyRow, key.key_id) is not None:
            raise AlreadyExistsError("api_key", key.key_id)
        self._session.add(ApiKeyRow(**{f.name: getattr(key, f.name) for f in fields(ApiKey)}))
        try:
            self._session.flush()
        except IntegrityError as exc:
            raise AlreadyExistsError("api_key", key.key_id) from exc

    def get(self, key_id: str) -> ApiKey:
        return api_key(self._row(key_id))

    def save(self, key: ApiKey) -> None:
        row = self._row(checked_key(key).key_id)
        row.expires_at = key.expires_at
        row.revoked_at = key.revoked_at
        row.replaced_by = key.replaced_by
        self._session.flush()

    def list(self, *, limit: int = 50, offset: int = 0) -> list[ApiKey]:
        require_page(limit, offset)
        rows = self._session.scalars(
            select(ApiKeyRow)
            .order_by(ApiKeyRow.created_at, ApiKeyRow.key_id)
            .limit(limit)
            .offset(offset)
        )
        return [api_key(row) for row in rows]

    def _row(self, key_id: str) -> ApiKeyRow:
        row = self._session.get(ApiKeyRow, key_id)
        if row is None:
            raise NotFoundError("api_key", key_id)
        return row
