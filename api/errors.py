"""Every 4xx and 5xx answer in one JSON shape: ``{"error": {"code", "message", "field"}}``.

Domain and store errors become HTTP statuses here, in one place, rather than
by raising ``HTTPException`` inside services.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from api.rate_limit import RateLimitedError
from api.request_checks import allowed_methods
from node.domain.errors import ApplicationInvalidError, InvalidFieldError
from node.errors import (
    AuthenticationError,
    ChainError,
    ConfigurationError,
    DomainError,
    NodeError,
    PermissionDeniedError,
)
from node.store.errors import (
    AlreadyExistsError,
    ConcurrentUpdateError,
    IdempotencyKeyReusedError,
    InvalidValueError,
    NotFoundError,
)

STATUS_OF: tuple[tuple[type[NodeError], int], ...] = (
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (RateLimitedError, 429),
    (InvalidFieldError, 422),
    (ApplicationInvalidError, 422),
    (IdempotencyKeyReusedError, 422),
    (InvalidValueError, 422),
    (NotFoundError, 404),
    (AlreadyExistsError, 409),
    (ConcurrentUpdateError, 409),
    (DomainError, 409),
    (ConfigurationError, 503),
    (ChainError, 503),
    (NodeError, 500),
)
"""The first class an error is an instance of gives its status."""
HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


class ErrorDetail(BaseModel):
    """What went wrong, for a program (``code``, ``field``) and for a person (``message``)."""

    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


class PayloadTooLargeError(Exception):
    """The request body is longer than the endpoint accepts."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the body is longer than {limit} bytes")


def error_response(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    """An error in the one shape."""
    body = ErrorBody(error=ErrorDetail(code=code, message=message, field=field))
    return JSONResponse(body.model_dump(), status_code=status)


def status_of(error: NodeError) -> int:
    """The HTTP status of a node error."""
    return next(status for kind, status in STATUS_OF if isinstance(error, kind))


async def _node_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, NodeError)
    field, message = None, str(error)
    if isinstance(error, InvalidFieldError):
        field, message = error.field, error.detail
    elif isinstance(error, ApplicationInvalidError) and error.errors:
        field = error.errors[0].field
    response = error_response(status_of(error), error.code, message, field)
    if isinstance(error, AuthenticationError):
        response.headers["WWW-Authenticate"] = 'ApiKey header="X-API-Key"'
    elif isinstance(error, RateLimitedError):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


async def _too_large(_: Request, error: Exception) -> JSONResponse:
    return error_response(413, HTTP_CODES[413], str(error))


async def _invalid_request(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"][1:]) or None
    return error_response(422, "request_invalid", first["msg"], field)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    code = HTTP_CODES.get(error.status_code, "http_error")
    response = error_response(error.status_code, code, str(error.detail))
    response.headers.update(error.headers or {})
    if error.status_code == 405:
        # Starlette names the methods of the first route on the path; list them all
        response.headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
    return response


async def _unexpected(_: Request, error: Exception) -> JSONResponse:
    return error_response(500, "internal_error", "the node failed to answer; it is logged")


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error the app raises in the one shape."""
    app.add_exception_handler(NodeError, _node_error)
    app.add_exception_handler(PayloadTooLargeError, _too_large)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
