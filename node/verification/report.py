"""What a verification found: one result per step of DESIGN section 5, and the chain it read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from node.verification.ports import ConsortiumAddresses


class CheckName(StrEnum):
    """The verification steps, in the order they run."""

    SCHEMA = "schema"
    DIGEST = "digest"
    SIGNATURE = "signature"
    CENTRE = "centre"
    ANCHOR = "anchor"
    STATUS = "status"
    VALIDITY = "validity"
    PLEDGES = "pledges"
    RECOGNITION = "recognition"

    @property
    def step(self) -> int:
        """The step's number in DESIGN section 5 (1 to 9)."""
        return list(CheckName).index(self) + 1


class Outcome(StrEnum):
    """How one check ended. A warning does not fail the certificate but says what a verifier
    must know (its centre is suspended or removed); a skipped check neither passes nor fails."""

    PASSED = "passed"
    WARNING = "warning"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class CheckResult:
    """One step's outcome with a reason a bank clerk can read."""

    name: CheckName
    outcome: Outcome
    reason: str

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED


@dataclass(frozen=True)
class PledgeListing:
    """An active pledge on the certificate, as the chain records it."""

    pledge_id: str
    priority: int
    record_digest: str
    pledgee_digest: str
    registered_block: int


@dataclass(frozen=True)
class VerificationReport:
    """The verdict on one bundle, stating the chain and block height it was checked against."""

    chain_id: int
    block_number: int
    addresses: ConsortiumAddresses
    checked_on: date
    registration_number: str | None
    checks: tuple[CheckResult, ...]
    pledges: tuple[PledgeListing, ...]
    issuer_id: int = 0
    """The centre whose key (at any time) signed the certificate; 0 when unknown."""

    @property
    def ok(self) -> bool:
        """True when no check failed (the peer check is skipped when no peer is named)."""
        return all(check.outcome is not Outcome.FAILED for check in self.checks)

    @property
    def warnings(self) -> tuple[CheckResult, ...]:
        """The checks that passed with a warning."""
        return tuple(check for check in self.checks if check.outcome is Outcome.WARNING)

    def check(self, name: CheckName) -> CheckResult:
        """The result of one step."""
        return next(check for check in self.checks if check.name is name)
