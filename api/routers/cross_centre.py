"""The centre's staff and other cities: recognition filings (互认备案) of other centres'
certificates, and letting an asset move to another centre (跨机构转移)."""

from __future__ import annotations

from typing import Any

from fastapi import Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from api.auth import IssuerDep
from api.deps import FederationDep, ServicesDep
from api.inputs import RegistrationNumberPath
from api.request_body import read_body
from api.routers.common import IDEMPOTENT, node_router
from api.routers.consortium import ChainActionView
from node.documents.bundle import MAX_BUNDLE_BYTES, parse_bundle
from node.documents.canonical import digest_hex
from node.verification.public import Verified
from node.verification.report_json import VerificationJson

router = node_router(prefix="/operator", tags=["operator"])
BUNDLE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the certificate bundle another centre issued (JSON)",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


class TransferOut(BaseModel):
    """The centre that may register the asset next."""

    model_config = ConfigDict(extra="forbid")

    to_centre_id: StrictInt = Field(ge=1, le=2**32 - 1, description="the centre the asset moves to")


class RecognitionView(BaseModel):
    """A recognition filed here: the signed document (anchored by this centre), the
    verification it rests on, and whether the issuing centre was told."""

    registration_number: str
    issuer_centre_id: int
    document_digest: str
    document: dict[str, Any]
    issuer_notified: bool
    notice_error: str | None
    verification: VerificationJson


@router.post(
    "/recognitions",
    status_code=status.HTTP_201_CREATED,
    dependencies=IDEMPOTENT,
    openapi_extra=BUNDLE_BODY,
)
async def file_recognition(
    request: Request, caller: IssuerDep, federation: FederationDep
) -> RecognitionView:
    """互认备案: verify another centre's certificate from the chain as this centre, record and
    anchor the recognition, and tell the issuing centre."""
    bundle = parse_bundle(await read_body(request, MAX_BUNDLE_BYTES))
    filing = await run_in_threadpool(federation.recognitions.file, caller.principal, bundle)
    recognition = filing.recognition
    return RecognitionView(
        registration_number=recognition.registration_number,
        issuer_centre_id=recognition.issuer.centre_id,
        document_digest=digest_hex(filing.document.digest),
        document=recognition.model_dump(mode="json"),
        issuer_notified=filing.issuer_notified,
        notice_error=filing.notice_error,
        verification=VerificationJson.of(Verified(bundle, filing.report)),
    )


@router.post(
    "/certificates/{registration_number}/transfer-out",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=IDEMPOTENT,
)
def approve_transfer_out(
    registration_number: RegistrationNumberPath,
    body: TransferOut,
    caller: IssuerDep,
    services: ServicesDep,
) -> ChainActionView:
    """Let another centre register this certificate's asset (it supersedes the certificate
    here); no other centre can take the asset over."""
    return ChainActionView.of(
        services.transfers.approve_transfer_out(
            caller.principal, registration_number, body.to_centre_id
        )
    )
