"""The consortium's asset index read from the chain, as issuance checks it (登记互认)."""

from __future__ import annotations

from collections.abc import Sequence

from node.chain.contracts import DatapropContracts


class ChainAssetIndex:
    """Who holds asset keys, read from CertificateRegistry; this centre's id from its key."""

    def __init__(self, contracts: DatapropContracts, signer: str) -> None:
        self._contracts = contracts
        self._signer = signer

    def holder_centres(self, asset_keys: Sequence[bytes]) -> dict[bytes, int]:
        """One ``activeHolderCentres`` call for all the keys (one ``eth_call`` per key cost
        4 ms each on the embedded chain, a second per chunk of 256 certificates)."""
        keys = list(dict.fromkeys(asset_keys))
        if not keys:
            return {}
        centres = self._contracts.certificates.active_holder_centres(keys)
        return {key: centre for key, centre in zip(keys, centres, strict=True) if centre}

    def own_centre_id(self) -> int:
        return self._contracts.centres.active_centre_id_of(self._signer)
