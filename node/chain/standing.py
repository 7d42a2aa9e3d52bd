"""The node's standing read from the CentreRegistry: its key, its centre's status, the pause."""

from __future__ import annotations

from datetime import UTC, datetime

from web3.exceptions import Web3Exception

from node.chain.contracts import DatapropContracts
from node.chain.types import CentreStatus
from node.domain.consortium import Standing
from node.errors import ChainError


class ChainStanding:
    """:class:`~node.services.context.StandingSource` on the contracts, read at the head."""

    def __init__(self, contracts: DatapropContracts, key: str) -> None:
        self._contracts = contracts
        self._key = key

    def standing(self) -> Standing:
        centres = self._contracts.centres
        period = centres.key_period(self._key)
        centre = centres.centre(period.centre_id)
        since = None
        if centre.status is not CentreStatus.NONE:
            since = self._block_time(centre.status_changed_block)
        return Standing(
            key=self._key,
            centre_id=period.centre_id,
            centre_status=centre.status.name.lower(),
            status_since_block=centre.status_changed_block,
            status_since=since,
            key_retired_block=period.until_block,
            paused=centres.paused(),
        )

    def _block_time(self, block_number: int) -> datetime:
        try:
            block = self._contracts.connection.w3.eth.get_block(block_number)
        except (Web3Exception, OSError, ValueError) as exc:
            raise ChainError(f"cannot read block {block_number}: {exc}") from exc
        return datetime.fromtimestamp(int(block["timestamp"]), UTC)
