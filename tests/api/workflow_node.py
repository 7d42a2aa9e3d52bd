"""A node's API over a store of the unit tests (fake or SQLite), with one key per role."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.main import create_app
from node.audit.jobs import AuditJobs
from node.audit.report import AuditReport
from node.config import ApiSettings
from node.domain.roles import Role
from node.errors import ConfigurationError
from node.services.node_services import NodeServices
from tests.unit.services.conftest import SAMPLES, Node
from tests.unit.store.support import StoreUnderTest

OTHER_APPLICANT = "91370200700000004T"
"""A second applicant company, to check that one applicant cannot see another's cases."""
BANK = "911100001000044477"


@dataclass
class ApiNode:
    """The app, its services and a token per role (and per second applicant)."""

    node: Node
    app: FastAPI
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def services(self) -> NodeServices:
        services: NodeServices = self.app.state.services
        return services

    def headers(self, who: str | None, **extra: str) -> dict[str, str]:
        """Headers of a request by ``who`` (a role, ``other_applicant`` or None)."""
        keyed = {} if who is None else {"X-API-Key": self.tokens[who]}
        return keyed | extra

    def call(self, who: str | None, method: str, path: str, **kwargs: Any) -> Any:
        headers = self.headers(who, **kwargs.pop("headers", {}))
        return self.client.request(method, path, headers=headers, **kwargs)


def api_node(store: StoreUnderTest, api: ApiSettings | None = None) -> ApiNode:
    """A node app over ``store``; the applicant key acts for the first sample's holder. Its
    audits fail: the node has no chain to audit against (tests/audit runs real ones)."""
    node = Node(store)
    services = NodeServices.of(node.context)
    audits = AuditJobs(Path(tempfile.mkdtemp(prefix="audits-")), _no_chain, node.context.clock)
    app = create_app(services=services, audits=audits, api=api)
    tokens = {}
    holder = SAMPLES[0]["holder"]["credit_code"]
    for role in Role:
        party = {Role.APPLICANT: holder, Role.PLEDGEE: BANK}.get(role)
        issued = services.api_keys.create(
            "test", role=role.value, label=role.value, principal=f"{role}-1", party=party
        )
        tokens[role.value] = issued.token
    other = services.api_keys.create(
        "test", role="applicant", label="other", principal="other-1", party=OTHER_APPLICANT
    )
    tokens["other_applicant"] = other.token
    return ApiNode(node, app, TestClient(app, raise_server_exceptions=False), tokens)


def _no_chain(_from_block: int | None) -> AuditReport:
    raise ConfigurationError("this test node has no chain to audit against")
