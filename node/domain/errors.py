"""Errors the registration domain raises; each has a machine-readable ``code``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from node.errors import DomainError


class InvalidFieldError(DomainError):
    """One input field breaks its rule; ``field`` is its dotted path, ``code`` the rule."""

    code = "invalid_field"

    def __init__(self, field: str, code: str, message: str) -> None:
        self.field = field
        self.code = code
        self.detail = message
        super().__init__(f"{field or 'application'}: {message} [{code}]")


class ApplicationInvalidError(DomainError):
    """An application document has one or more invalid fields; all are listed."""

    code = "application_invalid"

    def __init__(self, errors: Iterable[InvalidFieldError]) -> None:
        self.errors = tuple(errors)
        lines = "; ".join(str(error) for error in self.errors)
        super().__init__(f"{len(self.errors)} invalid field(s): {lines}")


class IllegalTransitionError(DomainError):
    """The action is not allowed in the current state."""

    code = "illegal_transition"

    def __init__(self, state: str, action: str) -> None:
        self.state = state
        self.action = action
        super().__init__(f"action {action!r} is not allowed in state {state!r}")


class FourEyesError(DomainError):
    """The auditor took part in the compliance review of the same application."""

    code = "four_eyes"

    def __init__(self, auditor: str) -> None:
        self.auditor = auditor
        super().__init__(
            f"{auditor!r} reviewed this application and may not also audit it (four-eyes rule)"
        )


class ComplianceFailedError(DomainError):
    """A compliance report with a failed required section cannot complete the review."""

    code = "compliance_failed"

    def __init__(self, failed_sections: Iterable[str]) -> None:
        self.failed_sections = tuple(failed_sections)
        super().__init__(
            "the compliance report fails section(s) "
            + ", ".join(self.failed_sections)
            + "; reject the application instead"
        )


class ReportMismatchError(DomainError):
    """The compliance report was made for other rights than the application claims."""

    code = "report_rights_mismatch"

    def __init__(self) -> None:
        super().__init__("the compliance report covers other rights than the application claims")


class NoticeNotOverError(DomainError):
    """The certificate cannot be issued before the public notice period has ended."""

    code = "notice_not_over"

    def __init__(self, ends_at: datetime) -> None:
        self.ends_at = ends_at
        super().__init__(f"the public notice period runs until {ends_at.isoformat()}")


class NoticeOverError(DomainError):
    """An objection was filed after the public notice period had ended."""

    code = "notice_over"

    def __init__(self, ends_at: datetime) -> None:
        self.ends_at = ends_at
        super().__init__(f"the public notice period ended at {ends_at.isoformat()}")


class DuplicateObjectionError(DomainError):
    """An objection with this id was already filed on the application."""

    code = "duplicate_objection"

    def __init__(self, objection_id: str) -> None:
        self.objection_id = objection_id
        super().__init__(f"objection {objection_id!r} was already filed")


class ObjectionNotFoundError(DomainError):
    """No pending objection has this id."""

    code = "objection_not_found"

    def __init__(self, objection_id: str) -> None:
        self.objection_id = objection_id
        super().__init__(f"no pending objection {objection_id!r}")


class TimeOrderError(DomainError):
    """An action is dated before the previous recorded action."""

    code = "time_order"

    def __init__(self, at: datetime, previous: datetime) -> None:
        self.at = at
        self.previous = previous
        super().__init__(
            f"{at.isoformat()} is earlier than the previous action at {previous.isoformat()}"
        )


class NotExpiredError(DomainError):
    """A certificate cannot expire before the end of its validity."""

    code = "not_expired"

    def __init__(self, valid_until: str) -> None:
        self.valid_until = valid_until
        super().__init__(f"the certificate is valid until {valid_until}")


class HolderChangeError(DomainError):
    """A change (变更) may not replace the holder; that is a transfer (转移)."""

    code = "holder_change_needs_transfer"

    def __init__(self) -> None:
        super().__init__("a change may not replace the holder's credit code; use transfer")


class SameHolderError(DomainError):
    """A transfer or licence names the current holder as the other party."""

    code = "same_holder"

    def __init__(self) -> None:
        super().__init__("the other party is the current holder")


class NothingChangedError(DomainError):
    """A change (变更) would produce a certificate identical to the current one."""

    code = "nothing_changed"

    def __init__(self) -> None:
        super().__init__("the new content equals the certificate's content")
