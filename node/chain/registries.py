"""Typed clients of the three contracts: the consortium, the anchors, the certificates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from web3.types import BlockIdentifier, TxReceipt

from node.chain.client import ContractClient
from node.chain.types import (
    Anchor,
    Centre,
    CentreStatus,
    Certificate,
    CertificateStatus,
    KeyPeriod,
    Pledge,
    Proposal,
    ProposalKind,
)

ZERO32 = bytes(32)


class CentreRegistryClient(ContractClient):
    """The consortium of registration centres: members, keys, proposals, recognition."""

    def propose_admit(self, signer: str, region_code: int, name: str, endpoint: str) -> TxReceipt:
        """Propose admitting a centre (counts as the caller's approval)."""
        return self._write("proposeAdmit", signer, region_code, name, endpoint)

    def propose_suspend(self, centre_id: int) -> TxReceipt:
        """Propose suspending an active centre."""
        return self._write("proposeSuspend", centre_id)

    def propose_reinstate(self, centre_id: int) -> TxReceipt:
        """Propose reinstating a suspended centre."""
        return self._write("proposeReinstate", centre_id)

    def propose_remove(self, centre_id: int) -> TxReceipt:
        """Propose removing a centre for good."""
        return self._write("proposeRemove", centre_id)

    def propose_rotate_key(self, centre_id: int, new_signer: str) -> TxReceipt:
        """Propose replacing a centre's signing key."""
        return self._write("proposeRotateKey", centre_id, new_signer)

    def propose_pause(self) -> TxReceipt:
        """Propose pausing anchoring and certificate writes."""
        return self._write("proposePause")

    def propose_unpause(self) -> TxReceipt:
        """Propose resuming writes."""
        return self._write("proposeUnpause")

    def vote(self, proposal_id: int) -> TxReceipt:
        """Approve a proposal; it executes when the threshold is reached."""
        return self._write("vote", proposal_id)

    def execute(self, proposal_id: int) -> TxReceipt:
        """Execute a proposal whose approvals already reach the threshold."""
        return self._write("execute", proposal_id)

    def set_recognition(self, centre_id: int, recognised: bool) -> TxReceipt:
        """Declare or withdraw the caller's recognition (互认) of another centre."""
        return self._write("setRecognition", centre_id, recognised)

    def version(self) -> str:
        """The contract's semantic version."""
        return str(self._view("VERSION"))

    def centre(self, centre_id: int, *, block: BlockIdentifier = "latest") -> Centre:
        """A centre by id (status NONE when unknown)."""
        return _centre(self._view("centre", centre_id, block=block))

    def centre_of(self, signer: str) -> Centre:
        """The centre whose current key is ``signer`` (status NONE when none)."""
        return _centre(self._view("centreOf", signer))

    def centre_count(self) -> int:
        """Centres ever admitted."""
        return int(self._view("centreCount"))

    def centres(self) -> list[Centre]:
        """Every centre ever admitted, by id."""
        return [self.centre(centre_id) for centre_id in range(1, self.centre_count() + 1)]

    def active_centre_count(self) -> int:
        """Centres that are active now."""
        return int(self._view("activeCentreCount"))

    def key_period(self, key: str, *, block: BlockIdentifier = "latest") -> KeyPeriod:
        """When a key belonged to a centre."""
        return KeyPeriod(*self._view("keyPeriod", key, block=block))

    def was_key_of(
        self, key: str, centre_id: int, block_number: int, *, block: BlockIdentifier = "latest"
    ) -> bool:
        """Whether ``key`` was the key of the centre at ``block_number``."""
        return bool(self._view("wasKeyOf", key, centre_id, block_number, block=block))

    def is_active(self, signer: str) -> bool:
        """Whether ``signer`` is the current key of an active centre."""
        return bool(self._view("isActive", signer))

    def anchor_registry(self, *, block: BlockIdentifier = "latest") -> str:
        """The AnchorRegistry this registry created."""
        return str(self._view("anchorRegistry", block=block))

    def active_centre_id_of(self, signer: str) -> int:
        """The active centre of a key, 0 when none."""
        return int(self._view("activeCentreIdOf", signer))

    def threshold(self) -> int:
        """Approvals a proposal needs now."""
        return int(self._view("threshold"))

    def paused(self) -> bool:
        """Whether writes are paused consortium-wide."""
        return bool(self._view("paused"))

    def proposal_count(self) -> int:
        """Proposals ever created."""
        return int(self._view("proposalCount"))

    def proposal(self, proposal_id: int) -> Proposal:
        """A proposal with its current approvals."""
        fields, approvals = self._view("proposal", proposal_id)
        kind, target, signer, proposer, executed, region, expires, name, endpoint = fields
        return Proposal(
            ProposalKind(kind),
            target,
            signer,
            proposer,
            executed,
            region,
            expires,
            name,
            endpoint,
            int(approvals),
        )

    def has_voted(self, proposal_id: int, centre_id: int) -> bool:
        """Whether a centre approved a proposal."""
        return bool(self._view("hasVoted", proposal_id, centre_id))

    def recognises(
        self, recogniser_id: int, recognised_id: int, *, block: BlockIdentifier = "latest"
    ) -> bool:
        """Whether one centre recognises another."""
        return bool(self._view("recognises", recogniser_id, recognised_id, block=block))

    def recognised_centres(self, recogniser_id: int) -> set[int]:
        """The centres a centre recognises."""
        return {int(item) for item in self._view("recognisedCentres", recogniser_id)}


class AnchorRegistryClient(ContractClient):
    """Anchors of document digests and Merkle roots of batches."""

    def anchor(self, digest: bytes, kind: bytes, subject: bytes) -> TxReceipt:
        """Anchor one document digest with its kind and subject."""
        return self._write("anchor", digest, kind, subject)

    def anchor_batch(self, root: bytes, leaf_count: int) -> TxReceipt:
        """Anchor the Merkle root of a batch."""
        return self._write("anchorBatch", root, leaf_count)

    def version(self) -> str:
        """The contract's semantic version."""
        return str(self._view("VERSION"))

    def writer_of(self, signer: str) -> int:
        """The centre a key may anchor for now, 0 when none."""
        return int(self._view("writerOf", signer))

    def anchor_of(self, digest_or_root: bytes, *, block: BlockIdentifier = "latest") -> Anchor:
        """Anchoring facts (``exists`` False when never anchored)."""
        return Anchor(*self._view("anchorOf", digest_or_root, block=block))

    def is_anchored(self, digest_or_root: bytes) -> bool:
        """Whether a digest or root was anchored."""
        return bool(self._view("isAnchored", digest_or_root))

    def verify_leaf(
        self,
        root: bytes,
        proof: Sequence[bytes],
        leaf: bytes,
        *,
        block: BlockIdentifier = "latest",
    ) -> bool:
        """Whether the proof leads from the leaf to an anchored batch root."""
        return bool(self._view("verifyLeaf", root, list(proof), leaf, block=block))

    def leaf_of(self, digest: bytes) -> bytes:
        """The standard Merkle leaf of a digest, as the contract computes it."""
        return bytes(self._view("leafOf", digest))


class CertificateRegistryClient(ContractClient):
    """Certificate status, the asset index and pledges."""

    def register_certificates(
        self, certificate_ids: Sequence[bytes], asset_keys: Sequence[bytes]
    ) -> TxReceipt:
        """Register issued certificates with the asset keys they claim."""
        return self._write("registerCertificates", list(certificate_ids), list(asset_keys))

    def approve_transfer(self, certificate_id: bytes, to_centre_id: int) -> TxReceipt:
        """Let another centre take over the certificate's asset key."""
        return self._write("approveTransfer", certificate_id, to_centre_id)

    def cancel_transfer_approval(self, certificate_id: bytes) -> TxReceipt:
        """Withdraw a pending transfer approval."""
        return self._write("cancelTransferApproval", certificate_id)

    def set_status(
        self,
        certificate_id: bytes,
        status: CertificateStatus,
        decision_digest: bytes,
        superseded_by: bytes = ZERO32,
    ) -> TxReceipt:
        """Revoke, cancel or supersede a certificate, citing the decision document."""
        return self._write("setStatus", certificate_id, int(status), superseded_by, decision_digest)

    def register_pledge(
        self, certificate_id: bytes, pledge_id: bytes, record_digest: bytes, pledgee_digest: bytes
    ) -> TxReceipt:
        """Register a pledge; its priority is its on-chain order."""
        return self._write(
            "registerPledge", certificate_id, pledge_id, record_digest, pledgee_digest
        )

    def release_pledge(self, pledge_id: bytes, release_digest: bytes) -> TxReceipt:
        """Release an active pledge."""
        return self._write("releasePledge", pledge_id, release_digest)

    def version(self) -> str:
        """The contract's semantic version."""
        return str(self._view("VERSION"))

    def centre_registry(self, *, block: BlockIdentifier = "latest") -> str:
        """The CentreRegistry whose active centres may write here."""
        return str(self._view("centreRegistry", block=block))

    def certificate(
        self, certificate_id: bytes, *, block: BlockIdentifier = "latest"
    ) -> Certificate:
        """A certificate's on-chain record (status NONE when unknown)."""
        issuer, status, *rest = self._view("certificate", certificate_id, block=block)
        return Certificate(issuer, CertificateStatus(status), *rest)

    def certificate_of_asset(self, asset_key: bytes) -> bytes:
        """The certificate that holds an asset key (zero when none)."""
        return bytes(self._view("certificateOfAsset", asset_key))

    def active_holder_centres(self, asset_keys: Sequence[bytes]) -> list[int]:
        """For each asset key, the centre whose Active certificate holds it (0 when none)."""
        [centres] = self._plain_view("activeHolderCentres", list(asset_keys))
        return [int(centre) for centre in centres]

    def transfer_approval_of(self, certificate_id: bytes) -> int:
        """The centre a transfer is approved to, 0 when none."""
        return int(self._view("transferApprovalOf", certificate_id))

    def pledge(self, pledge_id: bytes, *, block: BlockIdentifier = "latest") -> Pledge:
        """A pledge by id."""
        return Pledge(*self._view("pledge", pledge_id, block=block))

    def active_pledges(
        self, certificate_id: bytes, *, block: BlockIdentifier = "latest"
    ) -> list[bytes]:
        """Ids of the active pledges in priority order."""
        return [bytes(item) for item in self._view("activePledges", certificate_id, block=block)]

    def pledge_ids(self, certificate_id: bytes) -> list[bytes]:
        """Ids of every pledge ever registered on the certificate, in order."""
        return [bytes(item) for item in self._view("pledgeIds", certificate_id)]


def _centre(values: Sequence[Any]) -> Centre:
    centre_id, signer, region, status, admitted, changed, name, endpoint = values
    return Centre(
        int(centre_id),
        str(signer),
        int(region),
        CentreStatus(status),
        int(admitted),
        int(changed),
        str(name),
        str(endpoint),
    )
