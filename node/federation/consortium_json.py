"""The consortium as JSON: what `dataprop centre list --json` prints and the admin API returns."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from node.chain.consortium import ConsortiumSnapshot, ProposalState


class _Json(BaseModel):
    model_config = ConfigDict(frozen=True)


class CentreJson(_Json):
    """A member centre (登记机构) of the consortium."""

    id: int
    name: str
    region_code: str
    status: str = Field(description="active, suspended or removed")
    status_since_block: int = Field(description="block of admission or of the last change")
    status_since: datetime | None
    signer: str = Field(description="the centre's current chain key")
    endpoint: str
    recognises: list[int] = Field(description="ids of the centres it recognises (互认)")


class ProposalJson(_Json):
    """A proposal to the consortium with its approvals."""

    id: int
    kind: str
    proposer_id: int
    target_centre_id: int
    new_signer: str | None
    region_code: str | None
    name: str | None
    endpoint: str | None
    expires_at: datetime
    voters: list[int] = Field(description="approving centres in voting order")
    approvals: int = Field(description="approvals of centres still active")
    state: str = Field(description="open, executed or expired")


class ConsortiumJson(_Json):
    """The consortium read from the chain's events at one block."""

    chain_id: int
    block_number: int
    paused: bool
    active_centres: int
    threshold: int = Field(description="approvals a proposal needs now")
    centres: list[CentreJson]
    proposals: list[ProposalJson]

    @classmethod
    def of(cls, snapshot: ConsortiumSnapshot) -> ConsortiumJson:
        """The JSON form of a snapshot."""
        return cls(
            chain_id=snapshot.chain_id,
            block_number=snapshot.block_number,
            paused=snapshot.paused,
            active_centres=snapshot.active_count,
            threshold=snapshot.threshold,
            centres=[
                CentreJson(
                    id=centre.id,
                    name=centre.name,
                    region_code=f"{centre.region_code:06d}",
                    status=centre.status.name.lower(),
                    status_since_block=centre.status_changed_block,
                    status_since=_time(snapshot.status_times.get(centre.id)),
                    signer=centre.signer,
                    endpoint=centre.endpoint,
                    recognises=list(snapshot.recognised_by(centre.id)),
                )
                for centre in snapshot.centres
            ],
            proposals=[_proposal(snapshot, proposal) for proposal in snapshot.proposals],
        )


def _proposal(snapshot: ConsortiumSnapshot, proposal: ProposalState) -> ProposalJson:
    admits = proposal.kind.name == "ADMIT"
    expires_at = _time(proposal.expires_at)
    assert expires_at is not None  # every proposal expires
    return ProposalJson(
        id=proposal.id,
        kind=proposal.kind.name.lower(),
        proposer_id=proposal.proposer_id,
        target_centre_id=proposal.target_centre_id,
        new_signer=proposal.new_signer if int(proposal.new_signer, 16) else None,
        region_code=f"{proposal.region_code:06d}" if admits else None,
        name=proposal.name if admits else None,
        endpoint=proposal.endpoint if admits else None,
        expires_at=expires_at,
        voters=list(proposal.voters),
        approvals=snapshot.approvals(proposal),
        state=snapshot.state_of(proposal),
    )


def _time(timestamp: int | None) -> datetime | None:
    return None if not timestamp else datetime.fromtimestamp(timestamp, UTC)
