"""Reading a request body with a size limit, before any of it is decoded."""

from __future__ import annotations

from fastapi import Request

from api.errors import PayloadTooLargeError


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body; :class:`PayloadTooLargeError` as soon as it is longer than ``limit``.

    A declared Content-Length over the limit is refused before reading; a
    chunked body is counted as it arrives, so at most ``limit`` bytes are held.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(limit)
        chunks.append(chunk)
    return b"".join(chunks)
