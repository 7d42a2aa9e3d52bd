"""``Idempotency-Key`` on every state-changing route: a repeat returns the first result.

The routers that change state use :class:`IdempotentRoute`. A request with the
header is fingerprinted (method, path, query, body); the first successful
(2xx) response is stored under the caller's principal and the key, and a later
request with the same key and fingerprint gets it back unchanged
(``Idempotent-Replayed: true``) without running again. The same key with
another request is refused (422 ``idempotency_key_reused``). Requests with one
key are serialised within the process, so a client retrying before its first
attempt has answered waits for that answer instead of acting twice. Failures
are not stored: fixing the request and retrying under the same key works.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from weakref import WeakValueDictionary

from fastapi import Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute

from api.auth import API_KEY, authenticated
from api.deps import node_services
from node.domain.errors import InvalidFieldError
from node.services.node_services import NodeServices

HEADER = "Idempotency-Key"
MAX_KEY = 255
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REPLAYED = "Idempotent-Replayed"

_locks: WeakValueDictionary[tuple[str, str], asyncio.Lock] = WeakValueDictionary()


def idempotency_key_header(
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            min_length=1,
            max_length=MAX_KEY,
            pattern=r"^[\x21-\x7e]+$",
            description="a key of the client's choosing (a UUID): a repeat gets the first result",
        ),
    ] = None,
) -> str | None:
    """Declares the header in the OpenAPI spec; :class:`IdempotentRoute` acts on it."""
    return key


def _checked(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY or not all(0x21 <= ord(char) <= 0x7E for char in key):
        raise InvalidFieldError(
            HEADER, "idempotency_key_invalid", f"must be 1 to {MAX_KEY} visible ASCII characters"
        )
    return key


async def _principal(request: Request, services: NodeServices) -> str:
    """Whose keys these are: the API key's principal, or the client address when anonymous."""
    token = await API_KEY(request)
    if token:
        return (await authenticated(request, services, token)).principal
    return f"anonymous:{request.client.host if request.client else 'unknown'}"


def _fingerprint(request: Request, body: bytes) -> bytes:
    parts = (request.method, request.url.path, request.url.query)
    return hashlib.sha256("\0".join(parts).encode() + b"\0" + body).digest()


class IdempotentRoute(APIRoute):
    """A route that honours ``Idempotency-Key``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def idempotent(request: Request) -> Response:
            key = request.headers.get(HEADER)
            if key is None or request.method not in MUTATING:
                return await handler(request)
            key = _checked(key)
            services = node_services(request)
            principal = await _principal(request, services)
            digest = _fingerprint(request, await request.body())
            lock = _locks.setdefault((principal, key), asyncio.Lock())
            async with lock:
                stored = await run_in_threadpool(_find, services, principal, key, digest)
                if stored is not None:
                    status, content = stored
                    return Response(
                        json.dumps(content, ensure_ascii=False).encode(),
                        status_code=status,
                        media_type="application/json",
                        headers={REPLAYED: "true"},
                    )
                response = await handler(request)
                if 200 <= response.status_code < 300:
                    content = json.loads(bytes(response.body)) if response.body else None
                    await run_in_threadpool(
                        _remember, services, principal, key, digest, response.status_code, content
                    )
                return response

        return idempotent


def _find(
    services: NodeServices, principal: str, key: str, digest: bytes
) -> tuple[int, Any] | None:
    with services.context.unit_of_work() as uow:
        stored = uow.idempotency.find(principal, key, digest)
    return None if stored is None else (stored.status_code, stored.response)


def _remember(
    services: NodeServices, principal: str, key: str, digest: bytes, status: int, content: Any
) -> None:
    with services.context.unit_of_work() as uow:
        uow.idempotency.put(principal, key, digest, status, content)
        uow.commit()
