"""What a node offers other centres' nodes: the consortium it reads, who holds an asset here,
and the signed requests of peer centres (filings of recognitions of this centre's
certificates). The public bundle and the notice board are served to anyone elsewhere
(``/certificates/{number}/bundle``, ``/notices``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ConsortiumDep, FederationDep, ServicesDep, federation
from api.errors import ErrorBody
from api.inputs import REGISTRATION_NUMBER
from api.request_body import read_body
from api.routers.common import AUTH_ERRORS
from node.documents.canonical import canonical_json, digest_hex
from node.federation.consortium_json import ConsortiumJson
from node.federation.peer_requests import HEADERS, read_request
from node.services.peer_requests import PeerCaller
from node.services.recognition import FilingNotice

router = APIRouter(prefix="/peer", tags=["peer"], responses=AUTH_ERRORS)
MAX_NOTICE_BYTES = 65_536


class AssetHolderView(BaseModel):
    """This centre's active certificate of an asset key."""

    registration_number: str
    certificate_id: str = Field(description="keccak-256 of the registration number: on chain")
    asset_key: str


class FilingNoticeBody(BaseModel):
    """A peer centre's recognition (互认备案) of one of this centre's certificates."""

    model_config = ConfigDict(extra="forbid")

    registration_number: str = Field(pattern=REGISTRATION_NUMBER)
    document: dict[str, Any] = Field(description="the recognition document as signed")
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$")


class FilingReceipt(BaseModel):
    """The recognition as this centre recorded it in its event log."""

    registration_number: str
    centre_id: int
    document_digest: str
    log_seq: int


async def signed_by_peer(request: Request) -> PeerCaller:
    """The peer centre that signed the request (see :mod:`node.federation.peer_requests`);
    an unsigned request is refused before anything else is asked of the node."""
    body = await read_body(request, MAX_NOTICE_BYTES)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    signed = read_request(request.headers, method=request.method, path=path, body=body)
    return await run_in_threadpool(federation(request).peers.admit, signed)


PEER_SIGNATURE: dict[str, Any] = {
    "parameters": [
        {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
        for name in HEADERS
    ]
}
PeerDep = Annotated[PeerCaller, Depends(signed_by_peer)]


@router.get("/consortium", response_model=ConsortiumJson, responses={503: {"model": ErrorBody}})
def read_consortium(view: ConsortiumDep) -> ConsortiumJson:
    """The consortium's centres and proposals as this node's chain index shows them."""
    return ConsortiumJson.of(view())


@router.get("/assets/{asset_key}")
def read_asset_holder(
    asset_key: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="an asset key")],
    services: ServicesDep,
) -> AssetHolderView:
    """This centre's active certificate of an asset key: what another centre names when it
    refuses to register the asset again (it checks the number against the chain)."""
    key = bytes.fromhex(asset_key[2:])  # the pattern admits only 0x and 64 hex digits
    record = services.transfers.active_certificate_of_asset(key)
    return AssetHolderView(
        registration_number=record.registration_number,
        certificate_id=digest_hex(record.certificate_id),
        asset_key=digest_hex(record.asset_key),
    )


@router.post("/filings", status_code=status.HTTP_201_CREATED, openapi_extra=PEER_SIGNATURE)
def receive_filing(
    body: FilingNoticeBody, caller: PeerDep, federation: FederationDep
) -> FilingReceipt:
    """A peer centre tells this centre it recognised one of its certificates; signed with the
    peer's chain key, checked against the CentreRegistry, refused when replayed or late."""
    signature = bytes.fromhex(body.signature[2:])  # the pattern admits only hex
    notice = FilingNotice(body.registration_number, canonical_json(body.document), signature)
    received = federation.recognitions.receive(caller, notice)
    return FilingReceipt(
        registration_number=received.registration_number,
        centre_id=received.centre_id,
        document_digest=digest_hex(received.digest),
        log_seq=received.log_seq,
    )
