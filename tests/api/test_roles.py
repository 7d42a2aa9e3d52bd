"""Role by endpoint: every route of the app, every role, allowed or the exact refusal."""

from __future__ import annotations

import re

import pytest

from node.domain.roles import Role
from tests.api.workflow_node import ApiNode, api_node
from tests.unit.store.support import FakeStore

PUBLIC = "public"
PEER = "peer"
"""Signed with a peer centre's chain key, not an API key: every other caller is refused."""
A, R, U, ISS, P, G, D = (
    Role.APPLICANT,
    Role.REVIEWER,
    Role.AUDITOR,
    Role.ISSUER,
    Role.PLEDGEE,
    Role.REGULATOR,
    Role.ADMIN,
)
OPERATORS = {R, U, ISS}
MATRIX: dict[tuple[str, str], set[Role] | str] = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/verify"): PUBLIC,
    ("POST", "/verify"): PUBLIC,
    ("GET", "/verify/{registration_number}"): PUBLIC,
    ("GET", "/certificates/{registration_number}/bundle"): PUBLIC,
    ("GET", "/certificates/{registration_number}.pdf"): PUBLIC,
    ("GET", "/notices"): PUBLIC,
    ("POST", "/notices/{application_id}/objections"): PUBLIC,
    ("POST", "/applications"): {A},
    ("GET", "/applications"): {A},
    ("GET", "/applications/{application_id}"): {A},
    ("PUT", "/applications/{application_id}"): {A},
    ("POST", "/applications/{application_id}/resubmit"): {A},
    ("POST", "/applications/{application_id}/withdraw"): {A},
    ("GET", "/holder/certificates"): {A},
    ("GET", "/holder/certificates/{registration_number}"): {A},
    ("POST", "/holder/certificates/{registration_number}/cancel"): {A},
    ("GET", "/operator/applications"): OPERATORS,
    ("GET", "/operator/applications/{application_id}"): OPERATORS,
    ("POST", "/operator/applications/{application_id}/review"): {R},
    ("POST", "/operator/applications/{application_id}/return"): {R},
    ("POST", "/operator/applications/{application_id}/compliance-report"): {R},
    ("POST", "/operator/applications/{application_id}/reject"): {R, U},
    ("POST", "/operator/applications/{application_id}/approve"): {U},
    ("POST", "/operator/applications/{application_id}/notice"): {ISS},
    (
        "POST",
        "/operator/applications/{application_id}/objections/{objection_id}/decision",
    ): {ISS},
    ("POST", "/operator/applications/{application_id}/certificate"): {ISS},
    ("GET", "/operator/certificates"): OPERATORS,
    ("GET", "/operator/certificates/{registration_number}"): OPERATORS,
    ("POST", "/operator/certificates/{registration_number}/change"): {ISS},
    ("POST", "/operator/certificates/{registration_number}/transfer"): {ISS},
    ("POST", "/operator/certificates/{registration_number}/licence"): {ISS},
    ("POST", "/operator/certificates/{registration_number}/renew"): {ISS},
    ("POST", "/operator/certificates/{registration_number}/cancel"): {ISS},
    ("POST", "/operator/certificates/{registration_number}/revoke"): {ISS},
    ("GET", "/regulator/applications"): {G},
    ("GET", "/regulator/applications/{application_id}"): {G},
    ("GET", "/regulator/certificates"): {G},
    ("GET", "/regulator/certificates/{registration_number}"): {G},
    ("GET", "/regulator/events"): {G},
    ("GET", "/regulator/events/integrity"): {G},
    ("POST", "/regulator/audits"): {G},
    ("GET", "/regulator/audits/{audit_id}"): {G},
    ("GET", "/regulator/audits/{audit_id}/report"): {G},
    ("GET", "/regulator/audits/{audit_id}/report.html"): {G},
    ("POST", "/admin/keys"): {D},
    ("GET", "/admin/keys"): {D},
    ("GET", "/admin/keys/{key_id}"): {D},
    ("POST", "/admin/keys/{key_id}/rotate"): {D},
    ("POST", "/admin/keys/{key_id}/revoke"): {D},
    ("GET", "/admin/centre"): {D},
    ("POST", "/operator/imports/registrations"): {ISS},
    ("GET", "/reports/yearbook"): {G, R, U, ISS},
    ("PATCH", "/admin/centre"): {D},
    ("POST", "/pledgee/pledges"): {P},
    ("GET", "/pledgee/pledges"): {P},
    ("GET", "/pledgee/pledges/{pledge_id}"): {P},
    ("POST", "/pledgee/pledges/{pledge_id}/extension"): {P},
    ("POST", "/pledgee/pledges/{pledge_id}/release"): {P},
    ("GET", "/holder/pledges"): {A},
    ("POST", "/holder/pledges/{pledge_id}/consent"): {A},
    ("GET", "/operator/pledges"): OPERATORS,
    ("GET", "/operator/pledges/{pledge_id}"): OPERATORS,
    ("POST", "/operator/pledges/{pledge_id}/confirm"): {ISS},
    ("POST", "/operator/pledges/{pledge_id}/reject"): {ISS},
    ("POST", "/operator/pledges/{pledge_id}/extension/confirm"): {ISS},
    ("POST", "/operator/pledges/{pledge_id}/extension/reject"): {ISS},
    ("POST", "/operator/pledges/{pledge_id}/release"): {ISS},
    ("GET", "/regulator/pledges"): {G},
    ("GET", "/regulator/pledges/{pledge_id}"): {G},
    ("POST", "/admin/consortium/proposals"): {D},
    ("POST", "/admin/consortium/proposals/{proposal_id}/votes"): {D},
    ("PUT", "/admin/consortium/recognitions/{centre_id}"): {D},
    ("GET", "/admin/consortium/actions/{action_id}"): {D},
    ("POST", "/operator/recognitions"): {ISS},
    ("POST", "/operator/certificates/{registration_number}/transfer-out"): {ISS},
    ("GET", "/peer/consortium"): PUBLIC,
    ("GET", "/peer/assets/{asset_key}"): PUBLIC,
    ("POST", "/peer/filings"): PEER,
}
NOT_JSON = {"/verify", "/operator/imports/registrations", "/operator/recognitions"}


@pytest.fixture(scope="module")
def served() -> ApiNode:
    return api_node(FakeStore())


def test_the_matrix_names_every_route_of_the_spec(served: ApiNode) -> None:
    paths = served.app.openapi()["paths"]
    assert {(method.upper(), path) for path, item in paths.items() for method in item} == set(
        MATRIX
    )


def concrete(path: str) -> str:
    """The path with each parameter filled with a value that names nothing."""
    return re.sub(r"\{[^}]+\}", "none", path)


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
@pytest.mark.parametrize("who", [None, *(role.value for role in Role)])
def test_each_role_is_let_through_or_refused_exactly(
    served: ApiNode, method: str, path: str, who: str | None
) -> None:
    allowed = MATRIX[(method, path)]
    body = None if method == "GET" or path in NOT_JSON else {}
    response = served.call(who, method, concrete(path), json=body)
    error = response.json().get("error", {}) if response.content.startswith(b"{") else {}
    if allowed == PEER:
        assert (response.status_code, error["code"]) == (401, "peer_signature_invalid")
    elif allowed == PUBLIC or (who is not None and Role(who) in allowed):
        # let through: the route answers on its own terms (here without a chain to verify on)
        assert response.status_code not in (401, 403), response.text
        assert response.status_code < 500 or error["code"] == "verification_unavailable"
    elif who is None:
        assert (response.status_code, error["code"]) == (401, "api_key_missing")
        assert response.headers["WWW-Authenticate"].startswith("ApiKey")
    else:
        assert (response.status_code, error["code"]) == (403, "role_forbidden")
