"""Public verification: a posted bundle or certificate PDF, or a certificate of this node by number.

Also the public documents of this node's certificates: the bundle and the PDF.

Verification needs no key. With one (``X-API-Key``), the report's pledges carry
what this node recorded of them as far as the caller may see: everyone sees a
pledge's term; its pledgee and principal are shown only to that pledgee and to
the regulator.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, Security
from fastapi.concurrency import run_in_threadpool

from api.auth import API_KEY, authenticated
from api.deps import PrinterDep, VerifierDep
from api.errors import ErrorBody
from api.request_body import read_body
from node.documents.bundle import MAX_BUNDLE_BYTES, bundle_json, parse_bundle
from node.documents.bundle_pdf import MAX_PDF_BYTES, is_pdf, parse_certificate_file
from node.documents.canonical import parse_digest
from node.domain.calendar import local_date
from node.services.node_services import NodeServices
from node.services.pledges import Viewer
from node.verification.public import Verified
from node.verification.report_json import (
    MoneyJson,
    PartyJson,
    PledgeTermsJson,
    VerificationJson,
)

router = APIRouter(tags=["verification"])
JSON = "application/json"
PDF = "application/pdf"
AsCentre = Annotated[
    int | None, Query(ge=1, description="verify as this peer centre (互认), by centre id")
]
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (401, 404, 409, 413, 422, 503)
}
BUNDLE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": f"a certificate bundle (JSON, at most {MAX_BUNDLE_BYTES} bytes) or a "
        f"certificate PDF with its bundle attached (at most {MAX_PDF_BYTES} bytes)",
        "content": {
            JSON: {"schema": {"type": "object"}},
            PDF: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post(
    "/verify", response_model=VerificationJson, responses=ERRORS, openapi_extra=BUNDLE_BODY
)
async def verify_posted_bundle(
    request: Request,
    verifier: VerifierDep,
    token: Annotated[str | None, Security(API_KEY)],
    as_centre: AsCentre = None,
) -> Response:
    """Verify the certificate bundle in the body, or the one attached to a PDF, against the chain.

    When the chain facts are in the index the check is computation only (under
    a millisecond) and runs on the event loop, where a hop to the thread pool
    would only slow it; when they must be read from the chain it runs in the pool.
    A PDF is read in the pool too.
    """
    viewer = await _viewer(request, token)
    declared_pdf = request.headers.get("content-type", "").split(";")[0].strip() == PDF
    body = await read_body(request, MAX_PDF_BYTES if declared_pdf else MAX_BUNDLE_BYTES)
    if is_pdf(body):
        bundle = await run_in_threadpool(parse_certificate_file, body)
    else:
        bundle = parse_bundle(body)
    if verifier.answers_at_once(bundle):
        verified = verifier.verify(bundle, as_centre_id=as_centre)
    else:
        verified = await run_in_threadpool(verifier.verify, bundle, as_centre_id=as_centre)
    if verified.report.pledges:
        return await run_in_threadpool(_answer, request, verified, viewer)
    return _answer(request, verified, viewer)


@router.get("/verify/{registration_number}", response_model=VerificationJson, responses=ERRORS)
async def verify_registered_certificate(
    registration_number: str,
    request: Request,
    verifier: VerifierDep,
    token: Annotated[str | None, Security(API_KEY)],
    as_centre: AsCentre = None,
) -> Response:
    """Verify a certificate this node issued, by its registration number (登记编号)."""
    viewer = await _viewer(request, token)
    verified = await run_in_threadpool(
        verifier.verify_number, registration_number, as_centre_id=as_centre
    )
    return await run_in_threadpool(_answer, request, verified, viewer)


@router.get(
    "/certificates/{registration_number}/bundle",
    responses={
        200: {"content": {"application/json": {}}, "description": "the certificate bundle"},
        **ERRORS,
    },
    response_class=Response,
)
def read_certificate_bundle(registration_number: str, verifier: VerifierDep) -> Response:
    """The public bundle of a certificate this node issued, to verify anywhere."""
    bundle = verifier.bundle(registration_number)
    return Response(bundle_json(bundle), media_type=JSON)


async def _viewer(request: Request, token: str | None) -> Viewer:
    """Who asks: nobody known without a key (or on a node without keys); else the key's role
    and party (a wrong key is refused, never taken for no key)."""
    services: NodeServices | None = request.app.state.services
    if not token or services is None:
        return Viewer()
    caller = await authenticated(request, services, token)
    return Viewer(caller.role, caller.party)


def _answer(request: Request, verified: Verified, viewer: Viewer) -> Response:
    """The report as JSON, with what this node recorded of its pledges when it has any."""
    terms = _pledge_terms(request.app.state.services, verified, viewer)
    return Response(VerificationJson.of(verified, terms).model_dump_json(), media_type=JSON)


def _pledge_terms(
    services: NodeServices | None, verified: Verified, viewer: Viewer
) -> dict[str, PledgeTermsJson]:
    if services is None or not verified.report.pledges:
        return {}
    listed = {parse_digest(p.pledge_id): p.pledge_id for p in verified.report.pledges}
    today = local_date(services.context.clock.now())
    terms = {}
    for chain_id, stored in services.pledges.disclosed(list(listed)).items():
        pledge = stored.pledge
        shown = viewer.sees_amounts_of(pledge)
        principal, pledgee = pledge.terms.principal, pledge.terms.pledgee
        terms[listed[chain_id]] = PledgeTermsJson(
            status=pledge.status_on(today).value,
            term_start=pledge.terms.term_start,
            term_end=pledge.term_end,
            pledgee=PartyJson(name=pledgee.name, code=pledgee.code) if shown else None,
            principal=MoneyJson(amount=principal.text, currency=principal.currency)
            if shown
            else None,
        )
    return terms


@router.get(
    "/certificates/{registration_number}.pdf",
    responses={
        200: {
            "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
            "description": "the certificate as an A4 PDF, its signed bundle attached",
        },
        **ERRORS,
    },
    response_class=Response,
)
def read_certificate_pdf(
    registration_number: str, verifier: VerifierDep, printer: PrinterDep
) -> Response:
    """The certificate (数据产权登记证书) of this node as a PDF that verifies on its own."""
    bundle = verifier.bundle(registration_number)
    number = bundle.document["registration_number"]
    return Response(
        printer.pdf(bundle),
        media_type=PDF,
        headers={"Content-Disposition": f'inline; filename="{number}.pdf"'},
    )
