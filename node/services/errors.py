"""Refusals that belong to use cases rather than to the domain rules."""

from __future__ import annotations

from node.errors import AuthenticationError, DomainError, PermissionDeniedError


class NotYourCaseError(PermissionDeniedError):
    """An applicant asked about or acted on another applicant's application."""

    code = "not_your_application"


class NotYourHolderError(PermissionDeniedError):
    """An applicant filed for, or acted on the certificate of, another organisation."""

    code = "not_your_holder"


class AssetAlreadyRegisteredError(DomainError):
    """The asset is held by an active certificate, here or at another centre (登记互认)."""

    code = "asset_already_registered"

    def __init__(self, holder: str) -> None:
        self.holder = holder
        super().__init__(f"the asset is already registered by {holder}")


class ApiKeyInvalidError(AuthenticationError):
    """No key has this id and secret (a malformed, unknown or wrong key: the caller learns
    nothing of which)."""

    code = "api_key_invalid"


class ApiKeyRevokedError(AuthenticationError):
    """The key was revoked."""

    code = "api_key_revoked"


class ApiKeyExpiredError(AuthenticationError):
    """The key's validity ended (after a rotation's grace period, or at its set expiry)."""

    code = "api_key_expired"
