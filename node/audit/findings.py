"""What an audit can find, how serious each is, and the evidence it carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How serious a finding is; any ``error`` makes ``dataprop audit`` exit non-zero."""

    ERROR = "error"
    """Evidence that a node's records and the chain disagree: tampering or loss."""
    WARNING = "warning"
    """A duty not done in time, or a part of the consortium left unaudited."""


class FindingCode(StrEnum):
    """The kinds of discrepancy, each with its severity and a one-line description."""

    DOCUMENT_TAMPERED = "document_tampered"
    DOCUMENT_NOT_ANCHORED = "document_not_anchored"
    ANCHOR_OVERDUE = "anchor_overdue"
    BATCH_NOT_ANCHORED = "batch_not_anchored"
    BATCH_ROOT_MISMATCH = "batch_root_mismatch"
    PROOF_INVALID = "proof_invalid"
    ORPHAN_ANCHOR = "orphan_anchor"
    ORPHAN_LEAF = "orphan_leaf"
    STATUS_MISMATCH = "status_mismatch"
    ORPHAN_CERTIFICATE = "orphan_certificate"
    EVENT_LOG_BROKEN = "event_log_broken"
    EVENT_LOG_HEAD_MISMATCH = "event_log_head_mismatch"
    SIGNATURE_INVALID = "signature_invalid"
    SIGNER_NOT_CENTRE_KEY = "signer_not_centre_key"
    CENTRE_UNKNOWN = "centre_unknown"
    CENTRE_NOT_AUDITED = "centre_not_audited"

    @property
    def severity(self) -> Severity:
        return _SEVERITY.get(self, Severity.ERROR)

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self]


_SEVERITY = {
    FindingCode.ANCHOR_OVERDUE: Severity.WARNING,
    FindingCode.CENTRE_NOT_AUDITED: Severity.WARNING,
}

DESCRIPTIONS = {
    FindingCode.DOCUMENT_TAMPERED: "a document's content no longer hashes to the digest "
    "stored and anchored for it (changed after it was recorded)",
    FindingCode.DOCUMENT_NOT_ANCHORED: "a document whose digest is on no anchor and in no "
    "anchoring job (never anchored)",
    FindingCode.ANCHOR_OVERDUE: "a document past the node's anchoring deadline whose digest "
    "is not on chain yet",
    FindingCode.BATCH_NOT_ANCHORED: "a batch the node holds as anchored whose root is not "
    "anchored on chain by its centre",
    FindingCode.BATCH_ROOT_MISMATCH: "the digests the node holds for a batch do not make the "
    "root anchored on chain",
    FindingCode.PROOF_INVALID: "a stored Merkle proof (the bundle's) that does not lead from "
    "the document's leaf to its batch root",
    FindingCode.ORPHAN_ANCHOR: "a digest or batch root anchored by the centre that no "
    "document or batch of its node accounts for",
    FindingCode.ORPHAN_LEAF: "a leaf of an anchored batch with no document in the node",
    FindingCode.STATUS_MISMATCH: "a certificate whose status in the node differs from its "
    "status on chain",
    FindingCode.ORPHAN_CERTIFICATE: "a certificate registered on chain by the centre that "
    "its node does not hold",
    FindingCode.EVENT_LOG_BROKEN: "a broken link in the node's hash-chained event log "
    "(an entry altered, missing or re-linked)",
    FindingCode.EVENT_LOG_HEAD_MISMATCH: "an anchored head of the event log that the log "
    "no longer matches",
    FindingCode.SIGNATURE_INVALID: "a document signature that does not recover the signer "
    "the node recorded",
    FindingCode.SIGNER_NOT_CENTRE_KEY: "a document signed by a key that was not the centre's "
    "key when it was anchored",
    FindingCode.CENTRE_UNKNOWN: "an export whose centre key belongs to no centre on chain",
    FindingCode.CENTRE_NOT_AUDITED: "a centre with anchors on chain for which no export or "
    "database was audited",
}


@dataclass(frozen=True)
class Finding:
    """One discrepancy: what, at which centre, about what, and the evidence."""

    code: FindingCode
    centre_id: int
    subject: str
    """What the finding is about: a document id, a registration number, a root, a log seq."""
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    """Plain JSON values (digests as 0x hex) that let anyone check the finding again."""

    @property
    def severity(self) -> Severity:
        return self.code.severity

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "severity": self.severity.value,
            "centre_id": self.centre_id,
            "subject": self.subject,
            "message": self.message,
            "evidence": self.evidence,
        }
