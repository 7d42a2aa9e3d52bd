"""The consortium's asset index read from the chain, as issuance checks it (登记互认)."""

from __future__ import annotations

from node.chain.contracts import DatapropContracts
from node.chain.types import CertificateStatus


class ChainAssetIndex:
    """Who holds an asset key, read from CertificateRegistry; this centre's id from its key."""

    def __init__(self, contracts: DatapropContracts, signer: str) -> None:
        self._contracts = contracts
        self._signer = signer

    def holder_centre(self, asset_key: bytes) -> int | None:
        certificate_id = self._contracts.certificates.certificate_of_asset(asset_key)
        if certificate_id == bytes(32):
            return None
        record = self._contracts.certificates.certificate(certificate_id)
        return record.issuer_id if record.status is CertificateStatus.ACTIVE else None

    def own_centre_id(self) -> int:
        return self._contracts.centres.active_centre_id_of(self._signer)
