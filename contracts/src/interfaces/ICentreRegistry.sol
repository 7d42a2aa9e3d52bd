// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Consortium of data-property registration centres (数据产权登记机构)
/// @author dataprop
/// @notice Keeps the member centres, their signing keys over time, the recognitions (互认) they
/// declare and the consortium-wide pause. Centres are admitted, suspended, reinstated, removed and
/// re-keyed, and the consortium is paused or unpaused, only by proposals that more than two thirds
/// of the active centres approve.
/// @dev Every state change emits an event carrying what a log reader needs to rebuild the state,
/// including the genesis admissions emitted by the constructor. Pausing also emits OpenZeppelin's
/// `Paused(address account)` / `Unpaused(address account)`, `account` being the centre whose vote
/// executed the proposal. Proposals and votes keep working while paused, so that an unpause can
/// pass; reads are never paused.
interface ICentreRegistry {
    /// @notice Lifecycle of a centre. `None` marks an unknown id; `Removed` is final.
    enum CentreStatus {
        None,
        Active,
        Suspended,
        Removed
    }

    /// @notice What a proposal does once approved.
    enum ProposalKind {
        Admit,
        Suspend,
        Reinstate,
        Remove,
        RotateKey,
        Pause,
        Unpause
    }

    /// @notice A member centre.
    /// @param id Sequential id from 1; 0 means "no centre".
    /// @param signer The centre's current signing key (its chain address).
    /// @param regionCode Six-digit administrative region code (100000..999999).
    /// @param status Current lifecycle status.
    /// @param admittedBlock Block of admission.
    /// @param statusChangedBlock Block of the last status change (the admission block at first).
    /// @param name Display name of the centre.
    /// @param endpoint Public endpoint (URL) of the centre's node.
    struct Centre {
        uint32 id;
        address signer;
        uint32 regionCode;
        CentreStatus status;
        uint64 admittedBlock;
        uint64 statusChangedBlock;
        string name;
        string endpoint;
    }

    /// @notice A founding centre passed to the constructor.
    /// @param signer The centre's signing key.
    /// @param regionCode Six-digit administrative region code (100000..999999).
    /// @param name Display name; must not be empty.
    /// @param endpoint Public endpoint (URL) of the centre's node.
    struct GenesisCentre {
        address signer;
        uint32 regionCode;
        string name;
        string endpoint;
    }

    /// @notice The period during which a key belonged to a centre. A key serves one centre ever.
    /// @param centreId The centre the key belongs to; 0 when the key was never used.
    /// @param fromBlock First block in which the key is the centre's key (inclusive).
    /// @param untilBlock Block of the rotation that retired the key (exclusive); 0 while current.
    struct KeyPeriod {
        uint32 centreId;
        uint64 fromBlock;
        uint64 untilBlock;
    }

    /// @notice A proposal as proposed. Fields a kind does not use are zero or empty.
    /// @param kind What the proposal does.
    /// @param targetCentreId Centre concerned (Suspend, Reinstate, Remove, RotateKey); 0 otherwise.
    /// @param newSigner Key of the centre to admit (Admit) or the new key (RotateKey); 0 otherwise.
    /// @param proposerId Centre that proposed it (its proposal counts as its approval).
    /// @param executed Whether the proposal was executed.
    /// @param regionCode Region code of the centre to admit (Admit); 0 otherwise.
    /// @param expiresAt Timestamp from which the proposal can no longer be voted on or executed.
    /// @param name Name of the centre to admit (Admit); empty otherwise.
    /// @param endpoint Endpoint of the centre to admit (Admit); empty otherwise.
    struct Proposal {
        ProposalKind kind;
        uint32 targetCentreId;
        address newSigner;
        uint32 proposerId;
        bool executed;
        uint32 regionCode;
        uint64 expiresAt;
        string name;
        string endpoint;
    }

    /// @notice A centre was admitted, at genesis or by an executed Admit proposal; it is Active.
    /// @param centreId The new centre's id.
    /// @param signer Its signing key.
    /// @param regionCode Its region code.
    /// @param name Its name.
    /// @param endpoint Its endpoint.
    event CentreAdmitted(
        uint32 indexed centreId, address indexed signer, uint32 regionCode, string name, string endpoint
    );

    /// @notice A centre was suspended, reinstated or removed.
    /// @param centreId The centre.
    /// @param previous Its status before.
    /// @param current Its status now.
    event CentreStatusChanged(uint32 indexed centreId, CentreStatus previous, CentreStatus current);

    /// @notice A centre's signing key was rotated; the previous key's period ends in this block.
    /// @param centreId The centre.
    /// @param previousSigner The retired key.
    /// @param newSigner The new key, current from this block.
    event CentreKeyRotated(uint32 indexed centreId, address indexed previousSigner, address indexed newSigner);

    /// @notice A proposal was created; the proposer's approval follows as `ProposalVoted`.
    /// @param proposalId The proposal's id.
    /// @param kind What it does.
    /// @param proposerId The proposing centre.
    /// @param targetCentreId The centre concerned, 0 for Admit, Pause and Unpause.
    /// @param newSigner Key to admit or rotate to; 0 for other kinds.
    /// @param regionCode Region code of the centre to admit; 0 for other kinds.
    /// @param name Name of the centre to admit; empty for other kinds.
    /// @param endpoint Endpoint of the centre to admit; empty for other kinds.
    /// @param expiresAt Timestamp from which it can no longer be voted on or executed.
    event ProposalCreated(
        uint256 indexed proposalId,
        ProposalKind kind,
        uint32 indexed proposerId,
        uint32 indexed targetCentreId,
        address newSigner,
        uint32 regionCode,
        string name,
        string endpoint,
        uint64 expiresAt
    );

    /// @notice A centre approved a proposal (proposing counts as approving).
    /// @param proposalId The proposal.
    /// @param voterId The approving centre.
    /// @param approvals Approvals of still-active centres, this one included.
    /// @param threshold Approvals needed at the time of this vote.
    event ProposalVoted(uint256 indexed proposalId, uint32 indexed voterId, uint256 approvals, uint256 threshold);

    /// @notice A proposal reached the threshold and was executed; its effect's event follows.
    /// @param proposalId The proposal.
    /// @param kind What it did.
    /// @param targetCentreId The centre concerned, 0 for Admit, Pause and Unpause.
    event ProposalExecuted(uint256 indexed proposalId, ProposalKind kind, uint32 indexed targetCentreId);

    /// @notice A centre declared or withdrew its recognition (互认) of another centre.
    /// @param recogniserId The declaring centre.
    /// @param recognisedId The centre recognised or no longer recognised.
    /// @param recognised Whether it is now recognised.
    event RecognitionChanged(uint32 indexed recogniserId, uint32 indexed recognisedId, bool recognised);

    /// @notice The constructor was given no genesis centre.
    error CentreRegistryNoGenesisCentre();

    /// @notice The constructor was given a proposal lifetime of zero.
    error CentreRegistryZeroProposalLifetime();

    /// @notice The caller is not the current key of an Active centre.
    /// @param caller The calling address.
    error CentreRegistryNotActiveCentre(address caller);

    /// @notice The signer of a centre to admit, or a new key, is the zero address.
    error CentreRegistryZeroSigner();

    /// @notice The key already belongs, or belonged, to a centre; keys are never reused.
    /// @param key The key.
    /// @param centreId The centre it belongs or belonged to.
    error CentreRegistryKeyAlreadyUsed(address key, uint32 centreId);

    /// @notice The region code is not a six-digit code (100000..999999).
    /// @param regionCode The rejected code.
    error CentreRegistryInvalidRegionCode(uint32 regionCode);

    /// @notice The name of a centre to admit is empty.
    error CentreRegistryEmptyName();

    /// @notice No centre has this id.
    /// @param centreId The id.
    error CentreRegistryUnknownCentre(uint32 centreId);

    /// @notice The centre's status does not allow the proposed change.
    /// @param centreId The centre.
    /// @param status Its current status.
    error CentreRegistryInvalidCentreStatus(uint32 centreId, CentreStatus status);

    /// @notice Suspending or removing this centre would leave no active centre.
    /// @param centreId The last active centre.
    error CentreRegistryLastActiveCentre(uint32 centreId);

    /// @notice The consortium is paused: a Pause proposal or a recognition change was refused.
    error CentreRegistryPaused();

    /// @notice The consortium is not paused: an Unpause proposal was refused.
    error CentreRegistryNotPaused();

    /// @notice No proposal has this id.
    /// @param proposalId The id.
    error CentreRegistryUnknownProposal(uint256 proposalId);

    /// @notice The proposal was already executed.
    /// @param proposalId The proposal.
    error CentreRegistryProposalNotOpen(uint256 proposalId);

    /// @notice The proposal expired.
    /// @param proposalId The proposal.
    /// @param expiresAt Its expiry timestamp.
    error CentreRegistryProposalExpired(uint256 proposalId, uint64 expiresAt);

    /// @notice The centre already approved the proposal.
    /// @param proposalId The proposal.
    /// @param centreId The centre.
    error CentreRegistryAlreadyVoted(uint256 proposalId, uint32 centreId);

    /// @notice `execute` was called on a proposal without enough approvals.
    /// @param proposalId The proposal.
    /// @param approvals Approvals of still-active centres.
    /// @param threshold Approvals needed now.
    error CentreRegistryThresholdNotReached(uint256 proposalId, uint256 approvals, uint256 threshold);

    /// @notice A centre cannot declare recognition of itself.
    /// @param centreId The centre.
    error CentreRegistrySelfRecognition(uint32 centreId);

    /// @notice The recognition already has the requested value.
    /// @param recogniserId The declaring centre.
    /// @param recognisedId The other centre.
    /// @param recognised The value requested and already held.
    error CentreRegistryRecognitionUnchanged(uint32 recogniserId, uint32 recognisedId, bool recognised);

    /// @notice Proposes to admit a new centre. Caller: an Active centre.
    /// @dev Reverts unless `signer` is nonzero and never used as a key, `regionCode` is six digits and
    /// `name` is not empty; the same checks run again at execution.
    /// @param signer The new centre's signing key.
    /// @param regionCode Its six-digit region code.
    /// @param name Its name.
    /// @param endpoint Its public endpoint.
    /// @return proposalId The new proposal's id.
    function proposeAdmit(address signer, uint32 regionCode, string calldata name, string calldata endpoint)
        external
        returns (uint256 proposalId);

    /// @notice Proposes to suspend an Active centre. Caller: an Active centre.
    /// @dev Reverts if the centre is not Active or is the last Active centre, now or at execution.
    /// @param centreId The centre.
    /// @return proposalId The new proposal's id.
    function proposeSuspend(uint32 centreId) external returns (uint256 proposalId);

    /// @notice Proposes to reinstate a Suspended centre. Caller: an Active centre.
    /// @param centreId The centre.
    /// @return proposalId The new proposal's id.
    function proposeReinstate(uint32 centreId) external returns (uint256 proposalId);

    /// @notice Proposes to remove an Active or Suspended centre for good. Caller: an Active centre.
    /// @dev Reverts if the centre is the last Active centre, now or at execution.
    /// @param centreId The centre.
    /// @return proposalId The new proposal's id.
    function proposeRemove(uint32 centreId) external returns (uint256 proposalId);

    /// @notice Proposes to replace the signing key of an Active or Suspended centre.
    /// Caller: an Active centre.
    /// @param centreId The centre.
    /// @param newSigner The new key; nonzero and never used before.
    /// @return proposalId The new proposal's id.
    function proposeRotateKey(uint32 centreId, address newSigner) external returns (uint256 proposalId);

    /// @notice Proposes to pause anchoring and certificate writes consortium-wide.
    /// Caller: an Active centre; the consortium must not be paused.
    /// @return proposalId The new proposal's id.
    function proposePause() external returns (uint256 proposalId);

    /// @notice Proposes to unpause. Caller: an Active centre; the consortium must be paused.
    /// @return proposalId The new proposal's id.
    function proposeUnpause() external returns (uint256 proposalId);

    /// @notice Approves a proposal; executes it when the approvals reach the threshold.
    /// Caller: an Active centre that has not approved it yet.
    /// @dev Reverts on an unknown, executed or expired proposal; at execution the proposal's
    /// validity is checked again and the vote reverts with the reason if it no longer holds.
    /// @param proposalId The proposal.
    function vote(uint256 proposalId) external;

    /// @notice Executes a proposal whose approvals reached the threshold without a vote
    /// triggering it (the threshold fell after centres left). Caller: an Active centre.
    /// @param proposalId The proposal.
    function execute(uint256 proposalId) external;

    /// @notice Declares or withdraws the caller's recognition (互认) of another existing centre.
    /// Caller: an Active centre; not while paused.
    /// @param recognisedCentreId The other centre.
    /// @param recognised Whether the caller recognises it.
    function setRecognition(uint32 recognisedCentreId, bool recognised) external;

    /// @notice Version of the deployed implementation.
    /// @return The semantic version string.
    function VERSION() external view returns (string memory);

    /// @notice The centre whose CURRENT key is `signer`; a zeroed struct when none.
    /// @param signer The key.
    /// @return The centre.
    function centreOf(address signer) external view returns (Centre memory);

    /// @notice The centre with id `centreId`; a zeroed struct when none.
    /// @param centreId The id.
    /// @return The centre.
    function centre(uint32 centreId) external view returns (Centre memory);

    /// @notice Status of centre `centreId` (`None` when unknown).
    /// @param centreId The id.
    /// @return The status.
    function centreStatus(uint32 centreId) external view returns (CentreStatus);

    /// @notice Number of centres ever admitted (the highest id).
    /// @return The count.
    function centreCount() external view returns (uint256);

    /// @notice Number of Active centres.
    /// @return The count.
    function activeCentreCount() external view returns (uint256);

    /// @notice The period during which `key` belonged to a centre; zeroed when never used.
    /// @param key The key.
    /// @return The period.
    function keyPeriod(address key) external view returns (KeyPeriod memory);

    /// @notice Whether `key` was the key of centre `centreId` at block `blockNumber`.
    /// @dev `fromBlock <= blockNumber < untilBlock` (no upper bound while current). In a rotation
    /// block the new key counts. Says nothing about the centre's status at that block.
    /// @param key The key.
    /// @param centreId The centre.
    /// @param blockNumber The block.
    /// @return Whether the key was the centre's key then.
    function wasKeyOf(address key, uint32 centreId, uint64 blockNumber) external view returns (bool);

    /// @notice Whether `signer` is the current key of an Active centre.
    /// @param signer The key.
    /// @return Whether it may write.
    function isActive(address signer) external view returns (bool);

    /// @notice Id of the Active centre whose current key is `signer`; 0 when there is none.
    /// @dev The one-call check the other registries use to authorise a write.
    /// @param signer The key.
    /// @return centreId The centre id or 0.
    function activeCentreIdOf(address signer) external view returns (uint32 centreId);

    /// @notice Approvals needed now: more than two thirds of the Active centres,
    /// `floor(2 * activeCentreCount / 3) + 1`.
    /// @return The threshold.
    function threshold() external view returns (uint256);

    /// @notice The anchor registry this registry created and keeps informed of its writers.
    /// @return The AnchorRegistry address.
    function anchorRegistry() external view returns (address);

    /// @notice Whether the consortium is paused (anchoring and certificate writes refused).
    /// @return Whether paused.
    function paused() external view returns (bool);

    /// @notice Seconds a proposal stays open after its creation.
    /// @return The lifetime.
    function proposalLifetime() external view returns (uint64);

    /// @notice Number of proposals ever created (the highest id).
    /// @return The count.
    function proposalCount() external view returns (uint256);

    /// @notice A proposal and its current approvals; a zeroed struct and 0 when unknown.
    /// @param proposalId The proposal.
    /// @return proposed The proposal as proposed, with its executed flag.
    /// @return approvals Approvals by centres that are still Active.
    function proposal(uint256 proposalId) external view returns (Proposal memory proposed, uint256 approvals);

    /// @notice Whether centre `centreId` approved proposal `proposalId`.
    /// @param proposalId The proposal.
    /// @param centreId The centre.
    /// @return Whether it approved.
    function hasVoted(uint256 proposalId, uint32 centreId) external view returns (bool);

    /// @notice Whether centre `recogniser` currently recognises centre `recognised`.
    /// @param recogniser The declaring centre.
    /// @param recognised The other centre.
    /// @return Whether recognised.
    function recognises(uint32 recogniser, uint32 recognised) external view returns (bool);

    /// @notice The centres `recogniser` currently recognises (in no particular order).
    /// @param recogniser The declaring centre.
    /// @return The recognised centre ids.
    function recognisedCentres(uint32 recogniser) external view returns (uint32[] memory);
}
