"""Who is calling: API keys in the ``X-API-Key`` header, and the role each route requires.

Routes declare what they need with the ``Annotated`` aliases at the bottom
(``caller: ReviewerDep``) or ``Depends(requires(Role.X, ...))``; FastAPI puts the
key scheme in the OpenAPI spec from ``APIKeyHeader``. Refusals are 401
(no key, wrong key, revoked, expired) or 403 (the key's role may not), each with
its error code; a key over its rate limit gets 429.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader

from api.deps import ServicesDep
from node.domain.roles import Role
from node.errors import AuthenticationError, PermissionDeniedError

API_KEY = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    description="`dpk_<key id>_<secret>`, from `dataprop keys create` or POST /admin/keys",
    auto_error=False,
)


class ApiKeyMissingError(AuthenticationError):
    """The route needs an API key and the request has none."""

    code = "api_key_missing"


class RoleForbiddenError(PermissionDeniedError):
    """The key's role may not call this route."""

    code = "role_forbidden"


@dataclass(frozen=True)
class Caller:
    """The authenticated key behind a request."""

    key_id: str
    principal: str
    """The person or organisation: workflow actions are recorded under it."""
    role: Role
    party: str | None
    """The credit code an applicant or pledgee key acts for."""


async def authenticated(
    request: Request, services: ServicesDep, token: Annotated[str | None, Security(API_KEY)]
) -> Caller:
    """The caller of a request, authenticated once per request and rate-limited per key."""
    known: Caller | None = getattr(request.state, "caller", None)
    if known is not None:
        return known
    if not token:
        raise ApiKeyMissingError("send an API key in the X-API-Key header")
    key = await run_in_threadpool(services.api_keys.authenticate, token)
    request.app.state.rate_limiter.hit(key.key_id)
    caller = Caller(key.key_id, key.principal, Role(key.role), key.party)
    request.state.caller = caller
    return caller


def requires(*roles: Role) -> Callable[..., object]:
    """A dependency that lets through only keys of ``roles``."""
    allowed = frozenset(roles)
    names = ", ".join(sorted(allowed))

    async def caller_in_role(caller: Annotated[Caller, Depends(authenticated)]) -> Caller:
        if caller.role not in allowed:
            raise RoleForbiddenError(f"the {caller.role} role may not do this; it needs {names}")
        return caller

    return caller_in_role


ApplicantDep = Annotated[Caller, Depends(requires(Role.APPLICANT))]
ReviewerDep = Annotated[Caller, Depends(requires(Role.REVIEWER))]
AuditorDep = Annotated[Caller, Depends(requires(Role.AUDITOR))]
IssuerDep = Annotated[Caller, Depends(requires(Role.ISSUER))]
DeciderDep = Annotated[Caller, Depends(requires(Role.REVIEWER, Role.AUDITOR))]
"""Who may reject a case: the reviewer at review, the auditor at audit."""
OperatorDep = Annotated[Caller, Depends(requires(Role.REVIEWER, Role.AUDITOR, Role.ISSUER))]
PledgeeDep = Annotated[Caller, Depends(requires(Role.PLEDGEE))]
RegulatorDep = Annotated[Caller, Depends(requires(Role.REGULATOR))]
AdminDep = Annotated[Caller, Depends(requires(Role.ADMIN))]
