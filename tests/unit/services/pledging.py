"""Pledge requests for the tests: two banks, a request body, a certificate to pledge."""

from __future__ import annotations

from itertools import count
from typing import Any

from node.services.pledges import PledgeService
from tests.unit.services.conftest import SAMPLES, Node

BANK_A = "911100001000044477"
"""The pledgee key of the API tests (``tests.api.workflow_node.BANK``)."""
BANK_B = "91370200100007777H"
BANK_FI = "B0001H111000001"
"""A bank known by its financial institution code (金融机构编码)."""
HOLDER = SAMPLES[0]["holder"]
_registrations = count(1)


def request_body(registration_number: str, **changes: Any) -> dict[str, Any]:
    """A valid pledge request for the first sample's certificate, with ``changes`` applied;
    each has a 中登网 registration number of its own."""
    body: dict[str, Any] = {
        "registration_number": registration_number,
        "pledgor": {"name": HOLDER["name"], "credit_code": HOLDER["credit_code"]},
        "pledgee_name": "中国示例银行青岛分行",
        "principal": {"amount": "5000000.00", "currency": "CNY"},
        "term_start": "2026-04-01",
        "term_end": "2027-03-31",
        "unified_registry_number": f"0539135600012345{next(_registrations):04d}",
        "unified_registry_certificate_digest": "0x" + "aa" * 32,
        "contract_digest": "0x" + "bb" * 32,
    }
    body.update(changes)
    return body


def issue_first_sample(node: Node) -> str:
    """Issue the first sample's certificate (on 1 April 2026); its registration number."""
    application_id = node.through_notice(SAMPLES[0])
    node.after_notice()
    return str(node.issuance.issue("issuer", application_id).certificate.registration_number)


def active_pledge(pledges: PledgeService, number: str, bank: str = BANK_A, **changes: Any) -> str:
    """A pledge of ``number`` to ``bank``, requested and confirmed by an operator; its id."""
    outcome = pledges.request(f"{bank}-officer", bank, request_body(number, **changes))
    pledge_id = outcome.stored.pledge.id
    pledges.confirm("issuer", pledge_id)
    return pledge_id
