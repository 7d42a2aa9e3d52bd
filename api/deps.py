"""Dependencies of the routes, as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from node.audit.jobs import AuditJobs
from node.chain.consortium import ConsortiumSnapshot
from node.errors import ConfigurationError
from node.reports.certificate_pdf import CertificatePrinter
from node.services.node_services import NodeServices
from node.verification.public import PublicVerifier
from node.verifier_runtime import Federation


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


class CertificatePdfUnavailableError(ConfigurationError):
    """This app was built without a printer of certificate PDFs."""

    code = "certificate_pdf_unavailable"


def certificate_printer(request: Request) -> CertificatePrinter:
    """The node's printer of certificate PDFs, set by :func:`api.main.create_app`."""
    printer: CertificatePrinter | None = request.app.state.printer
    if printer is None:
        raise CertificatePdfUnavailableError("this node was started without certificate PDFs")
    return printer


PrinterDep = Annotated[CertificatePrinter, Depends(certificate_printer)]


class AuditsUnavailableError(ConfigurationError):
    """This app was built without audits (a verify-only node)."""

    code = "audits_unavailable"


def audit_jobs(request: Request) -> AuditJobs:
    """The node's audit jobs, set by :func:`api.main.create_app`."""
    audits: AuditJobs | None = request.app.state.audits
    if audits is None:
        raise AuditsUnavailableError("this node was started without audits")
    return audits


AuditsDep = Annotated[AuditJobs, Depends(audit_jobs)]


def federation(request: Request) -> Federation:
    """The node's federation parts (recognitions, peer requests), set by
    :func:`api.main.create_app`."""
    parts: Federation | None = request.app.state.federation
    if parts is None:
        raise VerificationUnavailableError(
            "this node was started without a chain and a centre key: it deals with no peer"
        )
    return parts


FederationDep = Annotated[Federation, Depends(federation)]


def consortium_view(request: Request) -> Callable[[], ConsortiumSnapshot]:
    """The consortium as the node's chain index shows it, set by :func:`api.main.create_app`."""
    view: Callable[[], ConsortiumSnapshot] | None = request.app.state.consortium
    if view is None:
        raise VerificationUnavailableError("this node was started without a chain")
    return view


ConsortiumDep = Annotated[Callable[[], ConsortiumSnapshot], Depends(consortium_view)]
