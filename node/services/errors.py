"""Refusals that belong to use cases rather than to the domain rules."""

from __future__ import annotations

from node.domain.standing import Standing
from node.errors import DomainError


class NotYourCaseError(DomainError):
    """An applicant asked about or acted on another applicant's application."""

    code = "not_your_application"


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
