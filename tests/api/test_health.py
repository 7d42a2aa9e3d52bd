"""The API answers over real HTTP (uvicorn on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from api.main import create_app
from node import __version__
from tests.api.serving import serving


@pytest.fixture
def server_url() -> Iterator[str]:
    with serving(create_app()) as url:
        yield url


def test_health_over_http(server_url: str) -> None:
    response = httpx.get(f"{server_url}/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_openapi_names_the_health_route(server_url: str) -> None:
    spec = httpx.get(f"{server_url}/openapi.json", timeout=5).json()
    assert spec["paths"]["/health"]["get"]["description"] == (
        "Report that the node answers, with its version."
    )
