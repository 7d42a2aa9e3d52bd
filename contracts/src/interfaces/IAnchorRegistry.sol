// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Anchors of document digests and Merkle batch roots
/// @author dataprop
/// @notice Active centres anchor a single document digest or the root of a Merkle batch; each value
/// is anchored once, with the anchoring centre, time and block. Writes are refused while the
/// consortium (the centre registry) is paused; reads never are.
/// @dev Batch leaves are OpenZeppelin StandardMerkleTree leaves computed off chain,
/// `keccak256(bytes.concat(keccak256(abi.encode(values...))))`, verified with OpenZeppelin's
/// `MerkleProof` (sorted-pair hashing). Digests and roots share one namespace.
interface IAnchorRegistry {
    /// @notice An anchored digest or root, packed in one storage slot.
    /// @param centreId The anchoring centre; 0 when the value is not anchored.
    /// @param timestamp Timestamp of the anchoring block.
    /// @param blockNumber Number of the anchoring block.
    /// @param leafCount 0 for a single digest; the number of leaves (>= 1) for a batch root.
    struct Anchor {
        uint32 centreId;
        uint64 timestamp;
        uint64 blockNumber;
        uint32 leafCount;
    }

    /// @notice A single document digest was anchored.
    /// @param digest The digest.
    /// @param centreId The anchoring centre.
    /// @param kind The kind of document (an application-defined tag).
    /// @param subject What the document is about (an application-defined reference, e.g. a
    /// certificate id).
    event DigestAnchored(bytes32 indexed digest, uint32 indexed centreId, bytes32 indexed kind, bytes32 subject);

    /// @notice The Merkle root of a batch was anchored.
    /// @param root The root.
    /// @param centreId The anchoring centre.
    /// @param leafCount Number of leaves in the batch.
    event BatchAnchored(bytes32 indexed root, uint32 indexed centreId, uint32 leafCount);

    /// @notice The centre registry set which centre a signer writes for (0: it may not write).
    /// @param signer The key.
    /// @param centreId Its centre while Active and not paused; 0 otherwise.
    event WriterChanged(address indexed signer, uint32 indexed centreId);

    /// @notice Only the centre registry that created this registry may set writers.
    /// @param caller The calling address.
    error AnchorRegistryNotCentreRegistry(address caller);

    /// @notice The caller is not the current key of an Active centre.
    /// @param caller The calling address.
    error AnchorRegistryNotActiveCentre(address caller);

    /// @notice The consortium is paused.
    error AnchorRegistryPaused();

    /// @notice The digest or root is zero.
    error AnchorRegistryZeroDigest();

    /// @notice A batch root was given with a leaf count of zero.
    error AnchorRegistryEmptyBatch();

    /// @notice The value is already anchored (as a digest or as a root).
    /// @param digest The value.
    error AnchorRegistryAlreadyAnchored(bytes32 digest);

    /// @notice Anchors a single document digest. Caller: an Active centre; not while paused.
    /// @param digest The digest; nonzero and never anchored.
    /// @param kind The kind of document, carried in the event only.
    /// @param subject What the document is about, carried in the event only.
    function anchor(bytes32 digest, bytes32 kind, bytes32 subject) external;

    /// @notice Anchors the Merkle root of a batch. Caller: an Active centre; not while paused.
    /// @param root The root; nonzero and never anchored.
    /// @param leafCount Number of leaves; at least 1.
    function anchorBatch(bytes32 root, uint32 leafCount) external;

    /// @notice Sets the centre a signer writes for; 0 forbids it. Caller: the centre registry,
    /// which mirrors here each Active centre's current key and clears them all while paused.
    /// @param signer The key.
    /// @param centreId The centre, or 0.
    function setWriter(address signer, uint32 centreId) external;

    /// @notice Version of the deployed implementation.
    /// @return The semantic version string.
    function VERSION() external view returns (string memory);

    /// @notice The centre registry that authorises writers and holds the pause.
    /// @return The registry's address.
    function centreRegistry() external view returns (address);

    /// @notice The centre `signer` may anchor for now; 0 when it may not.
    /// @param signer The key.
    /// @return The centre id or 0.
    function writerOf(address signer) external view returns (uint32);

    /// @notice The anchor of a digest or root; a zeroed struct when not anchored.
    /// @param digestOrRoot The value.
    /// @return The anchor.
    function anchorOf(bytes32 digestOrRoot) external view returns (Anchor memory);

    /// @notice Whether a digest or root is anchored.
    /// @param digestOrRoot The value.
    /// @return Whether anchored.
    function isAnchored(bytes32 digestOrRoot) external view returns (bool);

    /// @notice Whether `leaf` belongs to the batch of anchored root `root`.
    /// @dev False when `root` is not an anchored batch root (a single digest is not a root).
    /// @param root The batch root.
    /// @param proof The Merkle proof (sibling hashes from the leaf up).
    /// @param leaf The StandardMerkleTree leaf, e.g. `leafOf(digest)`.
    /// @return Whether the proof is valid for an anchored batch root.
    function verifyLeaf(bytes32 root, bytes32[] calldata proof, bytes32 leaf) external view returns (bool);

    /// @notice The StandardMerkleTree leaf of a tree whose leaf encoding is `["bytes32"]`:
    /// `keccak256(bytes.concat(keccak256(abi.encode(digest))))`.
    /// @param digest The document digest that is the leaf's single value.
    /// @return The leaf hash.
    function leafOf(bytes32 digest) external pure returns (bytes32);
}
