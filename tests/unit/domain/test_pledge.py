"""Pledges in the domain: money, bank codes, the terms, the steps of a pledge's life."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from node.domain.certificate import Certificate
from node.domain.errors import IllegalTransitionError, InvalidFieldError, TimeOrderError
from node.domain.identifiers import FinancialInstitutionCode, parse_institution_code
from node.domain.money import Money
from node.domain.pledge import Consent, Pledge, PledgeStatus, PledgeStepKind
from node.domain.pledge_errors import (
    AlreadyConsentedError,
    ExtensionPendingError,
    PledgeNotExpiredError,
)
from node.domain.pledge_snapshot import pledge_from_snapshot, pledge_to_snapshot
from tests.unit.domain.builders import content, cst, number
from tests.unit.domain.pledge_builders import BANK_A, HOLDER, terms

AT = cst(2026, 4, 2)


def certificate() -> Certificate:
    return Certificate.issue(number(1), content(), issued_on=date(2026, 3, 20))


def requested() -> Pledge:
    return Pledge.request("p1", terms(number(1)), certificate=certificate(), actor="bank", at=AT)


def active(term_end: date = date(2027, 3, 31)) -> Pledge:
    pledge = Pledge.request(
        "p1", terms(number(1), term_end=term_end), certificate=certificate(), actor="bank", at=AT
    )
    pledge.confirm("issuer", at=AT + timedelta(hours=1), certificate=certificate(), priority=1)
    return pledge


@pytest.mark.parametrize(
    ("amount", "text", "minor"),
    [("5000000", "5000000.00", 500_000_000), ("0.01", "0.01", 1), (Decimal("12.5"), "12.50", 1250)],
)
def test_money_is_exact_to_the_hundredth(amount: object, text: str, minor: int) -> None:
    money = Money.parse(amount, "CNY", "principal")
    assert (money.text, money.minor_units) == (text, minor)
    assert Money.of_minor_units(minor, "CNY") == money


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (1.5, "amount_not_decimal"),
        (True, "amount_not_decimal"),
        ("1e3", "amount_format"),
        ("NaN", "amount_format"),
        ("0.00", "amount_not_positive"),
        ("0.001", "amount_precision"),
        ("100000000000000", "amount_too_large"),
        (Decimal("Infinity"), "amount_format"),
    ],
)
def test_money_refuses_what_is_not_an_exact_positive_amount(amount: object, code: str) -> None:
    with pytest.raises(InvalidFieldError) as refused:
        Money.parse(amount, "CNY", "principal")
    assert (refused.value.field, refused.value.code) == ("principal.amount", code)


def test_a_bank_is_known_by_credit_code_or_financial_institution_code() -> None:
    assert parse_institution_code(" b0001h111000001 ", "party") == "B0001H111000001"
    assert parse_institution_code(BANK_A, "party") == BANK_A
    assert str(FinancialInstitutionCode.parse("B0105S237030001")) == "B0105S237030001"
    for bad, code in (
        ("B000H1111000001", "financial_institution_code_format"),
        ("911100001000044470", "credit_code_check_digit"),
    ):
        with pytest.raises(InvalidFieldError) as refused:
            parse_institution_code(bad, "party")
        assert (refused.value.field, refused.value.code) == ("party", code)


def test_a_request_on_a_certificate_of_someone_else_is_refused() -> None:
    other = Certificate.issue(number(2), content(), issued_on=date(2026, 3, 20))
    with pytest.raises(InvalidFieldError) as refused:
        Pledge.request("p1", terms(number(1)), certificate=other, actor="bank", at=AT)
    assert refused.value.code == "certificate_mismatch"
    expired = Certificate.issue(number(1), content(), issued_on=date(2020, 3, 20))
    with pytest.raises(InvalidFieldError) as lapsed:
        Pledge.request("p1", terms(number(1)), certificate=expired, actor="bank", at=AT)
    assert lapsed.value.code == "certificate_not_active"


def test_steps_follow_the_life_of_a_pledge() -> None:
    pledge = requested()
    with pytest.raises(IllegalTransitionError):
        pledge.release_by("bank", at=AT, release_document_digest=None, reason=None)
    kind = pledge.give_consent(Consent("holder", HOLDER, AT + timedelta(minutes=5)))
    assert kind is PledgeStepKind.CONFIRM
    with pytest.raises(AlreadyConsentedError):
        pledge.give_consent(Consent("holder", HOLDER, AT + timedelta(minutes=6)))
    with pytest.raises(TimeOrderError):
        pledge.confirm("issuer", at=AT, certificate=certificate(), priority=1)
    pledge.confirm("issuer", at=AT + timedelta(hours=1), certificate=certificate(), priority=3)
    assert (pledge.status, pledge.priority, pledge.registered_on) == (
        PledgeStatus.ACTIVE,
        3,
        date(2026, 4, 2),
    )
    with pytest.raises(IllegalTransitionError):
        pledge.reject("issuer", "迟了。", at=AT + timedelta(hours=2))
    release = pledge.release_by(
        "bank", at=AT + timedelta(days=1), release_document_digest="0x" + "DD" * 32, reason="结清"
    )
    assert release.release_document_digest == "0x" + "dd" * 32
    assert pledge.status is PledgeStatus.RELEASED
    assert [step.kind.value for step in pledge.steps] == [
        "request",
        "consent",
        "confirm",
        "release",
    ]


def test_a_consent_from_another_organisation_is_refused() -> None:
    with pytest.raises(InvalidFieldError) as refused:
        requested().give_consent(Consent("x", "91370200201047294E", AT))
    assert refused.value.code == "not_the_pledgor"


def test_extension_consent_and_confirmation() -> None:
    pledge = active(date(2026, 6, 30))
    pledge.request_extension(
        "bank",
        at=AT + timedelta(days=1),
        term_end=date(2026, 9, 30),
        agreement_digest="0x" + "ee" * 32,
    )
    with pytest.raises(ExtensionPendingError):
        pledge.request_extension(
            "bank",
            at=AT + timedelta(days=1),
            term_end=date(2026, 10, 30),
            agreement_digest="0x" + "ee" * 32,
        )
    allows = pledge.give_consent(Consent("holder", HOLDER, AT + timedelta(days=2)))
    assert allows is PledgeStepKind.CONFIRM_EXTENSION
    extension = pledge.confirm_extension("policy", at=AT + timedelta(days=2))
    assert extension.consent is not None and pledge.term_end == date(2026, 9, 30)
    assert pledge.terms.term_end == date(2026, 6, 30)
    assert pledge.status_on(date(2026, 9, 30)) is PledgeStatus.ACTIVE
    assert pledge.status_on(date(2026, 10, 1)) is PledgeStatus.EXPIRED


def test_expiry_only_after_the_term_and_nothing_after_it() -> None:
    pledge = active(date(2026, 6, 30))
    with pytest.raises(PledgeNotExpiredError):
        pledge.expire(at=cst(2026, 6, 30, 23, 59))
    late = cst(2026, 7, 1, 0, 1)
    with pytest.raises(IllegalTransitionError):
        pledge.request_extension(
            "bank", at=late, term_end=date(2026, 12, 31), agreement_digest="0x" + "ee" * 32
        )
    release = pledge.expire(at=late)
    assert release.expired and pledge.status is PledgeStatus.EXPIRED


def test_a_snapshot_rebuilds_the_pledge() -> None:
    pledge = active(date(2026, 6, 30))
    pledge.request_extension(
        "bank",
        at=AT + timedelta(days=1),
        term_end=date(2026, 9, 30),
        agreement_digest="0x" + "ee" * 32,
    )
    pledge.confirm_extension("issuer", at=AT + timedelta(days=2))
    pledge.request_extension(
        "bank",
        at=AT + timedelta(days=3),
        term_end=date(2026, 12, 31),
        agreement_digest="0x" + "ef" * 32,
    )
    snapshot = pledge_to_snapshot(pledge)
    rebuilt = pledge_from_snapshot(snapshot)
    assert pledge_to_snapshot(rebuilt) == snapshot
    assert rebuilt.term_end == date(2026, 9, 30) and rebuilt.pending_extension is not None
    assert rebuilt.steps == pledge.steps
