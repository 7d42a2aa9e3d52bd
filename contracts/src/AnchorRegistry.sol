// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IAnchorRegistry} from "./interfaces/IAnchorRegistry.sol";
import {ICentreRegistry} from "./interfaces/ICentreRegistry.sol";

/// @title AnchorRegistry
/// @author dataprop
/// @notice Anchors document digests and Merkle batch roots for the centres of a consortium.
/// @dev See {IAnchorRegistry}. Immutable: no owner, no proxy. One storage slot per anchor.
contract AnchorRegistry is IAnchorRegistry {
    /// @inheritdoc IAnchorRegistry
    string public constant override VERSION = "1.0.0";

    ICentreRegistry private immutable _centres;

    mapping(bytes32 digest => Anchor anchor) private _anchors;
    mapping(address signer => uint32 centreId) private _writers;

    /// @notice Deployed by the CentreRegistry, which alone sets the writers.
    constructor() {
        _centres = ICentreRegistry(msg.sender);
    }

    /// @inheritdoc IAnchorRegistry
    function setWriter(address signer, uint32 centreId) external {
        if (msg.sender != address(_centres)) revert AnchorRegistryNotCentreRegistry(msg.sender);
        _writers[signer] = centreId;
        emit WriterChanged(signer, centreId);
    }

    /// @inheritdoc IAnchorRegistry
    function anchor(bytes32 digest, bytes32 kind, bytes32 subject) external {
        uint32 centreId = _store(digest, 0);
        emit DigestAnchored(digest, centreId, kind, subject);
    }

    /// @inheritdoc IAnchorRegistry
    function anchorBatch(bytes32 root, uint32 leafCount) external {
        if (leafCount == 0) revert AnchorRegistryEmptyBatch();
        uint32 centreId = _store(root, leafCount);
        emit BatchAnchored(root, centreId, leafCount);
    }

    /// @inheritdoc IAnchorRegistry
    function centreRegistry() external view returns (address) {
        return address(_centres);
    }

    /// @inheritdoc IAnchorRegistry
    function writerOf(address signer) external view returns (uint32) {
        return _writers[signer];
    }

    /// @inheritdoc IAnchorRegistry
    function anchorOf(bytes32 digestOrRoot) external view returns (Anchor memory) {
        return _anchors[digestOrRoot];
    }

    /// @inheritdoc IAnchorRegistry
    function isAnchored(bytes32 digestOrRoot) external view returns (bool) {
        return _anchors[digestOrRoot].centreId != 0;
    }

    /// @inheritdoc IAnchorRegistry
    function verifyLeaf(bytes32 root, bytes32[] calldata proof, bytes32 leaf) external view returns (bool) {
        Anchor memory rootAnchor = _anchors[root];
        return rootAnchor.centreId != 0 && rootAnchor.leafCount != 0 && MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @inheritdoc IAnchorRegistry
    function leafOf(bytes32 digest) external pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(digest))));
    }

    /// @dev Checks the writer and the value, stores the anchor and returns the writer's centre id.
    function _store(bytes32 digest, uint32 leafCount) private returns (uint32 centreId) {
        centreId = _requireWriter();
        if (digest == bytes32(0)) revert AnchorRegistryZeroDigest();
        if (_anchors[digest].centreId != 0) revert AnchorRegistryAlreadyAnchored(digest);
        _anchors[digest] = Anchor({
            centreId: centreId,
            timestamp: uint64(block.timestamp),
            blockNumber: uint64(block.number),
            leafCount: leafCount
        });
    }

    /// @dev The caller's centre id from the one-slot writer index; the centre registry is asked
    /// only on refusal, to tell a pause from an unknown or inactive caller.
    function _requireWriter() private view returns (uint32 centreId) {
        centreId = _writers[msg.sender];
        if (centreId == 0) {
            if (_centres.paused()) revert AnchorRegistryPaused();
            revert AnchorRegistryNotActiveCentre(msg.sender);
        }
    }
}
