"""Consortium requests are queued for the chain with their log entry; a node the chain would
refuse writes nothing."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

import pytest

from node.chain.action_payloads import CentreChange
from node.domain.consortium import Standing
from node.domain.errors import InvalidFieldError
from node.services.certificates import CertificateService
from node.services.consortium import ConsortiumService
from node.services.context import NodeContext
from node.services.errors import CentreNotActiveError
from node.services.issuance import IssuanceService
from node.store.records import ChainActionStatus
from tests.unit.services.conftest import SAMPLES, Node

KEY = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ACTIVE = Standing(
    key=KEY,
    centre_id=1,
    centre_status="active",
    status_since_block=3,
    status_since=datetime(2026, 3, 1, tzinfo=UTC),
    key_retired_block=0,
    paused=False,
)


class FixedStanding:
    """The node's standing as the chain would answer it."""

    def __init__(self, standing: Standing) -> None:
        self.now = standing

    def standing(self) -> Standing:
        return self.now


def _with_standing(node: Node, standing: Standing) -> tuple[NodeContext, FixedStanding]:
    source = FixedStanding(standing)
    return dataclasses.replace(node.context, standing=source), source


def test_each_request_is_queued_with_its_log_entry(node: Node) -> None:
    service = ConsortiumService(node.context)
    admission = service.propose_admission(
        "director-wang",
        signer=KEY.lower(),
        region_code="370100",
        name=" 济南市数据资产登记中心 ",
        endpoint="https://jinan.example",
    )
    service.propose_change("director-wang", CentreChange.SUSPEND, 3)
    service.propose_key_rotation("director-wang", 2, KEY)
    service.vote("director-wang", 7)
    service.declare_recognition("director-wang", 2, recognised=True)
    with node.store.uow() as uow:
        queued = uow.chain_actions.with_status(ChainActionStatus.PENDING)
        log = uow.events.entries()
    assert [action.kind for action in queued] == [
        "propose_admission",
        "propose_centre_change",
        "propose_key_rotation",
        "vote_on_proposal",
        "declare_recognition",
    ]
    assert queued[0].id == admission.id
    assert queued[0].payload == {
        "signer": KEY,
        "region_code": 370100,
        "name": "济南市数据资产登记中心",
        "endpoint": "https://jinan.example",
    }
    assert [(entry.actor, entry.action, entry.subject) for entry in log[-5:]] == [
        ("director-wang", f"consortium.{action.kind}", "consortium") for action in queued
    ]
    assert log[-2].details == {"proposal_id": 7}


@pytest.mark.parametrize(
    ("ask", "field"),
    [
        (
            lambda s: s.propose_admission(
                "x", signer="0x12", region_code="370100", name="n", endpoint=""
            ),
            "signer",
        ),
        (
            lambda s: s.propose_admission(
                "x", signer=KEY, region_code="37010", name="n", endpoint=""
            ),
            "region_code",
        ),
        (
            lambda s: s.propose_admission(
                "x", signer=KEY, region_code="370100", name=" ", endpoint=""
            ),
            "name",
        ),
        (lambda s: s.propose_change("x", CentreChange.REMOVE, 0), "centre_id"),
        (lambda s: s.propose_key_rotation("x", 2, "0x" + "00" * 20), "new_signer"),
        (lambda s: s.vote("x", -1), "proposal_id"),
    ],
)
def test_a_bad_request_names_its_field_and_queues_nothing(
    node: Node, ask: object, field: str
) -> None:
    with pytest.raises(InvalidFieldError) as refused:
        ask(ConsortiumService(node.context))  # type: ignore[operator]
    assert refused.value.field == field
    with node.store.uow() as uow:
        assert uow.chain_actions.with_status(ChainActionStatus.PENDING) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"centre_status": "suspended", "status_since_block": 40},
            "centre #1 is suspended since block 40 (2026-03-01T00:00:00+00:00): "
            "it can issue and record nothing new",
        ),
        (
            {"key_retired_block": 41},
            f"key {KEY} stopped being centre #1's key at block 41 (key rotation)",
        ),
        ({"centre_id": 0, "centre_status": "none"}, "is not the key of any centre"),
        ({"paused": True}, "the consortium is paused"),
    ],
)
def test_a_node_the_chain_would_refuse_issues_and_asks_nothing(
    node: Node, change: dict[str, object], message: str
) -> None:
    application_id = node.through_notice(SAMPLES[0])
    node.after_notice()
    refused = dataclasses.replace(ACTIVE, **change)  # type: ignore[arg-type]
    context, source = _with_standing(node, refused)
    issuance, certificates = IssuanceService(context), CertificateService(context)
    with pytest.raises(CentreNotActiveError, match=re.escape(message)):
        issuance.issue("issuer", application_id)
    with pytest.raises(CentreNotActiveError):
        issuance.issue_many("issuer", [application_id])
    with pytest.raises(CentreNotActiveError):
        ConsortiumService(context).declare_recognition("director", 2, recognised=True)
    if not refused.paused:
        with pytest.raises(CentreNotActiveError):
            ConsortiumService(context).vote("director", 1)
    with node.store.uow() as uow:
        assert uow.chain_actions.with_status(ChainActionStatus.PENDING) == []

    source.now = ACTIVE  # reinstated: the same application is issued
    issued = issuance.issue("issuer", application_id)
    number = str(issued.certificate.registration_number)
    source.now = refused
    with pytest.raises(CentreNotActiveError):
        certificates.revoke("director", number, "撤销理由。")
    with pytest.raises(CentreNotActiveError):
        certificates.renew("director", number, issued.certificate.valid_until.replace(year=2040))


def test_a_paused_consortium_still_takes_proposals_and_votes(node: Node) -> None:
    context, _ = _with_standing(node, dataclasses.replace(ACTIVE, paused=True))
    consortium = ConsortiumService(context)
    consortium.vote("director", 3)
    consortium.propose_change("director", CentreChange.REINSTATE, 2)
    with node.store.uow() as uow:
        kinds = [action.kind for action in uow.chain_actions.with_status(ChainActionStatus.PENDING)]
    assert kinds == ["vote_on_proposal", "propose_centre_change"]
