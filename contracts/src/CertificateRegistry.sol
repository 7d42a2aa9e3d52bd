// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ICentreRegistry} from "./interfaces/ICentreRegistry.sol";
import {ICertificateRegistry} from "./interfaces/ICertificateRegistry.sol";

/// @title CertificateRegistry
/// @author dataprop
/// @notice Certificate status, asset index and pledges for the centres of a consortium.
/// @dev See {ICertificateRegistry}. Immutable: no owner, no proxy.
contract CertificateRegistry is ICertificateRegistry {
    /// @inheritdoc ICertificateRegistry
    string public constant override VERSION = "1.1.0";

    ICentreRegistry private immutable _centres;

    mapping(bytes32 certificateId => Certificate certificate) private _certificates;
    mapping(bytes32 assetKey => bytes32 certificateId) private _assetHolders;
    mapping(bytes32 certificateId => uint32 toCentreId) private _transferApprovals;
    mapping(bytes32 pledgeId => Pledge pledge) private _pledges;
    mapping(bytes32 certificateId => bytes32[] pledgeIds) private _pledgeIds;

    /// @notice Deploys the registry bound to a centre registry.
    /// @param centres The centre registry.
    constructor(ICentreRegistry centres) {
        if (address(centres).code.length == 0) revert CertificateRegistryInvalidCentreRegistry(address(centres));
        _centres = centres;
    }

    // ----------------------------------------------------------------------------------------
    // Certificates and asset index
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc ICertificateRegistry
    function registerCertificates(bytes32[] calldata certificateIds, bytes32[] calldata assetKeys) external {
        uint32 centreId = _requireWriter();
        uint256 count = certificateIds.length;
        if (count == 0) revert CertificateRegistryEmptyBatch();
        if (assetKeys.length != count) revert CertificateRegistryLengthMismatch(count, assetKeys.length);
        for (uint256 i = 0; i < count; ++i) {
            _register(certificateIds[i], assetKeys[i], centreId);
        }
    }

    /// @inheritdoc ICertificateRegistry
    function approveTransfer(bytes32 certificateId, uint32 toCentreId) external {
        uint32 centreId = _requireWriter();
        Certificate storage c = _requireIssuedActive(certificateId, centreId);
        if (c.activePledges != 0) revert CertificateRegistryCertificatePledged(certificateId);
        if (toCentreId == centreId || _centres.centreStatus(toCentreId) != ICentreRegistry.CentreStatus.Active) {
            revert CertificateRegistryInvalidTransferTarget(toCentreId);
        }
        _transferApprovals[certificateId] = toCentreId;
        emit TransferApproved(certificateId, centreId, toCentreId);
    }

    /// @inheritdoc ICertificateRegistry
    function cancelTransferApproval(bytes32 certificateId) external {
        uint32 centreId = _requireWriter();
        _requireIssuedActive(certificateId, centreId);
        uint32 toCentreId = _transferApprovals[certificateId];
        if (toCentreId == 0) revert CertificateRegistryNoTransferApproval(certificateId);
        delete _transferApprovals[certificateId];
        emit TransferApprovalCancelled(certificateId, centreId, toCentreId);
    }

    /// @inheritdoc ICertificateRegistry
    function setStatus(bytes32 certificateId, CertificateStatus status, bytes32 supersededBy, bytes32 decisionDigest)
        external
    {
        uint32 centreId = _requireWriter();
        Certificate storage c = _requireIssuedActive(certificateId, centreId);
        if (
            status != CertificateStatus.Revoked && status != CertificateStatus.Cancelled
                && status != CertificateStatus.Superseded
        ) revert CertificateRegistryInvalidStatus(status);
        if (decisionDigest == bytes32(0)) revert CertificateRegistryZeroDigest();
        bool superseding = status == CertificateStatus.Superseded;
        if (superseding == (supersededBy == bytes32(0)) || supersededBy == certificateId) {
            revert CertificateRegistryInvalidSupersededBy(supersededBy);
        }
        if (status != CertificateStatus.Revoked && c.activePledges != 0) {
            revert CertificateRegistryCertificatePledged(certificateId);
        }
        _changeStatus(certificateId, centreId, status, supersededBy, decisionDigest);
    }

    // ----------------------------------------------------------------------------------------
    // Pledges
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc ICertificateRegistry
    function registerPledge(bytes32 certificateId, bytes32 pledgeId, bytes32 recordDigest, bytes32 pledgeeDigest)
        external
    {
        uint32 centreId = _requireWriter();
        Certificate storage c = _requireIssuedActive(certificateId, centreId);
        if (pledgeId == bytes32(0)) revert CertificateRegistryZeroPledgeId();
        if (_pledges[pledgeId].certificateId != bytes32(0)) revert CertificateRegistryPledgeExists(pledgeId);
        if (recordDigest == bytes32(0) || pledgeeDigest == bytes32(0)) revert CertificateRegistryZeroDigest();
        bytes32[] storage ids = _pledgeIds[certificateId];
        uint32 priority = uint32(ids.length) + 1;
        ids.push(pledgeId);
        ++c.activePledges;
        _pledges[pledgeId] = Pledge({
            certificateId: certificateId,
            recordDigest: recordDigest,
            pledgeeDigest: pledgeeDigest,
            releaseDigest: bytes32(0),
            registeredBlock: uint64(block.number),
            releasedBlock: 0,
            priority: priority,
            active: true
        });
        emit PledgeRegistered(pledgeId, certificateId, centreId, recordDigest, pledgeeDigest, priority);
    }

    /// @inheritdoc ICertificateRegistry
    function releasePledge(bytes32 pledgeId, bytes32 releaseDigest) external {
        uint32 centreId = _requireWriter();
        Pledge storage p = _pledges[pledgeId];
        if (!p.active) revert CertificateRegistryPledgeNotActive(pledgeId);
        bytes32 certificateId = p.certificateId;
        Certificate storage c = _certificates[certificateId];
        if (c.issuerId != centreId) revert CertificateRegistryNotIssuer(certificateId, msg.sender);
        if (releaseDigest == bytes32(0)) revert CertificateRegistryZeroDigest();
        p.active = false;
        p.releaseDigest = releaseDigest;
        p.releasedBlock = uint64(block.number);
        --c.activePledges;
        emit PledgeReleased(pledgeId, certificateId, centreId, releaseDigest);
    }

    // ----------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc ICertificateRegistry
    function centreRegistry() external view returns (address) {
        return address(_centres);
    }

    /// @inheritdoc ICertificateRegistry
    function certificate(bytes32 certificateId) external view returns (Certificate memory) {
        return _certificates[certificateId];
    }

    /// @inheritdoc ICertificateRegistry
    function certificateOfAsset(bytes32 assetKey) external view returns (bytes32) {
        return _assetHolders[assetKey];
    }

    /// @inheritdoc ICertificateRegistry
    function activeHolderCentres(bytes32[] calldata assetKeys) external view returns (uint32[] memory centreIds) {
        centreIds = new uint32[](assetKeys.length);
        for (uint256 i = 0; i < assetKeys.length; ++i) {
            Certificate storage holder = _certificates[_assetHolders[assetKeys[i]]];
            if (holder.status == CertificateStatus.Active) centreIds[i] = holder.issuerId;
        }
    }

    /// @inheritdoc ICertificateRegistry
    function transferApprovalOf(bytes32 certificateId) external view returns (uint32) {
        return _transferApprovals[certificateId];
    }

    /// @inheritdoc ICertificateRegistry
    function pledge(bytes32 pledgeId) external view returns (Pledge memory) {
        return _pledges[pledgeId];
    }

    /// @inheritdoc ICertificateRegistry
    function activePledges(bytes32 certificateId) external view returns (bytes32[] memory) {
        bytes32[] storage ids = _pledgeIds[certificateId];
        bytes32[] memory active = new bytes32[](_certificates[certificateId].activePledges);
        uint256 found = 0;
        for (uint256 i = 0; found < active.length; ++i) {
            bytes32 id = ids[i];
            if (_pledges[id].active) {
                active[found] = id;
                ++found;
            }
        }
        return active;
    }

    /// @inheritdoc ICertificateRegistry
    function pledgeIds(bytes32 certificateId) external view returns (bytes32[] memory) {
        return _pledgeIds[certificateId];
    }

    // ----------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------

    /// @dev Registers one certificate for the caller's centre and claims its asset key,
    /// superseding the Active holder when allowed.
    function _register(bytes32 certificateId, bytes32 assetKey, uint32 centreId) private {
        if (certificateId == bytes32(0)) revert CertificateRegistryZeroCertificateId();
        if (assetKey == bytes32(0)) revert CertificateRegistryZeroAssetKey(certificateId);
        if (_certificates[certificateId].status != CertificateStatus.None) {
            revert CertificateRegistryAlreadyRegistered(certificateId);
        }
        bytes32 holderId = _assetHolders[assetKey];
        bool supersede = _checkClaim(assetKey, holderId, centreId);
        uint64 blockNumber = uint64(block.number);
        _certificates[certificateId] = Certificate({
            issuerId: centreId,
            status: CertificateStatus.Active,
            registeredBlock: blockNumber,
            statusBlock: blockNumber,
            activePledges: 0,
            assetKey: assetKey,
            supersededBy: bytes32(0),
            decisionDigest: bytes32(0)
        });
        _assetHolders[assetKey] = certificateId;
        emit CertificateRegistered(certificateId, centreId, assetKey);
        if (supersede) _changeStatus(holderId, centreId, CertificateStatus.Superseded, certificateId, bytes32(0));
    }

    /// @dev Whether the asset key's holder is Active and must be superseded; reverts when the
    /// caller's centre may not claim the key.
    function _checkClaim(bytes32 assetKey, bytes32 holderId, uint32 centreId) private view returns (bool) {
        if (holderId == bytes32(0)) return false;
        Certificate storage holder = _certificates[holderId];
        if (holder.status != CertificateStatus.Active) return false;
        uint32 holderIssuerId = holder.issuerId;
        if (holderIssuerId != centreId && _transferApprovals[holderId] != centreId) {
            revert CertificateRegistryAssetKeyHeld(assetKey, holderId, holderIssuerId);
        }
        if (holder.activePledges != 0) revert CertificateRegistryCertificatePledged(holderId);
        return true;
    }

    /// @dev Moves an Active certificate to a final status and voids its transfer approval.
    function _changeStatus(
        bytes32 certificateId,
        uint32 centreId,
        CertificateStatus status,
        bytes32 supersededBy,
        bytes32 decisionDigest
    ) private {
        Certificate storage c = _certificates[certificateId];
        c.status = status;
        c.statusBlock = uint64(block.number);
        c.supersededBy = supersededBy;
        c.decisionDigest = decisionDigest;
        delete _transferApprovals[certificateId];
        emit CertificateStatusChanged(certificateId, centreId, status, supersededBy, decisionDigest);
    }

    /// @dev The certificate, after checking it exists, was issued by `centreId` and is Active.
    function _requireIssuedActive(bytes32 certificateId, uint32 centreId)
        private
        view
        returns (Certificate storage c)
    {
        c = _certificates[certificateId];
        CertificateStatus status = c.status;
        if (status == CertificateStatus.None) revert CertificateRegistryUnknownCertificate(certificateId);
        if (c.issuerId != centreId) revert CertificateRegistryNotIssuer(certificateId, msg.sender);
        if (status != CertificateStatus.Active) revert CertificateRegistryCertificateNotActive(certificateId, status);
    }

    /// @dev The caller's centre id; reverts while paused or unless the caller is an Active centre.
    function _requireWriter() private view returns (uint32 centreId) {
        if (_centres.paused()) revert CertificateRegistryPaused();
        centreId = _centres.activeCentreIdOf(msg.sender);
        if (centreId == 0) revert CertificateRegistryNotActiveCentre(msg.sender);
    }
}
