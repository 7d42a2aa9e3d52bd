"""The node writes nothing a suspended, removed or re-keyed centre may not write.

The contracts refuse such writes on their own; checking first keeps the store
from recording certificates or decisions that the chain will never take.
"""

from __future__ import annotations

from node.domain.consortium import Standing
from node.services.context import NodeContext
from node.services.errors import CentreNotActiveError


def require_standing(context: NodeContext, *, while_paused: bool = False) -> Standing | None:
    """The node's standing when it may write; CentreNotActiveError saying why it may not.

    ``while_paused`` lets through what the consortium takes while paused
    (proposals and votes, so that an unpause can pass). None on a node without
    chain access (tests).
    """
    source = context.standing
    if source is None:
        return None
    standing = source.standing()
    if standing.may_write or (while_paused and standing.may_vote):
        return standing
    raise CentreNotActiveError(standing, _why(standing))


def _why(standing: Standing) -> str:
    key = standing.key
    if standing.centre_id == 0:
        return f"key {key} is not the key of any centre of the consortium"
    centre = f"centre #{standing.centre_id}"
    if standing.key_retired_block:
        return (
            f"key {key} stopped being {centre}'s key at block {standing.key_retired_block} "
            "(key rotation): configure the new key (centre.key)"
        )
    if standing.centre_status != "active":
        when = "" if standing.status_since is None else f" ({standing.status_since.isoformat()})"
        return (
            f"{centre} is {standing.centre_status} since block "
            f"{standing.status_since_block}{when}: it can issue and record nothing new"
        )
    return "the consortium is paused: no centre writes until it is unpaused by vote"
