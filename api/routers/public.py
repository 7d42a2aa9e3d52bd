"""公示: the public notice board, where anyone may object during the notice period."""

from __future__ import annotations

from fastapi import Depends, Request, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ServicesDep
from api.inputs import TEXT
from api.pagination import Page, PageDep, paged
from api.routers.common import IDEMPOTENT, node_router
from api.views import NoticeView
from node.domain.workflow import ApplicationState

ON_NOTICE = (ApplicationState.PUBLIC_NOTICE, ApplicationState.OBJECTION)


def limit_anonymous(request: Request) -> None:
    """Anonymous writes count against the client's address."""
    host = request.client.host if request.client else "unknown"
    request.app.state.rate_limiter.hit(f"anonymous:{host}")


router = node_router(tags=["public"])


class NewObjection(BaseModel):
    """异议: who objects and why."""

    model_config = ConfigDict(extra="forbid")

    filed_by: str = Field(min_length=1, max_length=200, description="name of who objects")
    reason: str = Field(min_length=1, max_length=TEXT)


@router.get("/notices")
def notice_board(services: ServicesDep, page: PageDep) -> Page[NoticeView]:
    """Cases under public notice (or paused by an objection), oldest first."""
    return paged(
        page,
        lambda limit, offset: services.applications.list_all(ON_NOTICE, limit=limit, offset=offset),
        NoticeView.of,
    )


@router.post(
    "/notices/{application_id}/objections",
    status_code=status.HTTP_201_CREATED,
    dependencies=[*IDEMPOTENT, Depends(limit_anonymous)],
)
def file_objection(application_id: str, body: NewObjection, services: ServicesDep) -> NoticeView:
    """File an objection against a case under notice; the first pauses the notice clock."""
    step = services.applications.file_objection(application_id, body.filed_by, body.reason)
    return NoticeView.of(step.application)
