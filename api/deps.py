"""Dependencies of the routes, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from node.errors import ConfigurationError
from node.services.node_services import NodeServices
from node.verification.public import PublicVerifier


class VerificationUnavailableError(ConfigurationError):
    """This app was built without a chain to verify against."""

    code = "verification_unavailable"


def public_verifier(request: Request) -> PublicVerifier:
    """The node's public verifier, set by :func:`api.main.create_app`."""
    verifier: PublicVerifier | None = request.app.state.verifier
    if verifier is None:
        raise VerificationUnavailableError("this node was started without a chain to verify on")
    return verifier


VerifierDep = Annotated[PublicVerifier, Depends(public_verifier)]


class ServicesUnavailableError(ConfigurationError):
    """This app was built without a store and a centre: it only verifies."""

    code = "node_services_unavailable"


def node_services(request: Request) -> NodeServices:
    """The node's use cases, set by :func:`api.main.create_app`."""
    services: NodeServices | None = request.app.state.services
    if services is None:
        raise ServicesUnavailableError("this node serves verification only")
    return services


ServicesDep = Annotated[NodeServices, Depends(node_services)]
