"""Pledges through the API: who may see and do what, bad requests, priority, expiry, and the
certificate actions a pledge blocks."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api.test_workflow_api import SAMPLE, ok, refused, through_notice
from tests.api.workflow_node import BANK, ApiNode, api_node
from tests.unit.domain.builders import number as registration_number
from tests.unit.services.pledging import BANK_B, request_body
from tests.unit.store.support import FakeStore, SqlStore

NEW_HOLDER = {
    **SAMPLE["holder"],
    "name": "青岛示例新持有人有限公司",
    "credit_code": "91370200201047294E",
}


@pytest.fixture
def served(sql_store: SqlStore) -> ApiNode:
    """On SQLite: the services' pledge tests run on the fake store as well."""
    node = api_node(sql_store)
    other = node.services.api_keys.create(
        "test", role="pledgee", label="bank B", principal="bank-b-1", party=BANK_B
    )
    node.tokens["other_bank"] = other.token
    return node


@pytest.fixture(scope="module")
def issued_once() -> tuple[ApiNode, str]:
    """A node with a certificate, shared by tests that store nothing."""
    node = api_node(FakeStore())
    return node, issued(node)


def issued(served: ApiNode) -> str:
    case_id = through_notice(served)
    served.node.after_notice()
    certificate = ok(
        served.call("issuer", "POST", f"/operator/applications/{case_id}/certificate"), 201
    )
    return str(certificate["certificate"]["registration_number"])


def requested(served: ApiNode, number: str, who: str = "pledgee", **changes: Any) -> dict[str, Any]:
    body = request_body(number) | changes
    pledge: dict[str, Any] = ok(served.call(who, "POST", "/pledgee/pledges", json=body), 201)
    return pledge


def confirmed(served: ApiNode, number: str, who: str = "pledgee", **changes: Any) -> str:
    pledge_id = str(requested(served, number, who, **changes)["id"])
    ok(served.call("issuer", "POST", f"/operator/pledges/{pledge_id}/confirm"))
    return pledge_id


def test_a_bank_requests_the_holder_consents_and_the_pledge_is_registered(
    served: ApiNode,
) -> None:
    number = issued(served)
    pledge = requested(served, number)
    assert (pledge["status"], pledge["priority"], pledge["chain"]) == ("requested", None, None)
    assert pledge["principal"] == {"amount": "5000000.00", "currency": "CNY"}
    assert pledge["pledgee"] == {"name": "中国示例银行青岛分行", "code": BANK}
    held = ok(served.call("applicant", "GET", "/holder/pledges"))
    assert [item["id"] for item in held["items"]] == [pledge["id"]]
    assert ok(served.call("other_applicant", "GET", "/holder/pledges"))["items"] == []
    refused(
        served.call("other_applicant", "POST", f"/holder/pledges/{pledge['id']}/consent", json={}),
        403,
        "not_your_holder",
    )
    consent = {"letter_digest": "0x" + "cc" * 32}
    active = ok(
        served.call("applicant", "POST", f"/holder/pledges/{pledge['id']}/consent", json=consent)
    )
    assert (active["status"], active["priority"]) == ("active", 1)
    assert active["confirmed_by"] == "policy:holder-consent"
    assert active["record_digest"].startswith("0x")
    assert (active["chain"]["status"], active["chain"]["error"]) == ("pending", None)
    assert active["consent"]["by"] == "applicant-1"


def test_bank_a_cannot_see_or_release_bank_bs_pledge(served: ApiNode) -> None:
    number = issued(served)
    pledge_id = confirmed(served, number, "other_bank")
    path = f"/pledgee/pledges/{pledge_id}"
    refused(served.call("pledgee", "GET", path), 403, "not_your_pledge")
    refused(served.call("pledgee", "POST", f"{path}/release", json={}), 403, "not_your_pledge")
    extension = {"term_end": "2027-12-31", "agreement_digest": "0x" + "ee" * 32}
    refused(
        served.call("pledgee", "POST", f"{path}/extension", json=extension), 403, "not_your_pledge"
    )
    assert ok(served.call("pledgee", "GET", "/pledgee/pledges"))["items"] == []
    mine = ok(served.call("other_bank", "GET", "/pledgee/pledges"))
    assert [item["id"] for item in mine["items"]] == [pledge_id]
    assert ok(served.call("other_bank", "GET", path))["status"] == "active"


def test_transfer_and_cancellation_are_refused_while_pledged_and_allowed_after_release(
    served: ApiNode,
) -> None:
    number = issued(served)
    pledge_id = confirmed(served, number)
    error = refused(
        served.call("applicant", "POST", f"/holder/certificates/{number}/cancel", json={}),
        409,
        "certificate_pledged",
    )
    assert "priority 1" in error["message"]
    refused(
        served.call(
            "issuer",
            "POST",
            f"/operator/certificates/{number}/transfer",
            json={"holder": NEW_HOLDER},
        ),
        409,
        "certificate_pledged",
    )
    refused(
        served.call("issuer", "POST", f"/operator/pledges/{pledge_id}/release", json={}),
        422,
        "request_invalid",
    )
    release = {"release_document_digest": "0x" + "dd" * 32, "reason": "贷款已结清。"}
    released = ok(
        served.call("pledgee", "POST", f"/pledgee/pledges/{pledge_id}/release", json=release)
    )
    assert released["status"] == "released" and released["release"]["cause"] == "released"
    transferred = ok(
        served.call(
            "issuer",
            "POST",
            f"/operator/certificates/{number}/transfer",
            json={"holder": NEW_HOLDER},
        )
    )
    assert transferred["certificate"]["status"] == "superseded"


def test_priority_after_releasing_the_first_of_three(served: ApiNode) -> None:
    number = issued(served)
    first, second, third = (
        confirmed(served, number, who) for who in ("pledgee", "other_bank", "pledgee")
    )
    ok(
        served.call(
            "issuer",
            "POST",
            f"/operator/pledges/{first}/release",
            json={"release_document_digest": "0x" + "dd" * 32},
        )
    )
    listed = ok(
        served.call(
            "regulator",
            "GET",
            "/regulator/pledges",
            params={"registration_number": number, "status": "active"},
        )
    )
    assert [(item["id"], item["priority"]) for item in listed["items"]] == [(second, 2), (third, 3)]
    assert listed["totals"] == [
        {"status": "active", "currency": "CNY", "count": 2, "principal": "10000000.00"}
    ]
    every = ok(served.call("regulator", "GET", "/regulator/pledges"))
    assert [item["priority"] for item in every["items"]] == [1, 2, 3]
    assert {(t["status"], t["count"]) for t in every["totals"]} == {("active", 2), ("released", 1)}
    assert (
        ok(served.call("regulator", "GET", f"/regulator/pledges/{first}"))["status"] == "released"
    )


def test_a_pledge_expires_at_the_end_of_its_term_unless_extended(served: ApiNode) -> None:
    number = issued(served)
    short = confirmed(served, number, term_end="2026-06-30")
    extended = confirmed(served, number, "other_bank", term_end="2026-06-30")
    extension = {"term_end": "2026-12-31", "agreement_digest": "0x" + "ee" * 32}
    pending = ok(
        served.call("other_bank", "POST", f"/pledgee/pledges/{extended}/extension", json=extension)
    )
    assert pending["pending_extension"]["term_end"] == "2026-12-31"
    assert pending["term_end"] == "2026-06-30"
    done = ok(served.call("issuer", "POST", f"/operator/pledges/{extended}/extension/confirm"))
    assert (done["term_end"], len(done["extensions"]), done["pending_extension"]) == (
        "2026-12-31",
        1,
        None,
    )
    served.node.later(days=95)  # past 30 June
    assert ok(served.call("pledgee", "GET", f"/pledgee/pledges/{short}"))["status"] == "expired"
    refused(
        served.call("applicant", "POST", f"/holder/certificates/{number}/cancel", json={}),
        409,
        "certificate_pledged",
    )
    expired = served.services.pledges.expire_due()
    assert [pledge.id for pledge in expired] == [short]
    view = ok(served.call("pledgee", "GET", f"/pledgee/pledges/{short}"))
    assert (view["status"], view["release"]["cause"], view["chain"]["status"]) == (
        "expired",
        "expired",
        "pending",
    )
    assert (
        ok(served.call("other_bank", "GET", f"/pledgee/pledges/{extended}"))["status"] == "active"
    )


def test_a_repeated_request_with_the_same_idempotency_key_registers_one_pledge(
    served: ApiNode,
) -> None:
    number = issued(served)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = request_body(number)
    first = served.call("pledgee", "POST", "/pledgee/pledges", json=body, headers=key)
    again = served.call("pledgee", "POST", "/pledgee/pledges", json=body, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(ok(served.call("pledgee", "GET", "/pledgee/pledges"))["items"]) == 1
    other = body | {"principal": {"amount": "1.00", "currency": "CNY"}}
    refused(
        served.call("pledgee", "POST", "/pledgee/pledges", json=other, headers=key),
        422,
        "idempotency_key_reused",
    )
    # without the key, the same 中登网 registration is not recorded twice
    duplicate = refused(
        served.call("pledgee", "POST", "/pledgee/pledges", json=body), 409, "duplicate_pledge"
    )
    assert first.json()["id"] in duplicate["message"]
    # another bank's same key is its own
    theirs = served.call(
        "other_bank", "POST", "/pledgee/pledges", json=request_body(number), headers=key
    )
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]


@pytest.mark.parametrize(
    ("changes", "status", "code", "field"),
    [
        ({"term_end": "2026-03-01"}, 422, "term_end_before_start", "term_end"),
        (
            {"principal": {"amount": "0", "currency": "CNY"}},
            422,
            "request_invalid",
            "principal.amount",
        ),
        (
            {"principal": {"amount": 5000000.5, "currency": "CNY"}},
            422,
            "request_invalid",
            "principal.amount",
        ),
        (
            {"principal": {"amount": "1.005", "currency": "CNY"}},
            422,
            "request_invalid",
            "principal.amount",
        ),
        (
            {"registration_number": str(registration_number(99))},
            422,
            "certificate_unknown",
            "registration_number",
        ),
        (
            {"registration_number": str(registration_number(1))[:-1] + "0"},
            422,
            "registration_number_check",
            "registration_number",
        ),
        (
            {"pledgor": {"name": "青岛示例燃气集团有限公司", "credit_code": "91370200201047294E"}},
            422,
            "pledgor_not_holder",
            "pledgor.credit_code",
        ),
        ({"contract_digest": "0xzz"}, 422, "request_invalid", "contract_digest"),
        ({"surprise": 1}, 422, "request_invalid", "surprise"),
    ],
)
def test_bad_requests_name_their_field(
    issued_once: tuple[ApiNode, str], changes: dict[str, Any], status: int, code: str, field: str
) -> None:
    served, number = issued_once
    error = refused(
        served.call("pledgee", "POST", "/pledgee/pledges", json=request_body(number) | changes),
        status,
        code,
    )
    assert error["field"] == field
    assert ok(served.call("regulator", "GET", "/regulator/pledges"))["items"] == []


def test_a_request_on_a_certificate_no_longer_active_is_refused(served: ApiNode) -> None:
    number = issued(served)
    ok(
        served.call(
            "issuer",
            "POST",
            f"/operator/certificates/{number}/revoke",
            json={"reason": "欺骗取得。"},
        )
    )
    error = refused(
        served.call("pledgee", "POST", "/pledgee/pledges", json=request_body(number)),
        422,
        "certificate_not_active",
    )
    assert error["field"] == "registration_number"


def test_the_operator_rejects_and_the_holder_cannot_consent_afterwards(served: ApiNode) -> None:
    number = issued(served)
    pledge_id = requested(served, number)["id"]
    queue = ok(served.call("reviewer", "GET", "/operator/pledges", params={"status": "requested"}))
    assert [item["id"] for item in queue["items"]] == [pledge_id]
    rejected = ok(
        served.call(
            "issuer", "POST", f"/operator/pledges/{pledge_id}/reject", json={"reason": "材料不全。"}
        )
    )
    assert rejected["status"] == "rejected"
    refused(
        served.call("applicant", "POST", f"/holder/pledges/{pledge_id}/consent", json={}),
        409,
        "illegal_transition",
    )
