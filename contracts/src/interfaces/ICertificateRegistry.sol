// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Certificate status, asset index and pledges
/// @author dataprop
/// @notice Records the data-property certificates issued by the consortium's centres: their status
/// (revoked 撤销 / cancelled 注销 / superseded), the asset key each holds so that a second centre
/// cannot register the same asset without a transfer, and the pledges (质押) registered on them in
/// on-chain priority order. A pledged certificate cannot be cancelled, superseded or transferred.
/// @dev All writes need the caller to be the current key of an Active centre and the consortium
/// (the centre registry) not to be paused; reads always work. Certificate ids are
/// `keccak256(registration number)` and asset keys are derived from the holder's credit code and
/// the asset's fingerprint, both off chain.
interface ICertificateRegistry {
    /// @notice Lifecycle of a certificate. `None` marks an unknown id; only `Active` changes.
    enum CertificateStatus {
        None,
        Active,
        Revoked,
        Cancelled,
        Superseded
    }

    /// @notice A registered certificate.
    /// @param issuerId The issuing centre.
    /// @param status Current status.
    /// @param registeredBlock Block of registration.
    /// @param statusBlock Block of the last status change (the registration block at first).
    /// @param activePledges Number of pledges registered and not released.
    /// @param assetKey The asset key the certificate was registered for.
    /// @param supersededBy The certificate that superseded it; 0 unless Superseded.
    /// @param decisionDigest Digest of the decision document of the status change; 0 while Active
    /// and when superseded by a registration.
    // solhint-disable-next-line gas-struct-packing
    struct Certificate {
        uint32 issuerId;
        CertificateStatus status;
        uint64 registeredBlock;
        uint64 statusBlock;
        uint32 activePledges;
        bytes32 assetKey;
        bytes32 supersededBy;
        bytes32 decisionDigest;
    }

    /// @notice A pledge (质押) registered on a certificate.
    /// @param certificateId The pledged certificate.
    /// @param recordDigest Digest of the pledge registration record.
    /// @param pledgeeDigest Digest identifying the pledgee (the bank).
    /// @param releaseDigest Digest of the release record; 0 while active.
    /// @param registeredBlock Block of registration.
    /// @param releasedBlock Block of release; 0 while active.
    /// @param priority 1 + the number of pledges registered on the certificate before it.
    /// @param active Whether the pledge is registered and not released.
    struct Pledge {
        bytes32 certificateId;
        bytes32 recordDigest;
        bytes32 pledgeeDigest;
        bytes32 releaseDigest;
        uint64 registeredBlock;
        uint64 releasedBlock;
        uint32 priority;
        bool active;
    }

    /// @notice A certificate was registered Active; it now holds its asset key.
    /// @param certificateId The certificate.
    /// @param issuerId The issuing centre.
    /// @param assetKey The asset key it holds.
    event CertificateRegistered(bytes32 indexed certificateId, uint32 indexed issuerId, bytes32 indexed assetKey);

    /// @notice An Active certificate was revoked, cancelled or superseded; any pending transfer
    /// approval of it is void from then on.
    /// @param certificateId The certificate.
    /// @param centreId The centre that made the change: the issuer, or for a supersession by
    /// registration the registering centre (another centre when the certificate was transferred).
    /// @param status The new status.
    /// @param supersededBy The superseding certificate; 0 unless Superseded.
    /// @param decisionDigest Digest of the decision document; 0 for a supersession by registration.
    event CertificateStatusChanged(
        bytes32 indexed certificateId,
        uint32 indexed centreId,
        CertificateStatus status,
        bytes32 supersededBy,
        bytes32 decisionDigest
    );

    /// @notice The issuing centre approved the transfer of a certificate's asset to another centre,
    /// replacing any earlier approval.
    /// @param certificateId The certificate.
    /// @param fromCentreId The issuing centre.
    /// @param toCentreId The centre that may now register the asset, superseding the certificate.
    event TransferApproved(bytes32 indexed certificateId, uint32 indexed fromCentreId, uint32 indexed toCentreId);

    /// @notice The issuing centre withdrew a pending transfer approval.
    /// @param certificateId The certificate.
    /// @param fromCentreId The issuing centre.
    /// @param toCentreId The centre that was approved.
    event TransferApprovalCancelled(
        bytes32 indexed certificateId, uint32 indexed fromCentreId, uint32 indexed toCentreId
    );

    /// @notice A pledge was registered on a certificate.
    /// @param pledgeId The pledge.
    /// @param certificateId The pledged certificate.
    /// @param centreId The issuing centre that registered it.
    /// @param recordDigest Digest of the pledge registration record.
    /// @param pledgeeDigest Digest identifying the pledgee.
    /// @param priority Its priority (1 = first registered).
    event PledgeRegistered(
        bytes32 indexed pledgeId,
        bytes32 indexed certificateId,
        uint32 indexed centreId,
        bytes32 recordDigest,
        bytes32 pledgeeDigest,
        uint32 priority
    );

    /// @notice A pledge was released.
    /// @param pledgeId The pledge.
    /// @param certificateId The pledged certificate.
    /// @param centreId The issuing centre that released it.
    /// @param releaseDigest Digest of the release record.
    event PledgeReleased(
        bytes32 indexed pledgeId, bytes32 indexed certificateId, uint32 indexed centreId, bytes32 releaseDigest
    );

    /// @notice The constructor was given an address without code as the centre registry.
    /// @param registry The address given.
    error CertificateRegistryInvalidCentreRegistry(address registry);

    /// @notice The caller is not the current key of an Active centre.
    /// @param caller The calling address.
    error CertificateRegistryNotActiveCentre(address caller);

    /// @notice The consortium is paused.
    error CertificateRegistryPaused();

    /// @notice The batch is empty.
    error CertificateRegistryEmptyBatch();

    /// @notice The batch's arrays differ in length.
    /// @param certificateIds Length of the certificate id array.
    /// @param assetKeys Length of the asset key array.
    error CertificateRegistryLengthMismatch(uint256 certificateIds, uint256 assetKeys);

    /// @notice A certificate id is zero.
    error CertificateRegistryZeroCertificateId();

    /// @notice The asset key of a certificate is zero.
    /// @param certificateId The certificate.
    error CertificateRegistryZeroAssetKey(bytes32 certificateId);

    /// @notice The certificate id is already registered.
    /// @param certificateId The certificate.
    error CertificateRegistryAlreadyRegistered(bytes32 certificateId);

    /// @notice The asset key is held by an Active certificate of another centre that has not
    /// approved its transfer to the caller's centre.
    /// @param assetKey The asset key.
    /// @param certificateId The holding certificate.
    /// @param centreId Its issuing centre.
    error CertificateRegistryAssetKeyHeld(bytes32 assetKey, bytes32 certificateId, uint32 centreId);

    /// @notice The certificate has active pledges.
    /// @param certificateId The certificate.
    error CertificateRegistryCertificatePledged(bytes32 certificateId);

    /// @notice No certificate has this id.
    /// @param certificateId The id.
    error CertificateRegistryUnknownCertificate(bytes32 certificateId);

    /// @notice The caller is not the key of the certificate's issuing centre.
    /// @param certificateId The certificate.
    /// @param caller The calling address.
    error CertificateRegistryNotIssuer(bytes32 certificateId, address caller);

    /// @notice The certificate is not Active.
    /// @param certificateId The certificate.
    /// @param status Its status.
    error CertificateRegistryCertificateNotActive(bytes32 certificateId, CertificateStatus status);

    /// @notice The requested status is not Revoked, Cancelled or Superseded.
    /// @param status The requested status.
    error CertificateRegistryInvalidStatus(CertificateStatus status);

    /// @notice `supersededBy` is zero for Superseded, nonzero for another status, or the
    /// certificate itself.
    /// @param supersededBy The value given.
    error CertificateRegistryInvalidSupersededBy(bytes32 supersededBy);

    /// @notice A required digest is zero.
    error CertificateRegistryZeroDigest();

    /// @notice The transfer target is not an Active centre other than the issuer.
    /// @param centreId The target.
    error CertificateRegistryInvalidTransferTarget(uint32 centreId);

    /// @notice The certificate has no pending transfer approval.
    /// @param certificateId The certificate.
    error CertificateRegistryNoTransferApproval(bytes32 certificateId);

    /// @notice The pledge id is zero.
    error CertificateRegistryZeroPledgeId();

    /// @notice The pledge id is already registered.
    /// @param pledgeId The pledge.
    error CertificateRegistryPledgeExists(bytes32 pledgeId);

    /// @notice The pledge is unknown or already released.
    /// @param pledgeId The pledge.
    error CertificateRegistryPledgeNotActive(bytes32 pledgeId);

    /// @notice Registers certificates issued by the caller's centre, each Active and holding its
    /// asset key.
    /// @dev An asset key held by an Active certificate is claimed only if that certificate was
    /// issued by the caller's centre or has a pending transfer approval naming it, and has no
    /// active pledge; the old certificate then becomes Superseded by the new one (and the approval
    /// is consumed). A key held by a certificate that is no longer Active is simply claimed.
    /// @param certificateIds The certificate ids; nonzero and new.
    /// @param assetKeys Their asset keys; nonzero; same length.
    function registerCertificates(bytes32[] calldata certificateIds, bytes32[] calldata assetKeys) external;

    /// @notice Lets another centre register the asset of an Active, unpledged certificate,
    /// superseding it. Caller: the issuing centre.
    /// @param certificateId The certificate.
    /// @param toCentreId An Active centre other than the issuer.
    function approveTransfer(bytes32 certificateId, uint32 toCentreId) external;

    /// @notice Withdraws the pending transfer approval of an Active certificate.
    /// Caller: the issuing centre.
    /// @param certificateId The certificate.
    function cancelTransferApproval(bytes32 certificateId) external;

    /// @notice Revokes (撤销), cancels (注销) or supersedes an Active certificate.
    /// Caller: the issuing centre.
    /// @dev Cancelled and Superseded revert while the certificate has active pledges; Revoked does
    /// not, so that the pledgee sees the revocation. The certificate keeps its asset key entry, which
    /// another registration may now claim.
    /// @param certificateId The certificate.
    /// @param status Revoked, Cancelled or Superseded.
    /// @param supersededBy The superseding certificate for Superseded; 0 otherwise.
    /// @param decisionDigest Digest of the decision document; nonzero.
    function setStatus(bytes32 certificateId, CertificateStatus status, bytes32 supersededBy, bytes32 decisionDigest)
        external;

    /// @notice Registers a pledge on an Active certificate; its priority is the on-chain order.
    /// Caller: the issuing centre.
    /// @param certificateId The certificate.
    /// @param pledgeId The pledge id; nonzero and new.
    /// @param recordDigest Digest of the pledge registration record; nonzero.
    /// @param pledgeeDigest Digest identifying the pledgee; nonzero.
    function registerPledge(bytes32 certificateId, bytes32 pledgeId, bytes32 recordDigest, bytes32 pledgeeDigest)
        external;

    /// @notice Releases an active pledge, whatever the certificate's status now.
    /// Caller: the issuing centre of the pledged certificate.
    /// @param pledgeId The pledge.
    /// @param releaseDigest Digest of the release record; nonzero.
    function releasePledge(bytes32 pledgeId, bytes32 releaseDigest) external;

    /// @notice Version of the deployed implementation.
    /// @return The semantic version string.
    function VERSION() external view returns (string memory);

    /// @notice The centre registry that authorises writers and holds the pause.
    /// @return The registry's address.
    function centreRegistry() external view returns (address);

    /// @notice A certificate; a zeroed struct when unknown.
    /// @param certificateId The certificate.
    /// @return The certificate.
    function certificate(bytes32 certificateId) external view returns (Certificate memory);

    /// @notice The certificate last registered for an asset key (it may no longer be Active);
    /// 0 when none.
    /// @param assetKey The asset key.
    /// @return The certificate id.
    function certificateOfAsset(bytes32 assetKey) external view returns (bytes32);

    /// @notice For each asset key, the centre whose Active certificate holds it; 0 where none
    /// does. What a centre checks, one call for a whole batch, before it registers the keys.
    /// @param assetKeys The asset keys.
    /// @return centreIds The holding centre of each key, in the order of `assetKeys`.
    function activeHolderCentres(bytes32[] calldata assetKeys) external view returns (uint32[] memory centreIds);

    /// @notice The centre a certificate's transfer is approved to; 0 when none.
    /// @param certificateId The certificate.
    /// @return The centre id.
    function transferApprovalOf(bytes32 certificateId) external view returns (uint32);

    /// @notice A pledge; a zeroed struct when unknown.
    /// @param pledgeId The pledge.
    /// @return The pledge.
    function pledge(bytes32 pledgeId) external view returns (Pledge memory);

    /// @notice The active pledges of a certificate in priority order.
    /// @param certificateId The certificate.
    /// @return The pledge ids.
    function activePledges(bytes32 certificateId) external view returns (bytes32[] memory);

    /// @notice All pledges ever registered on a certificate in priority order.
    /// @param certificateId The certificate.
    /// @return The pledge ids.
    function pledgeIds(bytes32 certificateId) external view returns (bytes32[] memory);
}
