"""The centre's administrator: API keys, the centre's rule settings, the working-day calendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from fastapi import Request, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt

from api.auth import AdminDep
from api.deps import ServicesDep
from api.inputs import PARTY_CODE, IsoDate, KeyIdPath
from api.pagination import Page, PageDep, paged
from api.routers.common import IDEMPOTENT, node_router
from api.views import ApiKeyView, IssuedKeyView
from node.domain.centre import Centre
from node.domain.notice import MAX_NOTICE_WORKING_DAYS
from node.domain.roles import Role
from node.services.api_keys import IssuedKey
from node.services.node_services import NodeServices

router = node_router(prefix="/admin", tags=["admin"])
MAX_DAYS = 400
"""The most dates one calendar list may hold (a year's holidays and make-up days fit)."""


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    label: str = Field(min_length=1, max_length=200, description="who or what the key is for")
    principal: str | None = Field(
        None, min_length=1, max_length=200, description="the person; defaults to the party"
    )
    party: str | None = Field(
        None,
        pattern=PARTY_CODE,
        description="credit code, for applicant and pledgee; or a pledgee's financial "
        "institution code (金融机构编码)",
    )
    expires_at: AwareDatetime | None = None


class Rotation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_seconds: StrictInt = Field(
        0, ge=0, le=30 * 86400, description="how long the old key keeps working"
    )


class CentreView(BaseModel):
    """The centre as it runs now: identity from the configuration, rules as last set."""

    region_code: str
    name: str
    endpoint: str
    notice_working_days: int
    validity_years: int
    holidays: list[date]
    makeup_workdays: list[date]

    @classmethod
    def of(cls, centre: Centre) -> CentreView:
        return cls(
            region_code=centre.region_code.value,
            name=centre.name,
            endpoint=centre.endpoint,
            notice_working_days=centre.notice_working_days,
            validity_years=centre.validity_years,
            holidays=sorted(centre.calendar.holidays),
            makeup_workdays=sorted(centre.calendar.makeup_workdays),
        )


class CentreChange(BaseModel):
    """The settings to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    notice_working_days: StrictInt | None = Field(None, ge=1, le=MAX_NOTICE_WORKING_DAYS)
    validity_years: StrictInt | None = Field(None, ge=1, le=30)
    holidays: list[IsoDate] | None = Field(None, max_length=MAX_DAYS)
    makeup_workdays: list[IsoDate] | None = Field(None, max_length=MAX_DAYS)


def _issued(issued: IssuedKey) -> IssuedKeyView:
    return IssuedKeyView(key=ApiKeyView.of(issued.key), token=issued.token)


@router.post("/keys", status_code=status.HTTP_201_CREATED, dependencies=IDEMPOTENT)
def create_key(body: NewKey, caller: AdminDep, services: ServicesDep) -> IssuedKeyView:
    """A new API key; its token is in this answer only."""
    return _issued(
        services.api_keys.create(
            caller.principal,
            role=body.role.value,
            label=body.label,
            principal=body.principal,
            party=body.party,
            expires_at=body.expires_at,
        )
    )


@router.get("/keys")
def list_keys(_: AdminDep, services: ServicesDep, page: PageDep) -> Page[ApiKeyView]:
    return paged(
        page,
        lambda limit, offset: services.api_keys.list_keys(limit=limit, offset=offset),
        ApiKeyView.of,
    )


@router.get("/keys/{key_id}")
def read_key(key_id: KeyIdPath, _: AdminDep, services: ServicesDep) -> ApiKeyView:
    return ApiKeyView.of(services.api_keys.get(key_id))


@router.post("/keys/{key_id}/rotate", status_code=status.HTTP_201_CREATED, dependencies=IDEMPOTENT)
def rotate_key(
    key_id: KeyIdPath, body: Rotation, caller: AdminDep, services: ServicesDep
) -> IssuedKeyView:
    """A successor key; the old one keeps working for the grace period, then expires."""
    return _issued(
        services.api_keys.rotate(
            caller.principal, key_id, grace=timedelta(seconds=body.grace_seconds)
        )
    )


@router.post("/keys/{key_id}/revoke", dependencies=IDEMPOTENT)
def revoke_key(key_id: KeyIdPath, caller: AdminDep, services: ServicesDep) -> ApiKeyView:
    """Stop the key at once."""
    return ApiKeyView.of(services.api_keys.revoke(caller.principal, key_id))


@router.get("/centre")
def read_centre(_: AdminDep, services: ServicesDep) -> CentreView:
    return CentreView.of(services.centre_settings.current())


@router.patch("/centre", dependencies=IDEMPOTENT)
def change_centre(
    body: CentreChange, request: Request, caller: AdminDep, services: ServicesDep
) -> CentreView:
    """Change the notice period, the validity or the calendar; new cases follow at once."""
    centre = services.centre_settings.update(
        caller.principal,
        notice_working_days=body.notice_working_days,
        validity_years=body.validity_years,
        holidays=body.holidays,
        makeup_workdays=body.makeup_workdays,
    )
    request.app.state.services = NodeServices.of(replace(services.context, centre=centre))
    return CentreView.of(centre)
