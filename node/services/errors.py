"""Refusals that belong to use cases rather than to the domain rules."""

from __future__ import annotations

from node.domain.consortium import Standing
from node.errors import (
    AuthenticationError,
    ConfigurationError,
    DomainError,
    PermissionDeniedError,
)


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


class CentreNotActiveError(DomainError):
    """This node's centre is suspended or removed, its key was rotated, or the consortium is
    paused: the chain would refuse its writes, so the node makes none."""

    code = "centre_not_active"

    def __init__(self, standing: Standing, message: str) -> None:
        self.standing = standing
        super().__init__(message)


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


class PeerRequestRefusedError(AuthenticationError):
    """A peer centre's signed request is outside its time window, replayed, or meant for
    another centre."""

    code = "peer_request_refused"

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class PeerNotActiveError(PermissionDeniedError):
    """A request is signed by a key that is not the current key of an active centre."""

    code = "peer_centre_not_active"


class RecognitionRefusedError(DomainError):
    """The certificate presented for recognition (互认备案) does not verify from the chain, or
    it is this centre's own."""

    code = "recognition_refused"


class NotACentreError(ConfigurationError):
    """This node's key is not the current key of any centre (never admitted, or rotated away):
    it cannot take part in requests between centres."""

    code = "node_not_a_centre"
