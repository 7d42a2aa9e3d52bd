"""A JSON-RPC endpoint in front of a real chain that fails the way providers do, on purpose.

A real HTTP server on 127.0.0.1 forwards each request to the chain unless the
test's policy answers it first: with a JSON-RPC error (a range refused as too
large, an internal error) or an HTTP status. Every request is recorded, so a
test can see what the client asked for.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Policy = Callable[[dict[str, Any]], dict[str, Any] | int | None]
"""Given a request, a JSON-RPC error object to answer, an HTTP status, or None to forward."""


@dataclass
class FlakyRpc:
    """The proxy's URL, what it was asked and the policy it follows now."""

    url: str
    policy: Policy
    requests: list[dict[str, Any]] = field(default_factory=list)

    def log_ranges(self) -> list[tuple[int, int]]:
        """(fromBlock, toBlock) of every eth_getLogs asked, in order."""
        return [
            (int(r["params"][0]["fromBlock"], 16), int(r["params"][0]["toBlock"], 16))
            for r in self.requests
            if r["method"] == "eth_getLogs"
        ]


def forward(_request: dict[str, Any]) -> None:
    """The policy of a well-behaved provider."""
    return None


@contextmanager
def flaky_rpc(upstream: str, policy: Policy = forward) -> Iterator[FlakyRpc]:
    """A proxy of ``upstream`` following ``policy`` (changeable through the yielded object)."""
    client = httpx.Client(timeout=30)
    proxy: FlakyRpc

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            request = json.loads(body)
            proxy.requests.append(request)
            answer = proxy.policy(request)
            if isinstance(answer, int):
                self._send(answer, b"{}")
            elif answer is not None:
                error = {"jsonrpc": "2.0", "id": request.get("id"), "error": answer}
                self._send(200, json.dumps(error).encode())
            else:
                upstream_answer = client.post(
                    upstream, content=body, headers={"Content-Type": "application/json"}
                )
                self._send(upstream_answer.status_code, upstream_answer.content)

        def _send(self, status: int, content: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy = FlakyRpc(f"http://127.0.0.1:{server.server_address[1]}", policy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        client.close()
