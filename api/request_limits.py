"""Limits on what a request body may be, checked before any route reads it.

An ASGI middleware, so that nothing (FastAPI's JSON parsing included) ever
holds more than ``max_body`` bytes or recurses into a JSON document nested
deeper than ``max_depth``: 413 ``payload_too_large`` and 422 ``json_too_deep``.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response

STRUCTURE = re.compile(rb'[\[\]{}"\\]')


def json_depth(body: bytes) -> int:
    """How deep arrays and objects nest in ``body`` (strings skipped), without parsing it."""
    depth = deepest = 0
    in_string = False
    skip_to = 0
    for match in STRUCTURE.finditer(body):
        at = match.start()
        if at < skip_to:
            continue
        char = body[at]
        if in_string:
            if char == 0x5C:  # backslash: the next byte is escaped
                skip_to = at + 2
            elif char == 0x22:
                in_string = False
        elif char == 0x22:
            in_string = True
        elif char in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in b"]}":
            depth -= 1
    return deepest


class RequestLimits:
    """Refuse bodies over ``max_body`` bytes and JSON nested deeper than ``max_depth``."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_depth: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay(message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if b"json" in headers.get(b"content-type", b"") and json_depth(body) > self.max_depth:
            response = error_response(
                422, "json_too_deep", f"JSON nested deeper than {self.max_depth} levels"
            )
            await response(scope, receive, send)
            return
        await self.app(scope, _replay({"type": "http.request", "body": body}, receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413, "payload_too_large", f"the body is longer than {self.max_body} bytes"
        )
        await response(scope, receive, send)


def _replay(first: Message, receive: Receive) -> Receive:
    """A receive that gives ``first`` once, then what the client sends next (its disconnect)."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if not given:
            given = True
            return first
        return await receive()

    return replayed
