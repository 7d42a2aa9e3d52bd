"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import Depends, FastAPI
from pydantic import BaseModel

from api import verification, verify_page
from api.errors import install_error_handlers
from api.rate_limit import RateLimiter
from api.request_checks import no_unknown_query
from api.request_limits import RequestLimits
from api.routers import (
    admin,
    applicant,
    consortium,
    cross_centre,
    imports,
    operator,
    peer,
    pledges,
    public,
    regulator,
    reports,
)
from node import __version__
from node.audit.jobs import AuditJobs
from node.audit_runtime import node_audits
from node.chain.consortium import ConsortiumSnapshot
from node.config import ApiSettings, Settings, load_settings
from node.domain.calendar import Clock
from node.reports.certificate_pdf import CertificatePrinter
from node.reports.fonts import CjkFonts
from node.runtime import freeze_startup_heap
from node.services.node_services import NodeServices
from node.verification.public import PublicVerifier
from node.verifier_runtime import Federation, public_verification

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


class Health(BaseModel):
    """What a load balancer or an operator checks first."""

    status: str
    version: str


def create_app(
    verifier: PublicVerifier | None = None,
    *,
    services: NodeServices | None = None,
    printer: CertificatePrinter | None = None,
    audits: AuditJobs | None = None,
    api: ApiSettings | None = None,
    lifespan: Lifespan | None = None,
    federation: Federation | None = None,
    consortium_view: Callable[[], ConsortiumSnapshot] | None = None,
) -> FastAPI:
    """Build the node's HTTP application.

    Without ``verifier`` verification answers 503; without ``services`` the
    workflow, the notice board and the keys do (a verify-only node); without
    ``printer`` certificate PDFs do, and without ``audits`` the regulator's audits;
    without ``federation`` and ``consortium_view`` the peer and consortium routes do.
    """
    api = api or ApiSettings()
    app = FastAPI(
        title="dataprop",
        version=__version__,
        summary="Data-property registration node (数据产权登记)",
        lifespan=lifespan,
        dependencies=[Depends(no_unknown_query)],
    )
    app.state.verifier = verifier
    app.state.services = services
    app.state.printer = printer
    app.state.audits = audits
    app.state.federation = federation
    app.state.consortium = consortium_view
    app.state.rate_limiter = RateLimiter(api.rate_limit)
    app.add_middleware(RequestLimits, max_body=api.max_body_bytes, max_depth=api.max_json_depth)
    install_error_handlers(app)

    @app.get("/health", tags=["public"])
    def read_health() -> Health:
        """Report that the node answers, with its version."""
        return Health(status="ok", version=__version__)

    app.include_router(verify_page.router)
    app.include_router(verification.router)
    for router in (
        public.router,
        applicant.router,
        operator.router,
        imports.router,
        regulator.router,
        reports.router,
    ):
        app.include_router(router)
    for router in pledges.routers:
        app.include_router(router)
    app.include_router(admin.router)
    for router in (consortium.router, cross_centre.router, peer.router):
        app.include_router(router)
    app.mount("/static", verify_page.static_files, name="static")
    return app


def node_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The app of the node ``settings`` (default: read from the environment) describe.

    ``uvicorn --factory api.main:node_app`` serves it; ``dataprop node run`` too.

    Certificate PDFs are set in the fonts of ``reports.font_dir``; the first PDF
    cuts them to common characters (a few seconds, once per data folder).

    The chain index follows the chain while the app runs. Its objects live as
    long as the process, so they are moved out of the garbage collector's sight
    instead of being rescanned at every full collection (``freeze_startup_heap``).
    """
    settings = settings or load_settings()
    verification = public_verification(settings, clock=clock)
    fonts = CjkFonts(settings.reports.font_dir, settings.resolved_font_cache_dir)
    printer = CertificatePrinter(fonts, settings.centre.endpoint)
    freeze_startup_heap()

    @asynccontextmanager
    async def following(_: FastAPI) -> AsyncIterator[None]:
        stop = verification.facts.follow()
        try:
            yield
        finally:
            stop()

    return create_app(
        verification.verifier,
        services=verification.services,
        printer=printer,
        audits=node_audits(settings, clock=clock),
        api=settings.api,
        lifespan=following,
        federation=verification.federation,
        consortium_view=verification.facts.consortium,
    )
