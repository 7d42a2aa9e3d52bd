"""质押: the pledge routes of each user, one router each.

The pledgee (a bank) requests, extends and releases its own pledges; the holder
sees the pledges of its certificates and consents to them; the centre's issuer
confirms, rejects and releases on the pledgee's release document; the
regulator reads every pledge with totals. A bank touching another bank's pledge
gets 403 ``not_your_pledge``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, status

from api.auth import ApplicantDep, IssuerDep, OperatorDep, PledgeeDep, RegulatorDep
from api.deps import ServicesDep
from api.inputs import PARTY_CODE, REGISTRATION_NUMBER, Reason
from api.pagination import Page, PageDep, paged
from api.pledge_views import (
    ConsentRequest,
    ExtensionRequest,
    OperatorRelease,
    PledgeIdPath,
    PledgeListing,
    PledgeRequest,
    PledgeTotalView,
    PledgeView,
    ReleaseRequest,
)
from api.routers.common import IDEMPOTENT, node_router
from node.domain.calendar import local_date
from node.domain.pledge import PledgeStatus
from node.services.node_services import NodeServices
from node.services.pledges import PledgeOutcome
from node.store.ports import PledgeFilter
from node.store.records import StoredPledge

StatusQuery = Annotated[list[PledgeStatus] | None, Query(description="only pledges in these")]
NumberQuery = Annotated[
    str | None, Query(pattern=REGISTRATION_NUMBER, description="only this certificate's")
]
PledgeeQuery = Annotated[
    str | None,
    Query(pattern=PARTY_CODE, description="only this pledgee's (credit or institution code)"),
]

pledgee_router = node_router(prefix="/pledgee/pledges", tags=["pledgee"])
holder_router = node_router(prefix="/holder/pledges", tags=["applicant"])
operator_router = node_router(prefix="/operator/pledges", tags=["operator"])
regulator_router = node_router(prefix="/regulator/pledges", tags=["regulator"])
routers = (pledgee_router, holder_router, operator_router, regulator_router)


def _view(services: NodeServices, stored: StoredPledge) -> PledgeView:
    return PledgeView.of(stored, local_date(services.context.clock.now()))


def _outcome(services: NodeServices, outcome: PledgeOutcome) -> PledgeView:
    return _view(services, outcome.stored)


def _page(services: NodeServices, page: PageDep, where: PledgeFilter) -> Page[PledgeView]:
    return paged(
        page,
        lambda limit, offset: services.pledges.find(where, limit=limit, offset=offset),
        lambda stored: _view(services, stored),
    )


def _filter(
    *,
    pledgee: str | None = None,
    pledgor: str | None = None,
    registration_number: str | None = None,
    statuses: list[PledgeStatus] | None = None,
) -> PledgeFilter:
    return PledgeFilter(
        pledgee=pledgee,
        pledgor=pledgor,
        registration_number=registration_number,
        statuses=None if not statuses else frozenset(statuses),
    )


# -- the pledgee ------------------------------------------------------------------------------


@pledgee_router.post("", status_code=status.HTTP_201_CREATED, dependencies=IDEMPOTENT)
def request_pledge(body: PledgeRequest, caller: PledgeeDep, services: ServicesDep) -> PledgeView:
    """质押登记申请: request a pledge of a certificate for the caller's bank."""
    outcome = services.pledges.request(
        caller.principal, caller.party or "", body.model_dump(mode="json")
    )
    return _outcome(services, outcome)


@pledgee_router.get("")
def list_own_pledges(
    caller: PledgeeDep,
    services: ServicesDep,
    page: PageDep,
    status: StatusQuery = None,
    registration_number: NumberQuery = None,
) -> Page[PledgeView]:
    """The caller's pledges, by certificate and priority."""
    where = _filter(
        pledgee=caller.party or "", registration_number=registration_number, statuses=status
    )
    return _page(services, page, where)


@pledgee_router.get("/{pledge_id}")
def read_own_pledge(
    pledge_id: PledgeIdPath, caller: PledgeeDep, services: ServicesDep
) -> PledgeView:
    """One of the caller's pledges (403 for another bank's)."""
    return _view(services, services.pledges.get_own(caller.party or "", pledge_id))


@pledgee_router.post("/{pledge_id}/extension", dependencies=IDEMPOTENT)
def request_extension(
    pledge_id: PledgeIdPath, body: ExtensionRequest, caller: PledgeeDep, services: ServicesDep
) -> PledgeView:
    """展期: ask to move the end of the term; confirmed like the pledge."""
    outcome = services.pledges.request_extension(
        caller.principal,
        caller.party or "",
        pledge_id,
        term_end=body.term_end,
        agreement_digest=body.agreement_digest,
    )
    return _outcome(services, outcome)


@pledgee_router.post("/{pledge_id}/release", dependencies=IDEMPOTENT)
def release_own_pledge(
    pledge_id: PledgeIdPath, body: ReleaseRequest, caller: PledgeeDep, services: ServicesDep
) -> PledgeView:
    """解除质押: release the caller's pledge; the release is signed and sent to the chain."""
    outcome = services.pledges.release_own(
        caller.principal,
        caller.party or "",
        pledge_id,
        release_document_digest=body.release_document_digest,
        reason=body.reason,
    )
    return _outcome(services, outcome)


# -- the holder -------------------------------------------------------------------------------


@holder_router.get("")
def list_held_pledges(
    caller: ApplicantDep, services: ServicesDep, page: PageDep, status: StatusQuery = None
) -> Page[PledgeView]:
    """Pledges of the certificates the caller's organisation holds."""
    return _page(services, page, _filter(pledgor=caller.party or "", statuses=status))


@holder_router.post("/{pledge_id}/consent", dependencies=IDEMPOTENT)
def consent(
    pledge_id: PledgeIdPath, body: ConsentRequest, caller: ApplicantDep, services: ServicesDep
) -> PledgeView:
    """出质人同意: consent to a pending request or extension; under the centre's policy that
    confirms it at once."""
    outcome = services.pledges.consent(
        caller.principal, caller.party or "", pledge_id, letter_digest=body.letter_digest
    )
    return _outcome(services, outcome)


# -- the centre -------------------------------------------------------------------------------


@operator_router.get("")
def list_pledges(
    _: OperatorDep,
    services: ServicesDep,
    page: PageDep,
    status: StatusQuery = None,
    registration_number: NumberQuery = None,
    pledgee: PledgeeQuery = None,
) -> Page[PledgeView]:
    """Pledges, by certificate and priority: a work queue when filtered by ``requested``."""
    where = _filter(pledgee=pledgee, registration_number=registration_number, statuses=status)
    return _page(services, page, where)


@operator_router.get("/{pledge_id}")
def read_pledge(pledge_id: PledgeIdPath, _: OperatorDep, services: ServicesDep) -> PledgeView:
    return _view(services, services.pledges.get(pledge_id))


@operator_router.post("/{pledge_id}/confirm", dependencies=IDEMPOTENT)
def confirm(pledge_id: PledgeIdPath, caller: IssuerDep, services: ServicesDep) -> PledgeView:
    """质押登记: register the pledge with the next priority; its record is signed and the
    registration sent to the chain."""
    return _outcome(services, services.pledges.confirm(caller.principal, pledge_id))


@operator_router.post("/{pledge_id}/reject", dependencies=IDEMPOTENT)
def reject(
    pledge_id: PledgeIdPath, body: Reason, caller: IssuerDep, services: ServicesDep
) -> PledgeView:
    """不予登记: refuse the request."""
    return _outcome(services, services.pledges.reject(caller.principal, pledge_id, body.reason))


@operator_router.post("/{pledge_id}/extension/confirm", dependencies=IDEMPOTENT)
def confirm_extension(
    pledge_id: PledgeIdPath, caller: IssuerDep, services: ServicesDep
) -> PledgeView:
    """展期登记: confirm the pending extension; its record is linked to the first."""
    return _outcome(services, services.pledges.confirm_extension(caller.principal, pledge_id))


@operator_router.post("/{pledge_id}/extension/reject", dependencies=IDEMPOTENT)
def reject_extension(
    pledge_id: PledgeIdPath, body: Reason, caller: IssuerDep, services: ServicesDep
) -> PledgeView:
    """Refuse the pending extension; the term stays."""
    outcome = services.pledges.reject_extension(caller.principal, pledge_id, body.reason)
    return _outcome(services, outcome)


@operator_router.post("/{pledge_id}/release", dependencies=IDEMPOTENT)
def release(
    pledge_id: PledgeIdPath, body: OperatorRelease, caller: IssuerDep, services: ServicesDep
) -> PledgeView:
    """解除质押 on the pledgee's release document."""
    outcome = services.pledges.release(
        caller.principal,
        pledge_id,
        release_document_digest=body.release_document_digest,
        reason=body.reason,
    )
    return _outcome(services, outcome)


# -- the regulator ----------------------------------------------------------------------------


@regulator_router.get("")
def list_all_pledges(
    _: RegulatorDep,
    services: ServicesDep,
    page: PageDep,
    status: StatusQuery = None,
    registration_number: NumberQuery = None,
    pledgee: PledgeeQuery = None,
) -> PledgeListing:
    """Every pledge, by certificate and priority, with the count and principal of all the
    filter matches by status and currency."""
    where = _filter(pledgee=pledgee, registration_number=registration_number, statuses=status)
    listed = _page(services, page, where)
    return PledgeListing(
        items=listed.items,
        limit=listed.limit,
        offset=listed.offset,
        next_offset=listed.next_offset,
        totals=[PledgeTotalView.of(total) for total in services.pledges.totals(where)],
    )


@regulator_router.get("/{pledge_id}")
def read_any_pledge(pledge_id: PledgeIdPath, _: RegulatorDep, services: ServicesDep) -> PledgeView:
    return _view(services, services.pledges.get(pledge_id))
