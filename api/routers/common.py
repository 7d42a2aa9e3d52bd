"""What the routers share: the error responses of the spec and the idempotent router."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from api.errors import ErrorBody
from api.idempotency import IdempotentRoute, idempotency_key_header

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 413, 422, 429)
}
"""What any authenticated route may answer besides its result."""

IDEMPOTENT = [Depends(idempotency_key_header)]
"""Declares ``Idempotency-Key`` on a state-changing route (the route class acts on it)."""


def node_router(**options: Any) -> APIRouter:
    """A router of authenticated routes whose writes honour ``Idempotency-Key``."""
    return APIRouter(route_class=IdempotentRoute, responses=AUTH_ERRORS, **options)
