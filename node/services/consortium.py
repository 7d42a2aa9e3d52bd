"""Consortium administration: proposals, votes and recognition (互认) declarations.

The CentreRegistry decides: a proposal takes effect once more than two thirds
of the active centres approve it. This node only asks, with its centre key,
through the outbox: each request is a chain action written with an entry of
the event log in one transaction and sent by the anchoring worker, the only
holder of the key's nonce. What the chain made of it (the proposal's id, its
execution, a refusal) is read back once the action is settled.
"""

from __future__ import annotations

from collections.abc import Callable

from node.chain.action_payloads import (
    ActionPayload,
    CentreChange,
    DeclareRecognition,
    InvalidChainActionError,
    ProposeAdmission,
    ProposeCentreChange,
    ProposeKeyRotation,
    VoteOnProposal,
)
from node.domain.errors import InvalidFieldError
from node.domain.identifiers import RegionCode
from node.services.context import NodeContext
from node.services.standing import require_standing
from node.store.records import ChainAction

SUBJECT = "consortium"
"""The event log's subject of every consortium request."""


class ConsortiumService:
    """Requests this centre makes of the consortium, each queued for the chain."""

    def __init__(self, context: NodeContext) -> None:
        self._context = context

    def propose_admission(
        self, actor: str, *, signer: str, region_code: str, name: str, endpoint: str
    ) -> ChainAction:
        """Propose admitting a centre with its key, region, name and public endpoint."""
        region = RegionCode.parse(region_code, "region_code")
        return self._request(
            actor,
            lambda: ProposeAdmission(signer, int(region.value), name.strip(), endpoint.strip()),
        )

    def propose_change(self, actor: str, change: CentreChange, centre_id: int) -> ChainAction:
        """Propose suspending, reinstating or removing a centre."""
        return self._request(actor, lambda: ProposeCentreChange(change, centre_id))

    def propose_key_rotation(self, actor: str, centre_id: int, new_signer: str) -> ChainAction:
        """Propose replacing a centre's signing key."""
        return self._request(actor, lambda: ProposeKeyRotation(centre_id, new_signer))

    def vote(self, actor: str, proposal_id: int) -> ChainAction:
        """Approve a proposal; the vote that reaches the threshold executes it."""
        return self._request(actor, lambda: VoteOnProposal(proposal_id))

    def declare_recognition(self, actor: str, centre_id: int, *, recognised: bool) -> ChainAction:
        """Declare (or withdraw) this centre's recognition of another centre's certificates."""
        return self._request(actor, lambda: DeclareRecognition(centre_id, recognised))

    def action(self, action_id: int) -> ChainAction:
        """A queued request as it stands (NotFoundError when there is none)."""
        with self._context.unit_of_work() as uow:
            return uow.chain_actions.get(action_id)

    def _request(self, actor: str, build: Callable[[], ActionPayload]) -> ChainAction:
        try:
            action = build()
        except InvalidChainActionError as error:
            raise InvalidFieldError(error.field, "invalid", str(error)) from None
        # proposals and votes go on while the consortium is paused (an unpause must pass);
        # recognitions do not, as the contract says
        require_standing(self._context, while_paused=not isinstance(action, DeclareRecognition))
        payload = action.to_payload()
        with self._context.unit_of_work() as uow:
            queued = uow.chain_actions.enqueue(action.kind, payload)
            uow.events.append(actor, f"consortium.{action.kind}", SUBJECT, payload)
            uow.commit()
        return queued
