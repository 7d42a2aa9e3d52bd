"""The OpenAPI spec tells the truth: schemathesis, with all its checks, on every operation.

Each operation is called with the key of a role the matrix lets through (an
auth provider, so schemathesis can also try without it and expect a 401), so
the generated requests reach the route rather than stopping at the role check.

``positive_data_acceptance`` also accepts 422: the domain checks what JSON
Schema cannot state (the check characters of credit codes and registration
numbers, administrative division codes, the sections the claimed rights
require), so a schema-valid body can still be refused, naming its field.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from api.rate_limit import RateLimiter
from node.chain.compiler import Build
from node.chain.connection import connect
from node.config import ChainSettings
from node.domain.roles import Role
from node.reports.certificate_pdf import CertificatePrinter
from tests.api.test_roles import MATRIX, PEER, PUBLIC
from tests.api.verifying_node import federation_of, verifying_node
from tests.api.workflow_node import api_node
from tests.unit.store.support import FakeStore

SERVED = api_node(FakeStore())
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
            }
        }
    }
)
schemathesis.openapi.media_type(
    "application/pdf",
    st.one_of(st.binary(max_size=512), st.binary(max_size=512).map(b"%PDF-1.7\n".__add__)),
)
"""Certificate PDFs posted to /verify: bytes, some of them starting like a PDF."""
schema = schemathesis.openapi.from_asgi("/openapi.json", SERVED.app, config=CONFIG)


def _operation(case: Any, _: Any) -> str:
    return f"{case.operation.method} {case.operation.path}"


@schema.auth(cache_by_key=_operation)
class RoleKeys:
    """The key of the first role the matrix lets through; none for public routes (cached per
    operation, not once for all)."""

    def get(self, case: Any, ctx: Any) -> str | None:
        operation = case.operation
        allowed = MATRIX[(operation.method.upper(), operation.path)]
        if allowed in (PUBLIC, PEER):
            return None
        return SERVED.tokens[min(allowed, key=list(Role).index).value]

    def set(self, case: Any, data: str | None, ctx: Any) -> None:
        if data is not None:
            case.headers = {**(case.headers or {}), "X-API-Key": data}


@pytest.fixture(scope="module", autouse=True)
def _verifier_and_no_rate_limit(
    build: Build, printer: CertificatePrinter, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A verifier on a consortium of the embedded chain, certificate PDFs; no rate limit in the
    way."""
    chain = connect(ChainSettings())
    node = verifying_node(chain, build, tmp_path_factory.mktemp("verifying-node"))
    SERVED.app.state.verifier = node.verifier
    SERVED.app.state.printer = printer
    SERVED.app.state.consortium = node.facts.consortium
    SERVED.app.state.federation = federation_of(SERVED.services, node)
    SERVED.app.state.rate_limiter = RateLimiter("1000000/minute")


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_spec(case: Any) -> None:
    case.call_and_validate()
