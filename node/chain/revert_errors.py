"""Python exceptions named after the contracts' Solidity custom errors.

``revert_decoder`` turns revert data into an instance of the class named after
the custom error plus ``Error`` (``AnchorRegistryAlreadyAnchored`` →
``AnchorRegistryAlreadyAnchoredError``), with the error's arguments as
attributes. A test
checks that every custom error in the compiled ABIs has its class here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from node.chain.abi import ABI, decode_error, error_specs
from node.chain.naming import snake_case
from node.errors import ChainError


class ContractRevertError(ChainError):
    """A contract refused a call with one of its custom errors."""

    code = "contract_reverted"
    registry: ClassVar[dict[str, type[ContractRevertError]]] = {}

    def __init__(self, arguments: dict[str, Any]) -> None:
        self.arguments = {snake_case(name): value for name, value in arguments.items()}
        shown = ", ".join(f"{name}={_show(value)}" for name, value in self.arguments.items())
        super().__init__(f"{type(self).__name__}({shown})")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ContractRevertError.registry[cls.__name__.removesuffix("Error")] = cls

    def __getattr__(self, name: str) -> Any:
        """An argument of the custom error, by its Solidity or its snake_case name."""
        try:
            return self.__dict__["arguments"][snake_case(name)]
        except KeyError:
            raise AttributeError(name) from None


class UnknownContractRevertError(ContractRevertError):
    """A custom error that has no Python class (the ABI grew without this module)."""

    code = "contract_reverted_unknown"


# CentreRegistry


class CentreRegistryAlreadyVotedError(ContractRevertError):
    """The centre already approved the proposal."""

    code = "centre_registry_already_voted"


class CentreRegistryEmptyNameError(ContractRevertError):
    """The name of a centre to admit is empty."""

    code = "centre_registry_empty_name"


class CentreRegistryInvalidCentreStatusError(ContractRevertError):
    """The centre's status does not allow the proposed change."""

    code = "centre_registry_invalid_centre_status"


class CentreRegistryInvalidRegionCodeError(ContractRevertError):
    """The region code is not a six-digit code (100000..999999)."""

    code = "centre_registry_invalid_region_code"


class CentreRegistryKeyAlreadyUsedError(ContractRevertError):
    """The key already belongs, or belonged, to a centre; keys are never reused."""

    code = "centre_registry_key_already_used"


class CentreRegistryLastActiveCentreError(ContractRevertError):
    """Suspending or removing this centre would leave no active centre."""

    code = "centre_registry_last_active_centre"


class CentreRegistryNoGenesisCentreError(ContractRevertError):
    """The constructor was given no genesis centre."""

    code = "centre_registry_no_genesis_centre"


class CentreRegistryNotActiveCentreError(ContractRevertError):
    """The caller is not the current key of an Active centre."""

    code = "centre_registry_not_active_centre"


class CentreRegistryNotPausedError(ContractRevertError):
    """The consortium is not paused: an Unpause proposal was refused."""

    code = "centre_registry_not_paused"


class CentreRegistryPausedError(ContractRevertError):
    """The consortium is paused: a Pause proposal or a recognition change was refused."""

    code = "centre_registry_paused"


class CentreRegistryProposalExpiredError(ContractRevertError):
    """The proposal expired."""

    code = "centre_registry_proposal_expired"


class CentreRegistryProposalNotOpenError(ContractRevertError):
    """The proposal was already executed."""

    code = "centre_registry_proposal_not_open"


class CentreRegistryRecognitionUnchangedError(ContractRevertError):
    """The recognition already has the requested value."""

    code = "centre_registry_recognition_unchanged"


class CentreRegistrySelfRecognitionError(ContractRevertError):
    """A centre cannot declare recognition of itself."""

    code = "centre_registry_self_recognition"


class CentreRegistryThresholdNotReachedError(ContractRevertError):
    """`execute` was called on a proposal without enough approvals."""

    code = "centre_registry_threshold_not_reached"


class CentreRegistryUnknownCentreError(ContractRevertError):
    """No centre has this id."""

    code = "centre_registry_unknown_centre"


class CentreRegistryUnknownProposalError(ContractRevertError):
    """No proposal has this id."""

    code = "centre_registry_unknown_proposal"


class CentreRegistryZeroProposalLifetimeError(ContractRevertError):
    """The constructor was given a proposal lifetime of zero."""

    code = "centre_registry_zero_proposal_lifetime"


class CentreRegistryZeroSignerError(ContractRevertError):
    """The signer of a centre to admit, or a new key, is the zero address."""

    code = "centre_registry_zero_signer"


class EnforcedPauseError(ContractRevertError):
    """OpenZeppelin Pausable: the operation needs the contract not paused."""

    code = "enforced_pause"


class ExpectedPauseError(ContractRevertError):
    """OpenZeppelin Pausable: the operation needs the contract paused."""

    code = "expected_pause"


# AnchorRegistry


class AnchorRegistryAlreadyAnchoredError(ContractRevertError):
    """The value is already anchored (as a digest or as a root)."""

    code = "anchor_registry_already_anchored"


class AnchorRegistryEmptyBatchError(ContractRevertError):
    """A batch root was given with a leaf count of zero."""

    code = "anchor_registry_empty_batch"


class AnchorRegistryNotCentreRegistryError(ContractRevertError):
    """Only the centre registry that created this registry may set writers."""

    code = "anchor_registry_not_centre_registry"


class AnchorRegistryNotActiveCentreError(ContractRevertError):
    """The caller is not the current key of an Active centre."""

    code = "anchor_registry_not_active_centre"


class AnchorRegistryPausedError(ContractRevertError):
    """The consortium is paused."""

    code = "anchor_registry_paused"


class AnchorRegistryZeroDigestError(ContractRevertError):
    """The digest or root is zero."""

    code = "anchor_registry_zero_digest"


# CertificateRegistry


class CertificateRegistryAlreadyRegisteredError(ContractRevertError):
    """The certificate id is already registered."""

    code = "certificate_registry_already_registered"


class CertificateRegistryAssetKeyHeldError(ContractRevertError):
    """The asset key is held by another centre's Active certificate without a transfer approval."""

    code = "certificate_registry_asset_key_held"


class CertificateRegistryCertificateNotActiveError(ContractRevertError):
    """The certificate is not Active."""

    code = "certificate_registry_certificate_not_active"


class CertificateRegistryCertificatePledgedError(ContractRevertError):
    """The certificate has active pledges."""

    code = "certificate_registry_certificate_pledged"


class CertificateRegistryEmptyBatchError(ContractRevertError):
    """The batch is empty."""

    code = "certificate_registry_empty_batch"


class CertificateRegistryInvalidCentreRegistryError(ContractRevertError):
    """The constructor was given an address without code as the centre registry."""

    code = "certificate_registry_invalid_centre_registry"


class CertificateRegistryInvalidStatusError(ContractRevertError):
    """The requested status is not Revoked, Cancelled or Superseded."""

    code = "certificate_registry_invalid_status"


class CertificateRegistryInvalidSupersededByError(ContractRevertError):
    """`supersededBy` is zero for Superseded, set for another status, or the certificate itself."""

    code = "certificate_registry_invalid_superseded_by"


class CertificateRegistryInvalidTransferTargetError(ContractRevertError):
    """The transfer target is not an Active centre other than the issuer."""

    code = "certificate_registry_invalid_transfer_target"


class CertificateRegistryLengthMismatchError(ContractRevertError):
    """The batch's arrays differ in length."""

    code = "certificate_registry_length_mismatch"


class CertificateRegistryNoTransferApprovalError(ContractRevertError):
    """The certificate has no pending transfer approval."""

    code = "certificate_registry_no_transfer_approval"


class CertificateRegistryNotActiveCentreError(ContractRevertError):
    """The caller is not the current key of an Active centre."""

    code = "certificate_registry_not_active_centre"


class CertificateRegistryNotIssuerError(ContractRevertError):
    """The caller is not the key of the certificate's issuing centre."""

    code = "certificate_registry_not_issuer"


class CertificateRegistryPausedError(ContractRevertError):
    """The consortium is paused."""

    code = "certificate_registry_paused"


class CertificateRegistryPledgeExistsError(ContractRevertError):
    """The pledge id is already registered."""

    code = "certificate_registry_pledge_exists"


class CertificateRegistryPledgeNotActiveError(ContractRevertError):
    """The pledge is unknown or already released."""

    code = "certificate_registry_pledge_not_active"


class CertificateRegistryUnknownCertificateError(ContractRevertError):
    """No certificate has this id."""

    code = "certificate_registry_unknown_certificate"


class CertificateRegistryZeroAssetKeyError(ContractRevertError):
    """The asset key of a certificate is zero."""

    code = "certificate_registry_zero_asset_key"


class CertificateRegistryZeroCertificateIdError(ContractRevertError):
    """A certificate id is zero."""

    code = "certificate_registry_zero_certificate_id"


class CertificateRegistryZeroDigestError(ContractRevertError):
    """A required digest is zero."""

    code = "certificate_registry_zero_digest"


class CertificateRegistryZeroPledgeIdError(ContractRevertError):
    """The pledge id is zero."""

    code = "certificate_registry_zero_pledge_id"


def revert_decoder(abis: Iterable[ABI]) -> Callable[[bytes], ChainError | None]:
    """A function from revert data to the matching exception, for TransactionSender."""
    specs = error_specs(abis)

    def decode(data: bytes) -> ChainError | None:
        decoded = decode_error(specs, data)
        if decoded is None:
            return None
        name, arguments = decoded
        error_class = ContractRevertError.registry.get(name)
        if error_class is None:
            return UnknownContractRevertError({"error": name, **arguments})
        return error_class(arguments)

    return decode


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)
