"""Pledges through the services: request, consent, confirm, extend, release, expire, and the
certificate actions a pledge blocks; on the fake and on SQLite."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from node.documents.canonical import digest_hex
from node.documents.ids import certificate_id_of, pledge_id_of, pledgee_digest_of
from node.domain.calendar import local_date
from node.domain.errors import IllegalTransitionError, InvalidFieldError
from node.domain.pledge import PledgeStatus
from node.domain.pledge_errors import CertificatePledgedError, PledgeNotExpiredError
from node.services.errors import NotYourHolderError
from node.services.pledges import DuplicatePledgeError, NotYourPledgeError, PledgeService
from node.store.ports import PledgeFilter
from node.store.records import ChainAction, ChainActionStatus
from tests.unit.domain.builders import number as registration_number
from tests.unit.services.conftest import SAMPLES, Node
from tests.unit.services.pledging import (
    BANK_A,
    BANK_B,
    BANK_FI,
    HOLDER,
    active_pledge,
    issue_first_sample,
    request_body,
)

NEW_HOLDER = {"holder": {**SAMPLES[1]["holder"], "name": "青岛示例燃气集团有限公司"}}


@pytest.fixture
def pledges(node: Node) -> PledgeService:
    return PledgeService(node.context)


@pytest.fixture
def number(node: Node) -> str:
    return issue_first_sample(node)


def queued(node: Node) -> list[ChainAction]:
    with node.store.uow() as uow:
        return uow.chain_actions.with_status(ChainActionStatus.PENDING)


def documents_of(node: Node, subject: str) -> list[dict[str, Any]]:
    with node.store.uow() as uow:
        return [json.loads(doc.canonical) for doc in uow.documents.list_by_subject(subject)]


def test_a_confirmed_pledge_is_signed_anchored_and_queued_for_the_chain(
    node: Node, pledges: PledgeService, number: str
) -> None:
    requested = pledges.request("bank-officer", BANK_A, request_body(number))
    pledge = requested.stored.pledge
    assert (pledge.status, pledge.priority, requested.document) == (
        PledgeStatus.REQUESTED,
        None,
        None,
    )
    node.later(hours=2)
    confirmed = pledges.confirm("issuer-1", pledge.id)
    assert confirmed.stored.pledge.status is PledgeStatus.ACTIVE
    assert confirmed.stored.pledge.priority == 1
    assert confirmed.document is not None
    assert confirmed.stored.record_digest == confirmed.document.digest
    record = json.loads(confirmed.document.canonical)
    assert record["kind"] == "pledge" and record["subject"] == pledge.id
    assert record["principal"] == {"amount": "5000000.00", "currency": "CNY"}
    assert record["pledgee"] == {"name": "中国示例银行青岛分行", "code": BANK_A}
    assert record["pledgor"] == {"name": HOLDER["name"], "credit_code": HOLDER["credit_code"]}
    assert (record["priority"], record["extension"], record["extends"]) == (1, 0, None)
    assert record["confirmed_by"] == "issuer-1"
    assert record["registered_on"] == confirmed.stored.pledge.registered_on.isoformat()  # type: ignore[union-attr]
    [action] = [a for a in queued(node) if a.kind == "register_pledge"]
    assert action.payload == {
        "certificate_id": digest_hex(certificate_id_of(number)),
        "pledge_id": digest_hex(pledge_id_of(pledge.id)),
        "record_digest": digest_hex(confirmed.document.digest),
        "pledgee_digest": digest_hex(pledgee_digest_of(BANK_A)),
    }
    assert (confirmed.stored.chain_action_id, confirmed.stored.chain_status) == (
        action.id,
        ChainActionStatus.PENDING,
    )
    with node.store.uow() as uow:
        steps = [e.action for e in uow.events.entries(limit=500) if e.subject == pledge.id]
    assert steps == ["pledge.request", "pledge.confirm"]


def test_the_holders_consent_confirms_under_the_centres_policy(
    node: Node, pledges: PledgeService, number: str
) -> None:
    pledge_id = pledges.request("bank", BANK_A, request_body(number)).stored.pledge.id
    with pytest.raises(NotYourHolderError):
        pledges.consent("someone", SAMPLES[1]["holder"]["credit_code"], pledge_id)
    consented = pledges.consent(
        "holder-1", HOLDER["credit_code"], pledge_id, letter_digest="0x" + "cc" * 32
    )
    assert consented.stored.pledge.status is PledgeStatus.ACTIVE
    assert consented.stored.pledge.confirmed_by == "policy:holder-consent"
    assert consented.document is not None
    record = json.loads(consented.document.canonical)
    assert record["consent"]["consented_by"] == "holder-1"
    assert record["consent"]["letter_digest"] == "0x" + "cc" * 32


def test_without_the_policy_a_consented_request_waits_for_the_operator(
    node: Node, number: str
) -> None:
    context = replace(
        node.context, centre=replace(node.context.centre, confirm_pledges_on_consent=False)
    )
    pledges = PledgeService(context)
    pledge_id = pledges.request("bank", BANK_A, request_body(number)).stored.pledge.id
    consented = pledges.consent("holder-1", HOLDER["credit_code"], pledge_id)
    assert (consented.stored.pledge.status, consented.document) == (PledgeStatus.REQUESTED, None)
    assert consented.stored.pledge.consent is not None
    confirmed = pledges.confirm("issuer", pledge_id)
    assert confirmed.document is not None
    assert json.loads(confirmed.document.canonical)["consent"]["consented_by"] == "holder-1"


def test_priority_is_the_order_of_registration_and_survives_a_release(
    node: Node, pledges: PledgeService, number: str
) -> None:
    first, second, third = (
        active_pledge(pledges, number, bank) for bank in (BANK_A, BANK_B, BANK_FI)
    )
    listed = pledges.find(PledgeFilter(registration_number=number))
    assert [(s.pledge.id, s.pledge.priority) for s in listed] == [
        (first, 1),
        (second, 2),
        (third, 3),
    ]
    pledges.release_own("bank", BANK_A, first, reason="贷款已结清。")
    active = pledges.find(
        PledgeFilter(registration_number=number, statuses=frozenset({PledgeStatus.ACTIVE}))
    )
    assert [(s.pledge.id, s.pledge.priority) for s in active] == [(second, 2), (third, 3)]
    fourth = active_pledge(pledges, number, BANK_A)
    assert pledges.get(fourth).pledge.priority == 4


def test_a_pledged_certificate_is_neither_transferred_nor_cancelled_until_released(
    node: Node, pledges: PledgeService, number: str
) -> None:
    pledge_id = active_pledge(pledges, number)
    node.later(days=1)
    with pytest.raises(CertificatePledgedError) as refused:
        node.certificates.transfer("operator", number, NEW_HOLDER)
    assert refused.value.code == "certificate_pledged"
    with pytest.raises(CertificatePledgedError):
        node.certificates.cancel("holder", number, None, holder=HOLDER["credit_code"])
    with pytest.raises(CertificatePledgedError):
        node.certificates.renew("operator", number, date(2031, 3, 1))
    before = len(queued(node))
    pledges.release("issuer", pledge_id, release_document_digest="0x" + "dd" * 32)
    release = queued(node)[-1]
    assert len(queued(node)) == before + 1 and release.kind == "release_pledge"
    outcome = node.certificates.transfer("operator", number, NEW_HOLDER)
    assert outcome.successor is not None
    kinds = [action.kind for action in queued(node)]
    assert kinds.index("release_pledge") < kinds.index("set_status")


def test_a_revocation_is_not_blocked_by_a_pledge(
    node: Node, pledges: PledgeService, number: str
) -> None:
    active_pledge(pledges, number)
    outcome = node.certificates.revoke("director", number, "以欺骗手段取得登记。")
    assert outcome.certificate.status.value == "revoked"


def test_a_pledge_expires_the_day_after_its_term_by_the_expiry_cycle(
    node: Node, pledges: PledgeService, number: str
) -> None:
    pledge_id = active_pledge(pledges, number, term_end="2026-06-30")
    node.later(days=60)
    assert pledges.expire_due() == []
    with pytest.raises(PledgeNotExpiredError):
        pledges.get(pledge_id).pledge.expire(at=node.store.clock.now())
    node.later(days=60)
    stored = pledges.get(pledge_id)
    today = local_date(node.store.clock.now())
    assert stored.pledge.status is PledgeStatus.ACTIVE
    assert stored.pledge.status_on(today) is PledgeStatus.EXPIRED
    [expired] = pledges.expire_due()
    assert expired.id == pledge_id and expired.status is PledgeStatus.EXPIRED
    end = documents_of(node, pledge_id)[-1]
    assert (end["kind"], end["cause"], end["term_end"]) == (
        "pledge_release",
        "expired",
        "2026-06-30",
    )
    assert end["record_digest"] == digest_hex(pledges.get(pledge_id).record_digest)  # type: ignore[arg-type]
    assert queued(node)[-1].kind == "release_pledge"
    assert pledges.expire_due() == []
    node.certificates.cancel("holder", number, "业务终止。")


def test_an_extension_is_confirmed_like_a_pledge_and_moves_the_expiry(
    node: Node, pledges: PledgeService, number: str
) -> None:
    pledge_id = active_pledge(pledges, number, term_end="2026-06-30")
    extension = {"term_end": "2026-12-31", "agreement_digest": "0x" + "ee" * 32}
    with pytest.raises(NotYourPledgeError):
        pledges.request_extension("other", BANK_B, pledge_id, **extension)
    with pytest.raises(InvalidFieldError) as earlier:
        pledges.request_extension(
            "bank", BANK_A, pledge_id, **{**extension, "term_end": "2026-05-01"}
        )
    assert (earlier.value.field, earlier.value.code) == ("term_end", "not_later")
    pledges.request_extension("bank", BANK_A, pledge_id, **extension)
    assert pledges.get(pledge_id).pledge.term_end == date(2026, 6, 30)
    node.later(hours=1)
    extended = pledges.confirm_extension("issuer", pledge_id)
    assert extended.stored.pledge.term_end == date(2026, 12, 31)
    assert extended.document is not None
    record, extension_record = documents_of(node, pledge_id)
    document = json.loads(extended.document.canonical)
    assert document == extension_record
    assert document["extends"] == digest_hex(extended.stored.record_digest)  # type: ignore[arg-type]
    assert document["previous_digest"] == document["extends"]
    assert (document["extension"], document["term_end"]) == (1, "2026-12-31")
    assert document["agreement_digest"] == "0x" + "ee" * 32
    assert record["term_end"] == "2026-06-30"
    node.later(days=120)
    assert pledges.expire_due() == []
    assert [a.kind for a in queued(node)].count("register_pledge") == 1


def test_a_bank_sees_and_releases_only_its_own_pledges(
    node: Node, pledges: PledgeService, number: str
) -> None:
    pledge_id = active_pledge(pledges, number, BANK_A)
    with pytest.raises(NotYourPledgeError):
        pledges.get_own(BANK_B, pledge_id)
    with pytest.raises(NotYourPledgeError):
        pledges.release_own("bank-b", BANK_B, pledge_id)
    assert pledges.list_own(BANK_B) == []
    assert [s.pledge.id for s in pledges.list_own(BANK_A)] == [pledge_id]
    assert pledges.get(pledge_id).pledge.status is PledgeStatus.ACTIVE


def test_the_operator_releases_only_on_the_pledgees_release_document(
    pledges: PledgeService, number: str
) -> None:
    pledge_id = active_pledge(pledges, number)
    with pytest.raises(InvalidFieldError) as missing:
        pledges.release("issuer", pledge_id, release_document_digest=None)
    assert missing.value.field == "release_document_digest"
    released = pledges.release("issuer", pledge_id, release_document_digest="0x" + "dd" * 32)
    assert released.stored.pledge.status is PledgeStatus.RELEASED
    assert released.document is not None
    end = json.loads(released.document.canonical)
    assert (end["cause"], end["release_document_digest"]) == ("released", "0x" + "dd" * 32)
    with pytest.raises(IllegalTransitionError):
        pledges.release_own("bank", BANK_A, pledge_id)


def test_totals_by_status_and_currency(pledges: PledgeService, number: str) -> None:
    active_pledge(pledges, number, BANK_A)
    active_pledge(pledges, number, BANK_B, principal={"amount": "1234.56", "currency": "CNY"})
    pledges.request(
        "bank", BANK_FI, request_body(number, principal={"amount": "10", "currency": "USD"})
    )
    totals = {(t.status.value, t.currency): (t.count, t.principal_minor) for t in pledges.totals()}
    assert totals == {("active", "CNY"): (2, 500_123_456), ("requested", "USD"): (1, 1000)}


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"term_end": "2026-03-31"}, "term_end", "term_end_before_start"),
        (
            {"principal": {"amount": "0", "currency": "CNY"}},
            "principal.amount",
            "amount_not_positive",
        ),
        ({"principal": {"amount": "-5", "currency": "CNY"}}, "principal.amount", "amount_format"),
        (
            {"principal": {"amount": 12.5, "currency": "CNY"}},
            "principal.amount",
            "amount_not_decimal",
        ),
        (
            {"principal": {"amount": "1.005", "currency": "CNY"}},
            "principal.amount",
            "amount_precision",
        ),
        (
            {"principal": {"amount": "1", "currency": "rmb"}},
            "principal.currency",
            "currency_format",
        ),
        (
            {"registration_number": str(registration_number(99))},
            "registration_number",
            "certificate_unknown",
        ),
        (
            {"pledgor": {"name": "某公司", "credit_code": SAMPLES[1]["holder"]["credit_code"]}},
            "pledgor.credit_code",
            "pledgor_not_holder",
        ),
        (
            {"pledgor": {"name": "某公司", "credit_code": "91370200MA3C00000X"}},
            "pledgor.credit_code",
            "credit_code_check_digit",
        ),
        ({"term_start": "2025-01-01", "term_end": "2025-12-31"}, "term_end", "term_end_past"),
        ({"contract_digest": "0x12"}, "contract_digest", "digest_format"),
        ({"term_start": "2026-02-30"}, "term_start", "date_format"),
        (
            {"unified_registry_number": "中登"},
            "unified_registry_number",
            "unified_registry_number_format",
        ),
        ({"colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_a_bad_request_names_its_field_and_stores_nothing(
    node: Node, pledges: PledgeService, number: str, changes: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(InvalidFieldError) as refused:
        pledges.request("bank", BANK_A, request_body(number) | changes)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert pledges.find() == []


def test_a_request_needs_every_field_and_an_active_certificate(
    node: Node, pledges: PledgeService, number: str
) -> None:
    body = request_body(number)
    del body["contract_digest"]
    with pytest.raises(InvalidFieldError) as missing:
        pledges.request("bank", BANK_A, body)
    assert (missing.value.field, missing.value.code) == ("contract_digest", "missing_field")
    node.certificates.revoke("director", number, "以欺骗手段取得登记。")
    with pytest.raises(InvalidFieldError) as revoked:
        pledges.request("bank", BANK_A, request_body(number))
    assert (revoked.value.field, revoked.value.code) == (
        "registration_number",
        "certificate_not_active",
    )


def test_an_open_pledge_is_not_recorded_twice_for_one_unified_registration(
    pledges: PledgeService, number: str
) -> None:
    body = request_body(number)
    first = pledges.request("bank", BANK_A, body).stored.pledge.id
    with pytest.raises(DuplicatePledgeError) as duplicate:
        pledges.request("bank", BANK_A, body)
    assert duplicate.value.pledge_id == first
    pledges.reject("issuer", first, "合同未签署。")
    assert pledges.request("bank", BANK_A, body).stored.pledge.id != first


def test_a_request_confirmed_after_the_certificate_ended_is_refused(
    node: Node, pledges: PledgeService, number: str
) -> None:
    pledge_id = pledges.request("bank", BANK_A, request_body(number)).stored.pledge.id
    node.certificates.cancel("holder", number, None)
    with pytest.raises(InvalidFieldError) as refused:
        pledges.confirm("issuer", pledge_id)
    assert refused.value.code == "certificate_not_active"
    assert pledges.get(pledge_id).pledge.status is PledgeStatus.REQUESTED
