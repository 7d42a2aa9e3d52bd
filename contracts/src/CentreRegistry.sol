// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {AnchorRegistry} from "./AnchorRegistry.sol";
import {IAnchorRegistry} from "./interfaces/IAnchorRegistry.sol";
import {ICentreRegistry} from "./interfaces/ICentreRegistry.sol";

/// @title CentreRegistry
/// @author dataprop
/// @notice Consortium of registration centres governed by more-than-two-thirds approval.
/// @dev See {ICentreRegistry}. Immutable: no owner, no proxy.
contract CentreRegistry is ICentreRegistry, Pausable {
    using EnumerableSet for EnumerableSet.UintSet;

    /// @inheritdoc ICentreRegistry
    string public constant override VERSION = "1.0.0";

    uint32 private constant _MIN_REGION_CODE = 100_000;
    uint32 private constant _MAX_REGION_CODE = 999_999;

    uint64 private immutable _proposalLifetime;
    IAnchorRegistry private immutable _anchorRegistry;

    uint32 private _centreCount;
    uint32 private _activeCentreCount;
    uint256 private _proposalCount;

    mapping(uint32 centreId => Centre centre) private _centres;
    mapping(address key => KeyPeriod period) private _keys;
    // Current keys of Active centres only: the one-slot read behind every write authorisation.
    mapping(address signer => uint32 centreId) private _activeSigners;
    mapping(uint32 recogniserId => EnumerableSet.UintSet recognisedIds) private _recognitions;
    mapping(uint256 proposalId => Proposal proposal) private _proposals;
    mapping(uint256 proposalId => uint32[] voterIds) private _voters;
    mapping(uint256 proposalId => mapping(uint32 centreId => bool voted)) private _voted;

    /// @notice Deploys the registry with its founding centres, each admitted Active.
    /// @param genesis The founding centres; at least one.
    /// @param proposalLifetime_ Seconds a proposal stays open; nonzero.
    constructor(GenesisCentre[] memory genesis, uint64 proposalLifetime_) {
        if (genesis.length == 0) revert CentreRegistryNoGenesisCentre();
        if (proposalLifetime_ == 0) revert CentreRegistryZeroProposalLifetime();
        _proposalLifetime = proposalLifetime_;
        _anchorRegistry = new AnchorRegistry();
        for (uint256 i = 0; i < genesis.length; ++i) {
            GenesisCentre memory founder = genesis[i];
            _checkAdmission(founder.signer, founder.regionCode, bytes(founder.name).length);
            _admit(founder.signer, founder.regionCode, founder.name, founder.endpoint);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Proposals and votes (work while paused)
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc ICentreRegistry
    function proposeAdmit(address signer, uint32 regionCode, string calldata name, string calldata endpoint)
        external
        returns (uint256 proposalId)
    {
        return _propose(ProposalKind.Admit, 0, signer, regionCode, name, endpoint);
    }

    /// @inheritdoc ICentreRegistry
    function proposeSuspend(uint32 centreId) external returns (uint256 proposalId) {
        return _propose(ProposalKind.Suspend, centreId, address(0), 0, "", "");
    }

    /// @inheritdoc ICentreRegistry
    function proposeReinstate(uint32 centreId) external returns (uint256 proposalId) {
        return _propose(ProposalKind.Reinstate, centreId, address(0), 0, "", "");
    }

    /// @inheritdoc ICentreRegistry
    function proposeRemove(uint32 centreId) external returns (uint256 proposalId) {
        return _propose(ProposalKind.Remove, centreId, address(0), 0, "", "");
    }

    /// @inheritdoc ICentreRegistry
    function proposeRotateKey(uint32 centreId, address newSigner) external returns (uint256 proposalId) {
        return _propose(ProposalKind.RotateKey, centreId, newSigner, 0, "", "");
    }

    /// @inheritdoc ICentreRegistry
    function proposePause() external returns (uint256 proposalId) {
        return _propose(ProposalKind.Pause, 0, address(0), 0, "", "");
    }

    /// @inheritdoc ICentreRegistry
    function proposeUnpause() external returns (uint256 proposalId) {
        return _propose(ProposalKind.Unpause, 0, address(0), 0, "", "");
    }

    /// @inheritdoc ICentreRegistry
    function vote(uint256 proposalId) external {
        uint32 voterId = _requireActiveCaller();
        _requireOpen(proposalId);
        if (_voted[proposalId][voterId]) revert CentreRegistryAlreadyVoted(proposalId, voterId);
        _recordVote(proposalId, voterId);
    }

    /// @inheritdoc ICentreRegistry
    function execute(uint256 proposalId) external {
        _requireActiveCaller();
        _requireOpen(proposalId);
        uint256 approvals = _approvals(proposalId);
        uint256 needed = threshold();
        if (approvals < needed) revert CentreRegistryThresholdNotReached(proposalId, approvals, needed);
        _execute(proposalId);
    }

    // ----------------------------------------------------------------------------------------
    // Recognition
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc ICentreRegistry
    function setRecognition(uint32 recognisedCentreId, bool recognised) external {
        uint32 recogniserId = _requireActiveCaller();
        if (paused()) revert CentreRegistryPaused();
        if (_centres[recognisedCentreId].status == CentreStatus.None) {
            revert CentreRegistryUnknownCentre(recognisedCentreId);
        }
        if (recognisedCentreId == recogniserId) revert CentreRegistrySelfRecognition(recogniserId);
        EnumerableSet.UintSet storage recognisedIds = _recognitions[recogniserId];
        bool changed = recognised ? recognisedIds.add(recognisedCentreId) : recognisedIds.remove(recognisedCentreId);
        if (!changed) revert CentreRegistryRecognitionUnchanged(recogniserId, recognisedCentreId, recognised);
        emit RecognitionChanged(recogniserId, recognisedCentreId, recognised);
    }

    // ----------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc ICentreRegistry
    function centreOf(address signer) external view returns (Centre memory) {
        KeyPeriod storage period = _keys[signer];
        if (period.untilBlock != 0) return _centres[0];
        return _centres[period.centreId];
    }

    /// @inheritdoc ICentreRegistry
    function centre(uint32 centreId) external view returns (Centre memory) {
        return _centres[centreId];
    }

    /// @inheritdoc ICentreRegistry
    function centreStatus(uint32 centreId) external view returns (CentreStatus) {
        return _centres[centreId].status;
    }

    /// @inheritdoc ICentreRegistry
    function centreCount() external view returns (uint256) {
        return _centreCount;
    }

    /// @inheritdoc ICentreRegistry
    function activeCentreCount() external view returns (uint256) {
        return _activeCentreCount;
    }

    /// @inheritdoc ICentreRegistry
    function keyPeriod(address key) external view returns (KeyPeriod memory) {
        return _keys[key];
    }

    /// @inheritdoc ICentreRegistry
    function wasKeyOf(address key, uint32 centreId, uint64 blockNumber) external view returns (bool) {
        KeyPeriod memory period = _keys[key];
        return centreId != 0 && period.centreId == centreId && blockNumber >= period.fromBlock
            && (period.untilBlock == 0 || blockNumber < period.untilBlock);
    }

    /// @inheritdoc ICentreRegistry
    function isActive(address signer) external view returns (bool) {
        return activeCentreIdOf(signer) != 0;
    }

    /// @inheritdoc ICentreRegistry
    function proposalLifetime() external view returns (uint64) {
        return _proposalLifetime;
    }

    /// @inheritdoc ICentreRegistry
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    /// @inheritdoc ICentreRegistry
    function proposal(uint256 proposalId) external view returns (Proposal memory proposed, uint256 approvals) {
        return (_proposals[proposalId], _approvals(proposalId));
    }

    /// @inheritdoc ICentreRegistry
    function hasVoted(uint256 proposalId, uint32 centreId) external view returns (bool) {
        return _voted[proposalId][centreId];
    }

    /// @inheritdoc ICentreRegistry
    function recognises(uint32 recogniser, uint32 recognised) external view returns (bool) {
        return _recognitions[recogniser].contains(recognised);
    }

    /// @inheritdoc ICentreRegistry
    function recognisedCentres(uint32 recogniser) external view returns (uint32[] memory) {
        uint256[] memory values = _recognitions[recogniser].values();
        uint32[] memory ids = new uint32[](values.length);
        for (uint256 i = 0; i < values.length; ++i) {
            ids[i] = uint32(values[i]);
        }
        return ids;
    }

    /// @inheritdoc ICentreRegistry
    function activeCentreIdOf(address signer) public view returns (uint32 centreId) {
        return _activeSigners[signer];
    }

    /// @inheritdoc ICentreRegistry
    function threshold() public view returns (uint256) {
        return (2 * uint256(_activeCentreCount)) / 3 + 1;
    }

    /// @inheritdoc ICentreRegistry
    function anchorRegistry() external view returns (address) {
        return address(_anchorRegistry);
    }

    /// @inheritdoc ICentreRegistry
    function paused() public view override(ICentreRegistry, Pausable) returns (bool) {
        return super.paused();
    }

    // ----------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------

    /// @dev Validates, stores and announces a proposal, then records the proposer's approval.
    function _propose(
        ProposalKind kind,
        uint32 targetCentreId,
        address newSigner,
        uint32 regionCode,
        string memory name,
        string memory endpoint
    ) private returns (uint256 proposalId) {
        uint32 proposerId = _requireActiveCaller();
        _checkValid(kind, targetCentreId, newSigner, regionCode, bytes(name).length);
        proposalId = ++_proposalCount;
        uint64 expiresAt = uint64(block.timestamp) + _proposalLifetime;
        _proposals[proposalId] = Proposal({
            kind: kind,
            targetCentreId: targetCentreId,
            newSigner: newSigner,
            proposerId: proposerId,
            executed: false,
            regionCode: regionCode,
            expiresAt: expiresAt,
            name: name,
            endpoint: endpoint
        });
        emit ProposalCreated(
            proposalId, kind, proposerId, targetCentreId, newSigner, regionCode, name, endpoint, expiresAt
        );
        _recordVote(proposalId, proposerId);
    }

    /// @dev Records an approval and executes the proposal once the threshold is reached.
    function _recordVote(uint256 proposalId, uint32 voterId) private {
        _voted[proposalId][voterId] = true;
        _voters[proposalId].push(voterId);
        uint256 approvals = _approvals(proposalId);
        uint256 needed = threshold();
        emit ProposalVoted(proposalId, voterId, approvals, needed);
        if (approvals >= needed) _execute(proposalId);
    }

    /// @dev Re-checks the proposal's validity, marks it executed and applies it.
    function _execute(uint256 proposalId) private {
        Proposal storage p = _proposals[proposalId];
        ProposalKind kind = p.kind;
        uint32 targetCentreId = p.targetCentreId;
        _checkValid(kind, targetCentreId, p.newSigner, p.regionCode, bytes(p.name).length);
        p.executed = true;
        emit ProposalExecuted(proposalId, kind, targetCentreId);
        if (kind == ProposalKind.Admit) {
            _admit(p.newSigner, p.regionCode, p.name, p.endpoint);
        } else if (kind == ProposalKind.Suspend) {
            _changeStatus(targetCentreId, CentreStatus.Suspended);
        } else if (kind == ProposalKind.Reinstate) {
            _changeStatus(targetCentreId, CentreStatus.Active);
        } else if (kind == ProposalKind.Remove) {
            _changeStatus(targetCentreId, CentreStatus.Removed);
        } else if (kind == ProposalKind.RotateKey) {
            _rotateKey(targetCentreId, p.newSigner);
        } else if (kind == ProposalKind.Pause) {
            _pause();
            _syncAllWriters(false);
        } else {
            _unpause();
            _syncAllWriters(true);
        }
    }

    /// @dev Mirrors one signer into the anchor registry's writer index: its centre id while the
    /// centre is Active and the consortium is not paused, 0 otherwise. Keeping this answer in one
    /// slot of the anchor registry is what holds a single anchor under 50,000 gas.
    function _syncWriter(address signer, uint32 centreId) private {
        _anchorRegistry.setWriter(signer, paused() ? 0 : centreId);
    }

    /// @dev After a pause or unpause, sets every Active centre's writer entry (`allow`) or clears it.
    function _syncAllWriters(bool allow) private {
        uint32 count = _centreCount;
        for (uint32 centreId = 1; centreId <= count; ++centreId) {
            Centre storage c = _centres[centreId];
            if (c.status == CentreStatus.Active) {
                _anchorRegistry.setWriter(c.signer, allow ? centreId : 0);
            }
        }
    }

    /// @dev Admits an Active centre under the next id and opens its key period.
    function _admit(address signer, uint32 regionCode, string memory name, string memory endpoint) private {
        uint32 centreId = ++_centreCount;
        uint64 blockNumber = uint64(block.number);
        _centres[centreId] = Centre({
            id: centreId,
            signer: signer,
            regionCode: regionCode,
            status: CentreStatus.Active,
            admittedBlock: blockNumber,
            statusChangedBlock: blockNumber,
            name: name,
            endpoint: endpoint
        });
        _keys[signer] = KeyPeriod({centreId: centreId, fromBlock: blockNumber, untilBlock: 0});
        _activeSigners[signer] = centreId;
        ++_activeCentreCount;
        emit CentreAdmitted(centreId, signer, regionCode, name, endpoint);
        _syncWriter(signer, centreId);
    }

    /// @dev Moves a centre to `current`, keeping the Active count and signer index in step.
    function _changeStatus(uint32 centreId, CentreStatus current) private {
        Centre storage c = _centres[centreId];
        CentreStatus previous = c.status;
        c.status = current;
        c.statusChangedBlock = uint64(block.number);
        if (previous == CentreStatus.Active) {
            --_activeCentreCount;
            delete _activeSigners[c.signer];
        }
        if (current == CentreStatus.Active) {
            ++_activeCentreCount;
            _activeSigners[c.signer] = centreId;
        }
        emit CentreStatusChanged(centreId, previous, current);
        _syncWriter(c.signer, current == CentreStatus.Active ? centreId : 0);
    }

    /// @dev Closes the current key period of a centre and opens the new key's.
    function _rotateKey(uint32 centreId, address newSigner) private {
        Centre storage c = _centres[centreId];
        address previousSigner = c.signer;
        uint64 blockNumber = uint64(block.number);
        c.signer = newSigner;
        _keys[previousSigner].untilBlock = blockNumber;
        _keys[newSigner] = KeyPeriod({centreId: centreId, fromBlock: blockNumber, untilBlock: 0});
        bool active = c.status == CentreStatus.Active;
        if (active) {
            delete _activeSigners[previousSigner];
            _activeSigners[newSigner] = centreId;
        }
        emit CentreKeyRotated(centreId, previousSigner, newSigner);
        if (active) {
            _syncWriter(previousSigner, 0);
            _syncWriter(newSigner, centreId);
        }
    }

    /// @dev Reverts unless the proposal is valid against the current state.
    function _checkValid(
        ProposalKind kind,
        uint32 targetCentreId,
        address newSigner,
        uint32 regionCode,
        uint256 nameLength
    ) private view {
        if (kind == ProposalKind.Admit) {
            _checkAdmission(newSigner, regionCode, nameLength);
        } else if (kind == ProposalKind.Pause) {
            if (paused()) revert CentreRegistryPaused();
        } else if (kind == ProposalKind.Unpause) {
            if (!paused()) revert CentreRegistryNotPaused();
        } else {
            _checkTransition(kind, targetCentreId, newSigner);
        }
    }

    /// @dev Reverts unless the target centre's status allows a Suspend, Reinstate, Remove or
    /// RotateKey, and unless that leaves at least one Active centre.
    function _checkTransition(ProposalKind kind, uint32 centreId, address newSigner) private view {
        CentreStatus status = _centres[centreId].status;
        if (status == CentreStatus.None) revert CentreRegistryUnknownCentre(centreId);
        bool allowed;
        if (kind == ProposalKind.Suspend) {
            allowed = status == CentreStatus.Active;
        } else if (kind == ProposalKind.Reinstate) {
            allowed = status == CentreStatus.Suspended;
        } else {
            allowed = status == CentreStatus.Active || status == CentreStatus.Suspended;
        }
        if (!allowed) revert CentreRegistryInvalidCentreStatus(centreId, status);
        if (kind == ProposalKind.RotateKey) {
            _checkNewKey(newSigner);
        } else if (status == CentreStatus.Active && kind != ProposalKind.Reinstate && _activeCentreCount == 1) {
            revert CentreRegistryLastActiveCentre(centreId);
        }
    }

    /// @dev Reverts unless a centre with these fields may be admitted.
    function _checkAdmission(address signer, uint32 regionCode, uint256 nameLength) private view {
        _checkNewKey(signer);
        if (regionCode < _MIN_REGION_CODE || regionCode > _MAX_REGION_CODE) {
            revert CentreRegistryInvalidRegionCode(regionCode);
        }
        if (nameLength == 0) revert CentreRegistryEmptyName();
    }

    /// @dev Reverts unless `key` is nonzero and was never any centre's key.
    function _checkNewKey(address key) private view {
        if (key == address(0)) revert CentreRegistryZeroSigner();
        uint32 holder = _keys[key].centreId;
        if (holder != 0) revert CentreRegistryKeyAlreadyUsed(key, holder);
    }

    /// @dev Reverts unless the proposal exists, is not executed and has not expired.
    function _requireOpen(uint256 proposalId) private view {
        Proposal storage p = _proposals[proposalId];
        uint64 expiresAt = p.expiresAt;
        if (expiresAt == 0) revert CentreRegistryUnknownProposal(proposalId);
        if (p.executed) revert CentreRegistryProposalNotOpen(proposalId);
        if (block.timestamp >= expiresAt) revert CentreRegistryProposalExpired(proposalId, expiresAt);
    }

    /// @dev The caller's centre id; reverts unless the caller is the current key of an Active centre.
    function _requireActiveCaller() private view returns (uint32 centreId) {
        centreId = activeCentreIdOf(msg.sender);
        if (centreId == 0) revert CentreRegistryNotActiveCentre(msg.sender);
    }

    /// @dev Approvals of a proposal by centres that are still Active (the voter list is at most
    /// the number of centres ever admitted).
    function _approvals(uint256 proposalId) private view returns (uint256 approvals) {
        uint32[] storage voterIds = _voters[proposalId];
        uint256 count = voterIds.length;
        for (uint256 i = 0; i < count; ++i) {
            if (_centres[voterIds[i]].status == CentreStatus.Active) ++approvals;
        }
    }
}
