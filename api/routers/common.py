"""What the routers share: error responses for the spec, request bodies, the idempotent router."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, Field

from api.errors import ErrorBody
from api.idempotency import IdempotentRoute, idempotency_key_header

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (401, 403, 404, 409, 413, 422, 429)
}
"""What any authenticated route may answer besides its result."""

TEXT = 2000
"""The longest free text (a reason, a finding) a request may carry."""

JsonObject = Annotated[
    dict[str, Any],
    Body(description="a JSON document, checked field by field by the domain"),
]


class Reason(BaseModel):
    """Why: required for returns, rejections and revocations."""

    reason: str = Field(min_length=1, max_length=TEXT)


class OptionalReason(BaseModel):
    reason: str | None = Field(None, max_length=TEXT)


IDEMPOTENT = [Depends(idempotency_key_header)]
"""Declares ``Idempotency-Key`` on a state-changing route (the route class acts on it)."""


def node_router(**options: Any) -> APIRouter:
    """A router of authenticated routes whose writes honour ``Idempotency-Key``."""
    return APIRouter(route_class=IdempotentRoute, responses=AUTH_ERRORS, **options)
