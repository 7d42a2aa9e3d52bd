"""The verification port served by direct reads of the consortium's contracts at one block."""

from __future__ import annotations

from collections.abc import Sequence

from web3.exceptions import Web3Exception

from node.chain.contracts import DatapropContracts
from node.chain.types import Anchor, Centre, Certificate, KeyPeriod, Pledge
from node.errors import ChainError
from node.verification.ports import ChainFacts, ConsortiumAddresses


class ConsortiumMismatchError(ChainError):
    """The bound AnchorRegistry or CertificateRegistry does not belong to the CentreRegistry."""

    code = "consortium_mismatch"


class ContractChainFacts(ChainFacts):
    """Chain facts read with ``eth_call`` at a block fixed when the reader is made.

    The CentreRegistry is the trust root: the AnchorRegistry must be the one it
    created and the CertificateRegistry must answer to it, so contract addresses
    taken from a bundle cannot point a verifier at a look-alike consortium.
    """

    def __init__(self, contracts: DatapropContracts, block_number: int | None = None) -> None:
        self._contracts = contracts
        self._block = _latest_block(contracts) if block_number is None else block_number
        centres = contracts.centres.address
        anchors = contracts.centres.anchor_registry(block=self._block)
        if anchors != contracts.anchors.address:
            raise ConsortiumMismatchError(
                f"AnchorRegistry {contracts.anchors.address} is not CentreRegistry {centres}'s "
                f"({anchors})"
            )
        governing = contracts.certificates.centre_registry(block=self._block)
        if governing != centres:
            raise ConsortiumMismatchError(
                f"CertificateRegistry {contracts.certificates.address} answers to "
                f"CentreRegistry {governing}, not {centres}"
            )
        self._addresses = ConsortiumAddresses(
            centre_registry=centres,
            anchor_registry=anchors,
            certificate_registry=contracts.certificates.address,
        )

    @property
    def chain_id(self) -> int:
        return self._contracts.connection.chain_id

    @property
    def block_number(self) -> int:
        return self._block

    @property
    def addresses(self) -> ConsortiumAddresses:
        return self._addresses

    def key_period(self, key: str) -> KeyPeriod:
        return self._contracts.centres.key_period(key, block=self._block)

    def centre(self, centre_id: int) -> Centre:
        return self._contracts.centres.centre(centre_id, block=self._block)

    def was_key_of(self, key: str, centre_id: int, block_number: int) -> bool:
        return self._contracts.centres.was_key_of(key, centre_id, block_number, block=self._block)

    def anchor_of(self, digest_or_root: bytes) -> Anchor:
        return self._contracts.anchors.anchor_of(digest_or_root, block=self._block)

    def verify_leaf(self, root: bytes, proof: Sequence[bytes], leaf: bytes) -> bool:
        return self._contracts.anchors.verify_leaf(root, proof, leaf, block=self._block)

    def certificate(self, certificate_id: bytes) -> Certificate:
        return self._contracts.certificates.certificate(certificate_id, block=self._block)

    def active_pledges(self, certificate_id: bytes) -> list[bytes]:
        return self._contracts.certificates.active_pledges(certificate_id, block=self._block)

    def pledge(self, pledge_id: bytes) -> Pledge:
        return self._contracts.certificates.pledge(pledge_id, block=self._block)

    def recognises(self, recogniser_id: int, recognised_id: int) -> bool:
        return self._contracts.centres.recognises(recogniser_id, recognised_id, block=self._block)

    def block_timestamp(self, block_number: int) -> int | None:
        if block_number > self._block:
            return None
        try:
            return int(self._contracts.connection.w3.eth.get_block(block_number)["timestamp"])
        except (Web3Exception, OSError, ValueError) as exc:
            raise ChainError(f"cannot read block {block_number}: {exc}") from exc


def _latest_block(contracts: DatapropContracts) -> int:
    try:
        return int(contracts.connection.w3.eth.block_number)
    except (Web3Exception, OSError, ValueError) as exc:
        raise ChainError(f"cannot read the block height: {exc}") from exc
