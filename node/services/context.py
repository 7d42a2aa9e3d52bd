"""What every use case needs: storage, time, the centre, its key, the asset index and the
centre's standing in the consortium."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from node.documents.schemas import CentreRef
from node.documents.signing import CentreSigner
from node.domain.calendar import Clock
from node.domain.centre import Centre
from node.domain.consortium import AssetHolder, Standing
from node.store.ports import AbstractUnitOfWork
from node.verification.ports import ConsortiumAddresses


class AssetIndex(Protocol):
    """The consortium's asset index as this centre reads it (the chain, in production)."""

    def holder_centres(self, asset_keys: Sequence[bytes]) -> dict[bytes, int]:
        """For each of ``asset_keys`` that an active certificate holds, the id of its centre
        (free keys are left out, and so are keys whose transfer to this centre the holding
        centre approved); read at once, so that a bulk issue costs one round trip."""

    def own_centre_id(self) -> int:
        """This node's centre id in the consortium."""

    def holder_of(self, asset_key: bytes) -> AssetHolder:
        """Who holds a key that ``holder_centres`` reported held, to name it in a refusal."""


class StandingSource(Protocol):
    """Where the node learns its standing: the CentreRegistry, in production."""

    def standing(self) -> Standing:
        """The node's standing now."""


@dataclass(frozen=True)
class NodeContext:
    """The node's fixed collaborators, built once at start-up (or per test)."""

    unit_of_work: Callable[[], AbstractUnitOfWork]
    clock: Clock
    centre: Centre
    signer: CentreSigner
    anchor_within: timedelta = timedelta(seconds=5)
    """How soon a new document's anchoring job is due (the outbox deadline)."""
    asset_index: AssetIndex | None = None
    """None on a node without chain access (tests): only the local store is checked."""
    consortium: ConsortiumAddresses | None = None
    """The contracts that bundles name; None on a node without a deployment (tests)."""
    standing: StandingSource | None = None
    """None on a node without chain access (tests): its writes are not checked ahead of the
    chain."""

    @property
    def centre_ref(self) -> CentreRef:
        """How the centre names itself in the documents it signs."""
        return CentreRef(
            region_code=self.centre.region_code.value,
            name=self.centre.name,
            signer=self.signer.address,
        )
