"""The contract call of each chain action kind (the payloads live, web3-free, in
``node.chain.action_payloads``)."""

from __future__ import annotations

from web3.contract.contract import ContractFunction

from node.chain.action_payloads import (
    ActionPayload,
    ApproveTransfer,
    CentreChange,
    DeclareRecognition,
    ProposeAdmission,
    ProposeCentreChange,
    ProposeKeyRotation,
    RegisterCertificates,
    RegisterPledge,
    ReleasePledge,
    SetStatus,
    StatusChange,
    VoteOnProposal,
)
from node.chain.contracts import DatapropContracts
from node.chain.registries import ZERO32
from node.chain.types import CertificateStatus

CHAIN_STATUS = {
    StatusChange.REVOKED: CertificateStatus.REVOKED,
    StatusChange.CANCELLED: CertificateStatus.CANCELLED,
    StatusChange.SUPERSEDED: CertificateStatus.SUPERSEDED,
}
PROPOSE_FUNCTION = {
    CentreChange.SUSPEND: "proposeSuspend",
    CentreChange.REINSTATE: "proposeReinstate",
    CentreChange.REMOVE: "proposeRemove",
}


def action_call(contracts: DatapropContracts, action: ActionPayload) -> ContractFunction:
    """The bound contract call (CertificateRegistry or CentreRegistry) that carries out
    ``action``."""
    certificates, centres = contracts.certificates, contracts.centres
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
        case ProposeAdmission():
            return centres.function(
                "proposeAdmit", action.signer, action.region_code, action.name, action.endpoint
            )
        case ProposeCentreChange():
            return centres.function(PROPOSE_FUNCTION[action.change], action.centre_id)
        case ProposeKeyRotation():
            return centres.function("proposeRotateKey", action.centre_id, action.new_signer)
        case VoteOnProposal():
            return centres.function("vote", action.proposal_id)
        case DeclareRecognition():
            return centres.function("setRecognition", action.centre_id, action.recognised)
