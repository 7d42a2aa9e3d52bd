"""What a careless or hostile client meets: body and depth limits, rate limits, idempotency."""

from __future__ import annotations

import json

import pytest

from api.request_limits import json_depth
from node.config import ApiSettings
from tests.api.workflow_node import ApiNode, api_node
from tests.unit.services.conftest import SAMPLES
from tests.unit.store.support import FakeStore, StoreUnderTest

SAMPLE = SAMPLES[0]


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"{}", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'{"a": "[[[[{{{{"}', 1),
        (b'{"a": "\\"[[[", "b": [[]]}', 3),
        (b'["\\\\", [[]]]', 3),
        (b"[" * 50 + b"]" * 50, 50),
        (b"42", 0),
    ],
)
def test_json_depth_skips_strings_and_escapes(body: bytes, depth: int) -> None:
    assert json_depth(body) == depth


def test_oversize_and_overdeep_bodies_are_refused_before_parsing() -> None:
    served = api_node(FakeStore(), ApiSettings(max_body_bytes=4096, max_json_depth=8))
    big = {"holder": {"name": "x" * 5000}}
    response = served.call("applicant", "POST", "/applications", json=big)
    assert (response.status_code, response.json()["error"]["code"]) == (413, "payload_too_large")
    deep: object = "leaf"
    for _ in range(9):
        deep = [deep]
    response = served.call("applicant", "POST", "/applications", json=deep)
    assert (response.status_code, response.json()["error"]["code"]) == (422, "json_too_deep")
    response = served.call("applicant", "POST", "/applications", content=b"{not json")
    assert response.status_code == 422
    with served.node.store.uow() as uow:
        assert uow.applications.list_by_state() == []


def test_each_key_has_its_own_rate_limit() -> None:
    served = api_node(FakeStore(), ApiSettings(rate_limit="3/minute"))
    answers = [served.call("regulator", "GET", "/regulator/events").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = served.call("regulator", "GET", "/regulator/events")
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert served.call("admin", "GET", "/admin/keys").status_code == 200


def test_anonymous_objections_are_rate_limited_per_address() -> None:
    served = api_node(FakeStore(), ApiSettings(rate_limit="2/minute"))
    body = {"filed_by": "某人", "reason": "理由"}
    codes = [
        served.call(None, "POST", "/notices/none/objections", json=body).status_code
        for _ in range(3)
    ]
    assert codes == [404, 404, 429]


@pytest.fixture
def served(store: StoreUnderTest) -> ApiNode:
    return api_node(store)


def test_a_repeated_request_returns_the_first_result_and_changes_nothing(
    served: ApiNode,
) -> None:
    headers = {"Idempotency-Key": "apply-0001"}
    first = served.call("applicant", "POST", "/applications", json=SAMPLE, headers=headers)
    again = served.call("applicant", "POST", "/applications", json=SAMPLE, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    with served.node.store.uow() as uow:
        assert len(uow.applications.list_by_state()) == 1
    other = dict(SAMPLE, rights=["holding"])
    reused = served.call("applicant", "POST", "/applications", json=other, headers=headers)
    assert (reused.status_code, reused.json()["error"]["code"]) == (422, "idempotency_key_reused")
    # the same key of another principal is another key
    case_id = first.json()["id"]
    review = served.call(
        "reviewer", "POST", f"/operator/applications/{case_id}/review", headers=headers
    )
    assert review.status_code == 200 and review.json()["state"] == "compliance_review"


def test_a_failed_request_is_not_remembered(served: ApiNode) -> None:
    headers = {"Idempotency-Key": "withdraw-1"}
    path = "/applications/none/withdraw"
    assert served.call("applicant", "POST", path, headers=headers).status_code == 404
    case = served.call("applicant", "POST", "/applications", json=SAMPLE).json()
    path = f"/applications/{case['id']}/withdraw"
    # another request (another path), the key was not used by a success: accepted
    assert served.call("applicant", "POST", path, headers=headers).status_code == 200


@pytest.mark.parametrize("key", [b"", b"x" * 256, b"tab\there", "中文".encode()])
def test_a_malformed_idempotency_key_is_refused(served: ApiNode, key: bytes) -> None:
    response = served.client.post(
        "/applications",
        json=SAMPLE,
        headers=[(b"X-API-Key", served.tokens["applicant"].encode()), (b"Idempotency-Key", key)],
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] in ("Idempotency-Key", "idempotency-key")


def test_the_spec_declares_the_key_scheme_and_the_idempotency_header(served: ApiNode) -> None:
    spec = served.app.openapi()
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": spec["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    apply = spec["paths"]["/applications"]["post"]
    assert {"ApiKey": []} in apply["security"]
    assert "Idempotency-Key" in {p["name"] for p in apply["parameters"]}
    assert json.dumps(apply["responses"]["403"]).count("ErrorBody") == 1
