"""The workflow through the API: who may act on which case, in which order, with four eyes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.api.workflow_node import ApiNode, api_node
from tests.unit.services.conftest import SAMPLES
from tests.unit.store.support import StoreUnderTest

SAMPLE = SAMPLES[0]


@pytest.fixture
def served(store: StoreUnderTest) -> ApiNode:
    return api_node(store)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    return error


def through_notice(served: ApiNode) -> str:
    case = ok(served.call("applicant", "POST", "/applications", json=SAMPLE), 201)
    case_id = case["id"]
    base = f"/operator/applications/{case_id}"
    ok(served.call("reviewer", "POST", f"{base}/review"))
    report = {"report": SAMPLE["compliance_report"]}
    ok(served.call("reviewer", "POST", f"{base}/compliance-report", json=report))
    ok(served.call("auditor", "POST", f"{base}/approve"))
    ok(served.call("issuer", "POST", f"{base}/notice"))
    return str(case_id)


def test_a_case_from_application_to_certificate_and_cancellation(served: ApiNode) -> None:
    case_id = through_notice(served)
    board = ok(served.call(None, "GET", "/notices"))
    assert [entry["application_id"] for entry in board["items"]] == [case_id]
    assert board["items"][0]["holder_name"] == SAMPLE["holder"]["name"]
    objection = {"filed_by": "某数据公司", "reason": "数据来源中含有我方授权数据。"}
    filed = ok(served.call(None, "POST", f"/notices/{case_id}/objections", json=objection), 201)
    assert (filed["state"], filed["objections"]) == ("objection", 1)
    base = f"/operator/applications/{case_id}"
    decision = {"upheld": False, "reason": "授权链完整且异议不成立。"}
    resumed = ok(served.call("issuer", "POST", f"{base}/objections/obj-1/decision", json=decision))
    assert resumed["state"] == "public_notice"
    refused(served.call("issuer", "POST", f"{base}/certificate"), 409, "notice_not_over")
    served.node.after_notice()
    issued = ok(served.call("issuer", "POST", f"{base}/certificate"), 201)
    number = issued["certificate"]["registration_number"]
    assert issued["document_digest"].startswith("0x")
    held = ok(served.call("applicant", "GET", "/holder/certificates"))
    assert [item["registration_number"] for item in held["items"]] == [number]
    refused(
        served.call("other_applicant", "GET", f"/holder/certificates/{number}"),
        403,
        "not_your_holder",
    )
    refused(
        served.call("other_applicant", "POST", f"/holder/certificates/{number}/cancel", json={}),
        403,
        "not_your_holder",
    )
    cancelled = ok(
        served.call(
            "applicant", "POST", f"/holder/certificates/{number}/cancel", json={"reason": "停用"}
        )
    )
    assert cancelled["certificate"]["status"] == "cancelled"
    events = ok(served.call("regulator", "GET", "/regulator/events", params={"limit": 100}))
    actions = [entry["action"] for entry in events["items"]]
    assert "application.approve_audit" in actions and "certificate.cancel" in actions
    actors = {entry["actor"] for entry in events["items"]}
    assert {"reviewer-1", "auditor-1", "issuer-1", "applicant-1"} <= actors
    assert ok(served.call("regulator", "GET", "/regulator/events/integrity"))["intact"] is True


def test_the_auditor_is_never_the_reviewer_even_with_another_key(served: ApiNode) -> None:
    case = ok(served.call("applicant", "POST", "/applications", json=SAMPLE), 201)
    base = f"/operator/applications/{case['id']}"
    ok(served.call("reviewer", "POST", f"{base}/review"))
    report = {"report": SAMPLE["compliance_report"]}
    ok(served.call("reviewer", "POST", f"{base}/compliance-report", json=report))
    same_person = served.services.api_keys.create(
        "test", role="auditor", label="王", principal="reviewer-1"
    )
    response = served.client.post(f"{base}/approve", headers={"X-API-Key": same_person.token})
    refused(response, 409, "four_eyes")


def test_an_applicant_sees_and_touches_only_its_own_cases(served: ApiNode) -> None:
    case = ok(served.call("applicant", "POST", "/applications", json=SAMPLE), 201)
    path = f"/applications/{case['id']}"
    refused(served.call("other_applicant", "GET", path), 403, "not_your_application")
    refused(served.call("other_applicant", "POST", f"{path}/withdraw"), 403, "not_your_application")
    refused(served.call("other_applicant", "PUT", path, json=SAMPLE), 403, "not_your_holder")
    assert ok(served.call("other_applicant", "GET", "/applications"))["items"] == []
    mine = ok(served.call("applicant", "GET", "/applications"))
    assert [item["id"] for item in mine["items"]] == [case["id"]]
    # nor file in another organisation's name
    theirs = copy.deepcopy(SAMPLE)
    refused(
        served.call("other_applicant", "POST", "/applications", json=theirs), 403, "not_your_holder"
    )
    assert ok(served.call("applicant", "POST", f"{path}/withdraw"))["state"] == "withdrawn"


def test_a_bad_application_names_its_field(served: ApiNode) -> None:
    bad = copy.deepcopy(SAMPLE)
    bad["holder"]["credit_code"] = "91370200MA3C00000X"
    error = refused(
        served.call("applicant", "POST", "/applications", json=bad), 422, "application_invalid"
    )
    assert error["field"] == "holder.credit_code"
    error = refused(
        served.call("reviewer", "POST", "/operator/applications/x/return", json={"reason": ""}),
        422,
        "request_invalid",
    )
    assert error["field"] == "reason"


def test_lists_are_paged(served: ApiNode) -> None:
    for _ in range(3):
        ok(served.call("applicant", "POST", "/applications", json=SAMPLE), 201)
    first = ok(served.call("regulator", "GET", "/regulator/applications", params={"limit": 2}))
    assert (len(first["items"]), first["next_offset"]) == (2, 2)
    rest = ok(
        served.call("regulator", "GET", "/regulator/applications", params={"offset": 2, "limit": 2})
    )
    assert (len(rest["items"]), rest["next_offset"]) == (1, None)
    ids = [item["id"] for item in first["items"] + rest["items"]]
    assert len(set(ids)) == 3
    refused(
        served.call("regulator", "GET", "/regulator/applications", params={"limit": 101}),
        422,
        "request_invalid",
    )


def test_admin_keys_and_calendar(served: ApiNode) -> None:
    created = ok(
        served.call(
            "admin",
            "POST",
            "/admin/keys",
            json={"role": "regulator", "label": "证监局", "principal": "csrc-1"},
        ),
        201,
    )
    token, key_id = created["token"], created["key"]["key_id"]
    assert "secret_hash" not in created["key"]
    assert served.client.get("/regulator/events", headers={"X-API-Key": token}).status_code == 200
    rotated = ok(served.call("admin", "POST", f"/admin/keys/{key_id}/rotate", json={}), 201)
    refused(
        served.client.get("/regulator/events", headers={"X-API-Key": token}), 401, "api_key_expired"
    )
    new_token = rotated["token"]
    ok(served.call("admin", "POST", f"/admin/keys/{rotated['key']['key_id']}/revoke"))
    refused(
        served.client.get("/regulator/events", headers={"X-API-Key": new_token}),
        401,
        "api_key_revoked",
    )
    refused(
        served.client.get("/regulator/events", headers={"X-API-Key": "dpk_x_y"}),
        401,
        "api_key_invalid",
    )
    change = {"notice_working_days": 5, "holidays": ["2026-10-01", "2026-10-02"]}
    centre = ok(served.call("admin", "PATCH", "/admin/centre", json=change))
    assert (centre["notice_working_days"], centre["holidays"]) == (5, ["2026-10-01", "2026-10-02"])
    assert ok(served.call("admin", "GET", "/admin/centre")) == centre
    conflict = {"makeup_workdays": ["2026-10-01"]}
    error = refused(
        served.call("admin", "PATCH", "/admin/centre", json=conflict), 422, "calendar_conflict"
    )
    assert error["field"] == "calendar.makeup_workdays"
    # a new notice runs for the admin's 5 working days
    case_id = through_notice(served)
    case = ok(served.call("regulator", "GET", f"/regulator/applications/{case_id}"))
    assert case["case"]["notice"]["working_days"] == 5
