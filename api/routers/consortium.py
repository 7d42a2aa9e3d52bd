"""The consortium (联盟) as the centre's administrator acts on it: proposals, votes and
recognition (互认) declarations, each queued for the chain with the centre key.

The CentreRegistry decides; these routes only ask. Each answers 202 with the
queued chain action, whose outcome ``GET /admin/consortium/actions/{id}`` shows
once the anchoring worker has sent it; the consortium itself is public at
``GET /peer/consortium``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import status
from pydantic import BaseModel, Field

from api.auth import AdminDep
from api.deps import ServicesDep
from api.routers.common import IDEMPOTENT, node_router
from node.chain.action_payloads import CentreChange
from node.store.records import ChainAction

router = node_router(prefix="/admin/consortium", tags=["admin"])
Address = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{40}$", description="a chain address")]
CentreId = Annotated[int, Field(ge=1, le=2**32 - 1)]


class AdmissionProposal(BaseModel):
    """Admit a centre with its key, region, name and public endpoint."""

    kind: Literal["admit"]
    signer: Address
    region_code: str = Field(pattern=r"^\d{6}$")
    name: str = Field(min_length=1, max_length=200)
    endpoint: str = Field("", max_length=200)


class StatusProposal(BaseModel):
    """Suspend, reinstate or remove a centre."""

    kind: Literal["suspend", "reinstate", "remove"]
    centre_id: CentreId


class KeyRotationProposal(BaseModel):
    """Replace a centre's signing key; its earlier certificates stay valid."""

    kind: Literal["rotate_key"]
    centre_id: CentreId
    new_signer: Address


Proposal = Annotated[
    AdmissionProposal | StatusProposal | KeyRotationProposal, Field(discriminator="kind")
]


class Recognition(BaseModel):
    recognised: bool = Field(description="false withdraws the recognition")


class ChainActionView(BaseModel):
    """A chain write queued by this node, and where it stands."""

    id: int
    kind: str
    status: str = Field(description="pending, sent, confirmed or failed")
    error: str | None = Field(description="the contract's refusal, when failed")
    transaction: str | None
    payload: dict[str, object]

    @classmethod
    def of(cls, action: ChainAction) -> ChainActionView:
        return cls(
            id=action.id,
            kind=action.kind,
            status=action.status.value,
            error=action.error,
            transaction=None if action.tx_hash is None else "0x" + action.tx_hash.hex(),
            payload=dict(action.payload),
        )


@router.post("/proposals", status_code=status.HTTP_202_ACCEPTED, dependencies=IDEMPOTENT)
def propose(body: Proposal, caller: AdminDep, services: ServicesDep) -> ChainActionView:
    """Propose a change of the consortium; this centre's proposal counts as its approval."""
    consortium = services.consortium
    actor = caller.principal
    match body:
        case AdmissionProposal():
            action = consortium.propose_admission(
                actor,
                signer=body.signer,
                region_code=body.region_code,
                name=body.name,
                endpoint=body.endpoint,
            )
        case StatusProposal():
            action = consortium.propose_change(actor, CentreChange(body.kind), body.centre_id)
        case KeyRotationProposal():
            action = consortium.propose_key_rotation(actor, body.centre_id, body.new_signer)
    return ChainActionView.of(action)


@router.post(
    "/proposals/{proposal_id}/votes",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=IDEMPOTENT,
)
def vote(proposal_id: int, caller: AdminDep, services: ServicesDep) -> ChainActionView:
    """Approve a proposal; the approval that reaches the threshold executes it."""
    return ChainActionView.of(services.consortium.vote(caller.principal, proposal_id))


@router.put(
    "/recognitions/{centre_id}", status_code=status.HTTP_202_ACCEPTED, dependencies=IDEMPOTENT
)
def declare_recognition(
    centre_id: int, body: Recognition, caller: AdminDep, services: ServicesDep
) -> ChainActionView:
    """Declare (or withdraw) that this centre recognises another centre's certificates."""
    return ChainActionView.of(
        services.consortium.declare_recognition(
            caller.principal, centre_id, recognised=body.recognised
        )
    )


@router.get("/actions/{action_id}")
def read_action(action_id: int, _: AdminDep, services: ServicesDep) -> ChainActionView:
    """Where a queued consortium request stands: pending, sent, confirmed or failed."""
    return ChainActionView.of(services.consortium.action(action_id))
