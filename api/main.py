"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel

from node import __version__


class Health(BaseModel):
    """What a load balancer or an operator checks first."""

    status: str
    version: str


def create_app() -> FastAPI:
    """Build the node's HTTP application."""
    app = FastAPI(
        title="dataprop",
        version=__version__,
        summary="Data-property registration node (数据产权登记)",
    )

    @app.get("/health", tags=["public"])
    def read_health() -> Health:
        """Report that the node answers, with its version."""
        return Health(status="ok", version=__version__)

    return app
