"""The API answers over real HTTP (uvicorn on 127.0.0.1)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from api.main import create_app
from node import __version__
from node.chain.local_chain import free_port


@pytest.fixture
def server_url() -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_health_over_http(server_url: str) -> None:
    response = httpx.get(f"{server_url}/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_openapi_names_the_health_route(server_url: str) -> None:
    spec = httpx.get(f"{server_url}/openapi.json", timeout=5).json()
    assert spec["paths"]["/health"]["get"]["description"] == (
        "Report that the node answers, with its version."
    )
