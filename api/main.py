"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from pydantic import BaseModel

from api import verification, verify_page
from api.errors import install_error_handlers
from node import __version__
from node.config import Settings, load_settings
from node.runtime import freeze_startup_heap
from node.verification.public import PublicVerifier
from node.verifier_runtime import public_verification

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


class Health(BaseModel):
    """What a load balancer or an operator checks first."""

    status: str
    version: str


def create_app(
    verifier: PublicVerifier | None = None, *, lifespan: Lifespan | None = None
) -> FastAPI:
    """Build the node's HTTP application; without ``verifier`` verification answers 503."""
    app = FastAPI(
        title="dataprop",
        version=__version__,
        summary="Data-property registration node (数据产权登记)",
        lifespan=lifespan,
    )
    app.state.verifier = verifier
    install_error_handlers(app)

    @app.get("/health", tags=["public"])
    def read_health() -> Health:
        """Report that the node answers, with its version."""
        return Health(status="ok", version=__version__)

    app.include_router(verify_page.router)
    app.include_router(verification.router)
    app.mount("/static", verify_page.static_files, name="static")
    return app


def node_app(settings: Settings | None = None) -> FastAPI:
    """The app of the node ``settings`` (default: read from the environment) describe.

    ``uvicorn --factory api.main:node_app`` serves it; ``dataprop node run`` too.

    The chain index follows the chain while the app runs. Its objects live as
    long as the process, so they are moved out of the garbage collector's sight
    instead of being rescanned at every full collection (``freeze_startup_heap``).
    """
    verification = public_verification(settings or load_settings())
    freeze_startup_heap()

    @asynccontextmanager
    async def following(_: FastAPI) -> AsyncIterator[None]:
        stop = verification.facts.follow()
        try:
            yield
        finally:
            stop()

    return create_app(verification.verifier, lifespan=following)
