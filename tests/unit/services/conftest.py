"""A node context over the fake and SQLite stores, with the sample applications."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from node.config import REPO_ROOT
from node.documents.signing import CentreSigner, SigningDomain
from node.domain.centre import Centre
from node.domain.identifiers import RegionCode
from node.services.applications import ApplicationService
from node.services.certificates import CertificateService
from node.services.context import NodeContext
from node.services.issuance import IssuanceService
from tests.unit.store.support import StoreUnderTest

CENTRE_KEY = b"\x11" * 32
DOMAIN = SigningDomain(chain_id=31337, verifying_contract="0x" + "ab" * 20)
SAMPLES: list[dict[str, Any]] = json.loads(
    (REPO_ROOT / "samples" / "applications.json").read_text(encoding="utf-8")
)


class Node:
    """The services of one centre over one store, and a way to move its clock."""

    def __init__(self, store: StoreUnderTest) -> None:
        self.store = store
        self.context = NodeContext(
            unit_of_work=store.uow,
            clock=store.clock,
            centre=Centre(
                RegionCode("370200"), "青岛市数据资产登记评价中心", "http://127.0.0.1:9001"
            ),
            signer=CentreSigner(CENTRE_KEY, DOMAIN),
        )
        self.applications = ApplicationService(self.context)
        self.issuance = IssuanceService(self.context)
        self.certificates = CertificateService(self.context)

    def later(self, **delta: float) -> None:
        self.store.clock.advance(timedelta(**delta) or timedelta(minutes=1))

    def through_notice(self, sample: dict[str, Any], applicant: str = "applicant-1") -> str:
        """Apply with ``sample`` and take it through review, audit and notice; its id."""
        application = self.applications.apply(applicant, sample).application
        self.later(minutes=5)
        self.applications.start_review("reviewer", application.id)
        self.later(minutes=5)
        self.applications.complete_review("reviewer", application.id, sample["compliance_report"])
        self.later(minutes=5)
        self.applications.approve_audit("auditor", application.id)
        self.later(minutes=5)
        self.applications.publish_notice("publisher", application.id)
        return application.id

    def after_notice(self) -> None:
        self.later(days=30)


@pytest.fixture
def node(store: StoreUnderTest) -> Node:
    return Node(store)
