"""Public verification: a posted bundle or certificate PDF, or a certificate of this node by number.

Also the public documents of this node's certificates: the bundle and the PDF.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.deps import PrinterDep, VerifierDep
from api.errors import ErrorBody
from api.request_body import read_body
from node.documents.bundle import MAX_BUNDLE_BYTES, bundle_json, parse_bundle
from node.documents.bundle_pdf import MAX_PDF_BYTES, is_pdf, parse_certificate_file
from node.verification.report_json import VerificationJson

router = APIRouter(tags=["verification"])
JSON = "application/json"
PDF = "application/pdf"
AsCentre = Annotated[
    int | None, Query(ge=1, description="verify as this peer centre (互认), by centre id")
]
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (404, 409, 413, 422, 503)
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
    request: Request, verifier: VerifierDep, as_centre: AsCentre = None
) -> Response:
    """Verify the certificate bundle in the body, or the one attached to a PDF, against the chain.

    When the chain facts are in the index the check is computation only (under
    a millisecond) and runs on the event loop, where a hop to the thread pool
    would only slow it; when they must be read from the chain it runs in the pool.
    A PDF is read in the pool too.
    """
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
    return Response(VerificationJson.of(verified).model_dump_json(), media_type=JSON)


@router.get("/verify/{registration_number}", response_model=VerificationJson, responses=ERRORS)
def verify_registered_certificate(
    registration_number: str, verifier: VerifierDep, as_centre: AsCentre = None
) -> Response:
    """Verify a certificate this node issued, by its registration number (登记编号)."""
    verified = verifier.verify_number(registration_number, as_centre_id=as_centre)
    return Response(VerificationJson.of(verified).model_dump_json(), media_type=JSON)


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
