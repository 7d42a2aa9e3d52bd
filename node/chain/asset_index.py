"""The consortium's asset index read from the chain, as issuance checks it (登记互认)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from node.chain.contracts import DatapropContracts
from node.domain.consortium import AssetHolder

NumberLookup = Callable[[str, bytes, bytes], str | None]
"""``(endpoint, asset_key, certificate_id)``: the registration number the issuing centre's node
gives for the certificate, checked to hash to ``certificate_id``; None when it cannot say."""


class ChainAssetIndex:
    """Who holds asset keys, read from CertificateRegistry; this centre's id from its key.

    ``numbers`` asks a holding centre's node for the registration number behind
    an on-chain certificate id (the chain keeps only its hash), to name it when
    refusing a second registration.
    """

    def __init__(
        self, contracts: DatapropContracts, signer: str, numbers: NumberLookup | None = None
    ) -> None:
        self._contracts = contracts
        self._signer = signer
        self._numbers = numbers

    def holder_centres(self, asset_keys: Sequence[bytes]) -> dict[bytes, int]:
        """One ``activeHolderCentres`` call for all the keys (one ``eth_call`` per key cost
        4 ms each on the embedded chain, a second per chunk of 256 certificates)."""
        keys = list(dict.fromkeys(asset_keys))
        if not keys:
            return {}
        centres = self._contracts.certificates.active_holder_centres(keys)
        held = {key: centre for key, centre in zip(keys, centres, strict=True) if centre}
        if not held:
            return held
        own = self.own_centre_id()
        for key in [key for key, centre in held.items() if centre != own]:
            # an asset another centre holds: a refusal, unless it approved the move here (转移)
            if self._approved_to(key, own):
                del held[key]
        return held

    def own_centre_id(self) -> int:
        return self._contracts.centres.active_centre_id_of(self._signer)

    def holder_of(self, asset_key: bytes) -> AssetHolder:
        certificates = self._contracts.certificates
        certificate_id = certificates.certificate_of_asset(asset_key)
        centre = self._contracts.centres.centre(certificates.certificate(certificate_id).issuer_id)
        number = None
        if self._numbers is not None and centre.endpoint:
            number = self._numbers(centre.endpoint, asset_key, certificate_id)
        return AssetHolder(
            certificate_id=certificate_id,
            centre_id=centre.id,
            centre_name=centre.name,
            region_code=f"{centre.region_code:06d}",
            registration_number=number,
        )

    def _approved_to(self, asset_key: bytes, centre_id: int) -> bool:
        certificates = self._contracts.certificates
        holder = certificates.certificate_of_asset(asset_key)
        return certificates.transfer_approval_of(holder) == centre_id
