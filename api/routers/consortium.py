"""The consortium (联盟) as the centre's administrator acts on it: proposals, votes and
recognition (互认) declarations, each queued for the chain with the centre key.

The CentreRegistry decides; these routes only ask. Each answers 202 with the
queued chain action, whose outcome ``GET /admin/consortium/actions/{id}`` shows
once the anchoring worker has sent it; the consortium itself is public at
``GET /peer/consortium``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from api.auth import AdminDep
from api.deps import ServicesDep
from api.inputs import REGION_CODE
from api.routers.common import IDEMPOTENT, node_router
from node.chain.action_payloads import MAX_PROPOSAL_ID, CentreChange
from node.store.records import ChainAction

router = node_router(prefix="/admin/consortium", tags=["admin"])
Address = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{40}$", description="a chain address")]
CentreId = Annotated[StrictInt, Field(ge=1, le=2**32 - 1)]
CentrePath = Annotated[int, Path(ge=1, le=2**32 - 1, description="the centre's id")]


class AdmissionProposal(BaseModel):
    """Admit a centre with its key, region, name and public endpoint."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["admit"]
    signer: Address
    region_code: str = Field(pattern=REGION_CODE)
    name: str = Field(min_length=1, max_length=200)
    endpoint: str = Field("", max_length=200)


class StatusProposal(BaseModel):
    """Suspend, reinstate or remove a centre."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["suspend", "reinstate", "remove"]
    centre_id: CentreId


class KeyRotationProposal(BaseModel):
    """Replace a centre's signing key; its earlier certificates stay valid."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["rotate_key"]
    centre_id: CentreId
    new_signer: Address


Proposal = Annotated[
    AdmissionProposal | StatusProposal | KeyRotationProposal, Field(discriminator="kind")
]


class Recognition(BaseModel):
    """Whether this centre recognises (互认) the other centre's certificates."""

    model_config = ConfigDict(extra="forbid")

    recognised: StrictBool = Field(description="false withdraws the recognition")


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
def vote(
    proposal_id: Annotated[int, Path(ge=1, le=MAX_PROPOSAL_ID, description="the proposal's id")],
    caller: AdminDep,
    services: ServicesDep,
) -> ChainActionView:
    """Approve a proposal; the approval that reaches the threshold executes it."""
    return ChainActionView.of(services.consortium.vote(caller.principal, proposal_id))


@router.put(
    "/recognitions/{centre_id}", status_code=status.HTTP_202_ACCEPTED, dependencies=IDEMPOTENT
)
def declare_recognition(
    centre_id: CentrePath, body: Recognition, caller: AdminDep, services: ServicesDep
) -> ChainActionView:
    """Declare (or withdraw) that this centre recognises another centre's certificates."""
    return ChainActionView.of(
        services.consortium.declare_recognition(
            caller.principal, centre_id, recognised=body.recognised
        )
    )


@router.get("/actions/{action_id}")
def read_action(
    action_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="the chain action's id")],
    _: AdminDep,
    services: ServicesDep,
) -> ChainActionView:
    """Where a queued consortium request stands: pending, sent, confirmed or failed."""
    return ChainActionView.of(services.consortium.action(action_id))
