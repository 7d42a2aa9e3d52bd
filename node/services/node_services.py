"""Every use case of one node, built once from its context, for the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from node.services.api_keys import ApiKeyService
from node.services.applications import ApplicationService
from node.services.audit_log import AuditLogService
from node.services.bundles import BundleService
from node.services.centre_settings import CentreSettingsService
from node.services.certificates import CertificateService
from node.services.consortium import ConsortiumService
from node.services.context import NodeContext
from node.services.imports import RegistrationImportService
from node.services.issuance import IssuanceService
from node.services.pledges import PledgeService
from node.services.reports import YearbookService
from node.services.transfers import TransferService


@dataclass(frozen=True)
class NodeServices:
    """The node's services over one context."""

    context: NodeContext
    applications: ApplicationService
    issuance: IssuanceService
    certificates: CertificateService
    bundles: BundleService
    api_keys: ApiKeyService
    audit_log: AuditLogService
    centre_settings: CentreSettingsService
    pledges: PledgeService
    imports: RegistrationImportService
    yearbook: YearbookService
    consortium: ConsortiumService
    transfers: TransferService

    @classmethod
    def of(cls, context: NodeContext) -> NodeServices:
        return cls(
            context=context,
            applications=ApplicationService(context),
            issuance=IssuanceService(context),
            certificates=CertificateService(context),
            bundles=BundleService(context),
            api_keys=ApiKeyService(context.unit_of_work, context.clock),
            audit_log=AuditLogService(context),
            centre_settings=CentreSettingsService(
                context.unit_of_work, context.clock, context.centre
            ),
            pledges=PledgeService(context),
            imports=RegistrationImportService(context),
            yearbook=YearbookService(context.unit_of_work, context.centre, context.clock),
            consortium=ConsortiumService(context),
            transfers=TransferService(context),
        )
