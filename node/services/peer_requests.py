"""Admitting a request signed by a peer centre: its key, its window, its nonce, its audience.

The consortium decides who is a peer: the key must be the current key of an
active centre in the CentreRegistry as this node's chain index shows it now,
never a local list of trusted keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from node.chain.consortium import ConsortiumSnapshot
from node.chain.types import CentreStatus
from node.federation.peer_requests import PeerDomain, SignedPeerRequest
from node.services.context import NodeContext
from node.services.errors import NotACentreError, PeerNotActiveError, PeerRequestRefusedError
from node.store.errors import AlreadyExistsError


@dataclass(frozen=True)
class PeerCaller:
    """The centre behind an admitted request."""

    centre_id: int
    key: str
    name: str
    region_code: str

    @property
    def actor(self) -> str:
        """How the node's event log names it."""
        return f"centre#{self.centre_id}"


class PeerRequestGate:
    """Checks signed requests from peer centres against the chain and the nonces seen."""

    def __init__(
        self,
        context: NodeContext,
        domain: PeerDomain,
        consortium: Callable[[], ConsortiumSnapshot],
        *,
        window: timedelta,
    ) -> None:
        self._context = context
        self._domain = domain
        self._consortium = consortium
        self._window = window

    def admit(self, signed: SignedPeerRequest) -> PeerCaller:
        """The calling centre; PeerRequestRefusedError, PeerSignatureError or
        PeerNotActiveError saying why the request is refused."""
        request = signed.request
        now = self._context.clock.now()
        sent = datetime.fromtimestamp(request.timestamp, UTC)
        if abs(now - sent) > self._window:
            raise PeerRequestRefusedError(
                "peer_request_expired",
                f"signed at {sent.isoformat()}, more than {self._window.total_seconds():g} s "
                f"from this node's time {now.isoformat()}",
            )
        key = signed.recover(self._domain)
        consortium = self._consortium()
        centre = consortium.centre_of_key(key)
        if centre is None:
            raise PeerNotActiveError(
                f"{key} is not the current key of any centre at block {consortium.block_number}"
            )
        if centre.status is not CentreStatus.ACTIVE:
            raise PeerNotActiveError(
                f"centre #{centre.id} {centre.name} is {centre.status.name.lower()} since block "
                f"{centre.status_changed_block}"
            )
        own = consortium.centre_of_key(self._context.signer.address)
        if own is None:
            raise NotACentreError(
                f"this node's key {self._context.signer.address} is not the current key of any "
                "centre: it answers no peer until it is configured with its centre's key"
            )
        if request.audience != own.id:
            raise PeerRequestRefusedError(
                "peer_wrong_audience",
                f"the request is signed for centre #{request.audience}, not for this centre "
                f"(#{own.id})",
            )
        try:
            with self._context.unit_of_work() as uow:
                uow.peer_nonces.purge(now - self._window)
                uow.peer_nonces.record(key, request.nonce, sent + self._window)
                uow.commit()
        except AlreadyExistsError:
            raise PeerRequestRefusedError(
                "peer_request_replayed",
                f"nonce 0x{request.nonce.hex()} of {key} was used already: a replayed request",
            ) from None
        return PeerCaller(centre.id, key, centre.name, f"{centre.region_code:06d}")
