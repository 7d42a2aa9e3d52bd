"""Refusals of the pledge rules (质押); field-level problems are ``InvalidFieldError``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from node.errors import DomainError


class CertificatePledgedError(DomainError):
    """The certificate has active pledges: it cannot be transferred, changed, renewed or
    cancelled until they are released (the contract refuses it on its own as well)."""

    code = "certificate_pledged"

    def __init__(self, registration_number: str, priorities: Sequence[int | None]) -> None:
        self.registration_number = registration_number
        listed = ", ".join(f"priority {p}" for p in priorities)
        super().__init__(
            f"certificate {registration_number} has {len(priorities)} active pledge(s) "
            f"({listed}); release them first"
        )


class AlreadyConsentedError(DomainError):
    """The holder has consented to this request already."""

    code = "already_consented"

    def __init__(self, pledge_id: str) -> None:
        self.pledge_id = pledge_id
        super().__init__(f"the holder has consented to pledge {pledge_id}'s request already")


class ExtensionPendingError(DomainError):
    """An extension (展期) of the pledge waits for confirmation already."""

    code = "extension_pending"

    def __init__(self, pledge_id: str) -> None:
        self.pledge_id = pledge_id
        super().__init__(f"pledge {pledge_id} has an extension waiting for confirmation")


class PledgeNotExpiredError(DomainError):
    """A pledge cannot expire before the end of its term."""

    code = "pledge_not_expired"

    def __init__(self, term_end: date) -> None:
        self.term_end = term_end
        super().__init__(f"the pledge's term runs until {term_end.isoformat()}")
