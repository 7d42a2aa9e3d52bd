"""The contract call of each chain action kind (the payloads live, web3-free, in
``node.chain.action_payloads``)."""

from __future__ import annotations

from web3.contract.contract import ContractFunction

from node.chain.action_payloads import (
    ActionPayload,
    ApproveTransfer,
    RegisterCertificates,
    RegisterPledge,
    ReleasePledge,
    SetStatus,
    StatusChange,
)
from node.chain.registries import ZERO32, CertificateRegistryClient
from node.chain.types import CertificateStatus

CHAIN_STATUS = {
    StatusChange.REVOKED: CertificateStatus.REVOKED,
    StatusChange.CANCELLED: CertificateStatus.CANCELLED,
    StatusChange.SUPERSEDED: CertificateStatus.SUPERSEDED,
}


def action_call(certificates: CertificateRegistryClient, action: ActionPayload) -> ContractFunction:
    """The bound CertificateRegistry call that carries out ``action``."""
    match action:
        case RegisterCertificates():
            return certificates.function(
                "registerCertificates", list(action.certificate_ids), list(action.asset_keys)
            )
        case SetStatus():
            return certificates.function(
                "setStatus",
                action.certificate_id,
                int(CHAIN_STATUS[action.status]),
                action.superseded_by or ZERO32,
                action.decision_digest,
            )
        case RegisterPledge():
            return certificates.function(
                "registerPledge",
                action.certificate_id,
                action.pledge_id,
                action.record_digest,
                action.pledgee_digest,
            )
        case ReleasePledge():
            return certificates.function("releasePledge", action.pledge_id, action.release_digest)
        case ApproveTransfer():
            return certificates.function(
                "approveTransfer", action.certificate_id, action.to_centre_id
            )
