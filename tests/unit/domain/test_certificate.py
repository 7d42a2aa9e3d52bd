from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from node.domain.certificate import (
    CERTIFICATE_TRANSITIONS,
    Certificate,
    CertificateAction,
    CertificateActionKind,
    CertificateStatus,
    Licensee,
    validity_end,
)
from node.domain.errors import (
    HolderChangeError,
    IllegalTransitionError,
    InvalidFieldError,
    NotExpiredError,
    NothingChangedError,
    SameHolderError,
    TimeOrderError,
)
from node.domain.identifiers import CreditCode
from node.domain.values import Right, Rights
from tests.unit.domain.builders import asset, content, cst, holder, number

K = CertificateActionKind
C = CertificateStatus
ISSUED_ON = date(2026, 3, 20)
OTHER_HOLDER = holder("91370200201047294E", "青岛示例燃气集团有限公司")
LICENSEE = Licensee("某银行股份有限公司", CreditCode("91370700202094586M"))


def certificate(issued_on: date = ISSUED_ON) -> Certificate:
    return Certificate.issue(number(1), content(), issued_on=issued_on)


def test_issue_sets_three_years_of_validity() -> None:
    cert = certificate()
    assert cert.valid_until == date(2029, 3, 19)
    assert cert.status is C.ACTIVE
    assert cert.supersedes is None
    assert cert.content == content()
    assert cert.actions == ()


def test_validity_is_configurable_and_handles_leap_days() -> None:
    assert validity_end(date(2028, 2, 29), 3) == date(2031, 2, 28)
    assert validity_end(date(2028, 2, 29), 4) == date(2032, 2, 28)
    assert validity_end(ISSUED_ON, 5) == date(2031, 3, 19)
    cert = Certificate.issue(number(1), content(), issued_on=ISSUED_ON, validity_years=1)
    assert cert.valid_until == date(2027, 3, 19)
    with pytest.raises(InvalidFieldError):
        validity_end(ISSUED_ON, 0)


def test_validity_cannot_end_before_issue() -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        Certificate(
            number(1),
            holder(),
            asset(),
            Rights.of(Right.USE),
            issued_on=ISSUED_ON,
            valid_until=ISSUED_ON - timedelta(days=1),
        )
    assert excinfo.value.code == "before_start"


def test_status_on_treats_a_past_validity_as_expired() -> None:
    cert = certificate()
    assert cert.status_on(date(2029, 3, 19)) is C.ACTIVE
    assert cert.status_on(date(2029, 3, 20)) is C.EXPIRED
    assert cert.status is C.ACTIVE


# -- change, transfer, renew ------------------------------------------------------------------


def test_change_supersedes_with_new_content() -> None:
    cert = certificate()
    renamed = dataclasses.replace(content(), holder=holder(name="青岛示例农业数据集团有限公司"))
    result = cert.change(
        renamed, actor="operator", at=cst(2026, 6, 1), new_number=number(2), previous_digest="0xaa"
    )
    assert cert.status is C.SUPERSEDED
    new = result.certificate
    assert (new.registration_number, new.supersedes) == (number(2), number(1))
    assert new.holder.name == "青岛示例农业数据集团有限公司"
    assert new.issued_on == date(2026, 6, 1)
    assert new.valid_until == cert.valid_until
    assert new.status is C.ACTIVE
    action = result.action
    assert (action.kind, action.from_status, action.to_status) == (K.CHANGE, C.ACTIVE, C.SUPERSEDED)
    assert (action.registration_number, action.successor) == (number(1), number(2))
    assert action.previous_digest == "0xaa"
    assert cert.actions == (action,)


def test_change_may_not_swap_the_holder() -> None:
    cert = certificate()
    with pytest.raises(HolderChangeError):
        cert.change(
            dataclasses.replace(content(), holder=OTHER_HOLDER),
            actor="operator",
            at=cst(2026, 6, 1),
            new_number=number(2),
        )
    assert cert.status is C.ACTIVE


def test_change_must_change_something() -> None:
    with pytest.raises(NothingChangedError):
        certificate().change(content(), actor="operator", at=cst(2026, 6, 1), new_number=number(2))


def test_transfer_issues_for_the_new_holder() -> None:
    cert = certificate()
    result = cert.transfer(OTHER_HOLDER, actor="operator", at=cst(2026, 6, 1), new_number=number(2))
    assert result.certificate.holder == OTHER_HOLDER
    assert result.certificate.asset == cert.asset
    assert result.certificate.rights == cert.rights
    assert result.certificate.valid_until == cert.valid_until
    assert cert.status is C.SUPERSEDED
    assert result.action.details["holder"] is not None


def test_transfer_to_the_same_holder_is_refused() -> None:
    with pytest.raises(SameHolderError):
        certificate().transfer(
            holder(name="改名后的公司"), actor="operator", at=cst(2026, 6, 1), new_number=number(2)
        )


def test_renew_extends_validity_on_a_successor() -> None:
    cert = certificate()
    result = cert.renew(
        date(2032, 3, 19), actor="operator", at=cst(2029, 1, 10), new_number=number(9, 2029)
    )
    assert result.certificate.valid_until == date(2032, 3, 19)
    assert result.certificate.content == cert.content
    assert cert.status is C.SUPERSEDED


def test_renewal_must_extend() -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        certificate().renew(
            date(2029, 3, 19), actor="operator", at=cst(2029, 1, 10), new_number=number(2)
        )
    assert excinfo.value.code == "not_later"


def test_renewal_after_expiry_is_refused() -> None:
    with pytest.raises(IllegalTransitionError) as excinfo:
        certificate().renew(
            date(2033, 1, 1), actor="operator", at=cst(2029, 3, 20), new_number=number(2)
        )
    assert (excinfo.value.state, excinfo.value.action) == ("expired", "renew")


def test_successor_needs_its_own_number() -> None:
    cert = certificate()
    with pytest.raises(InvalidFieldError) as excinfo:
        cert.transfer(OTHER_HOLDER, actor="operator", at=cst(2026, 6, 1), new_number=number(1))
    assert excinfo.value.code == "reused"
    assert cert.status is C.ACTIVE


# -- licence, cancel, revoke, expire ----------------------------------------------------------


def test_licence_is_recorded_and_leaves_the_certificate_active() -> None:
    cert = certificate()
    action = cert.licence(
        LICENSEE, "用于信贷风控模型训练", date(2027, 12, 31), actor="holder", at=cst(2026, 5, 1)
    )
    assert cert.status is C.ACTIVE
    assert (action.kind, action.to_status, action.successor) == (K.LICENCE, C.ACTIVE, None)
    (licence,) = cert.licences
    assert (licence.licensee, licence.granted_on, licence.until) == (
        LICENSEE,
        date(2026, 5, 1),
        date(2027, 12, 31),
    )
    cert.licence(LICENSEE, "第二项许可", date(2026, 12, 31), actor="holder", at=cst(2026, 5, 2))
    assert len(cert.licences) == 2


@pytest.mark.parametrize(
    ("licensee", "until", "error"),
    [
        (LICENSEE, date(2029, 3, 20), InvalidFieldError),
        (LICENSEE, date(2026, 4, 30), InvalidFieldError),
        (Licensee("自己", CreditCode("913702002000000055")), date(2027, 1, 1), SameHolderError),
    ],
)
def test_licence_rules(licensee: Licensee, until: date, error: type[Exception]) -> None:
    cert = certificate()
    with pytest.raises(error):
        cert.licence(licensee, "许可范围", until, actor="holder", at=cst(2026, 5, 1))
    assert cert.licences == ()
    assert cert.actions == ()


def test_cancel_by_holder_and_revoke_by_centre() -> None:
    cancelled = certificate()
    action = cancelled.cancel("holder", at=cst(2026, 7, 1), reason="数据不再经营。")
    assert cancelled.status is C.CANCELLED
    assert action.details["reason"] == "数据不再经营。"
    revoked = certificate()
    action = revoked.revoke("centre", "以欺骗手段取得登记。", at=cst(2026, 7, 1))
    assert revoked.status is C.REVOKED
    assert action.to_status is C.REVOKED


def test_revocation_needs_a_reason() -> None:
    with pytest.raises(InvalidFieldError):
        certificate().revoke("centre", "", at=cst(2026, 7, 1))


def test_expire_only_after_the_last_valid_day() -> None:
    cert = certificate()
    with pytest.raises(NotExpiredError) as excinfo:
        cert.expire(at=cst(2029, 3, 19, 23, 59))
    assert excinfo.value.code == "not_expired"
    action = cert.expire(at=cst(2029, 3, 20, 0, 1))
    assert cert.status is C.EXPIRED
    assert action.actor == "system"
    with pytest.raises(IllegalTransitionError):
        cert.expire(at=cst(2029, 3, 21))


# -- the whole status by action table ----------------------------------------------------------

ACTIONS: dict[CertificateActionKind, Callable[[Certificate, datetime], object]] = {
    K.CHANGE: lambda c, at: c.change(
        dataclasses.replace(content(), asset=asset("改名后的数据集")),
        actor="operator",
        at=at,
        new_number=number(50),
    ),
    K.TRANSFER: lambda c, at: c.transfer(
        OTHER_HOLDER, actor="operator", at=at, new_number=number(51)
    ),
    K.LICENCE: lambda c, at: c.licence(LICENSEE, "许可范围", c.valid_until, actor="holder", at=at),
    K.RENEW: lambda c, at: c.renew(
        c.valid_until + timedelta(days=365), actor="operator", at=at, new_number=number(52)
    ),
    K.CANCEL: lambda c, at: c.cancel("holder", at=at),
    K.REVOKE: lambda c, at: c.revoke("centre", "撤销理由。", at=at),
    K.EXPIRE: lambda c, at: c.expire(at=at),
}
REACH: dict[CertificateStatus, CertificateActionKind | None] = {
    C.ACTIVE: None,
    C.SUPERSEDED: K.CHANGE,
    C.CANCELLED: K.CANCEL,
    C.REVOKED: K.REVOKE,
    C.EXPIRED: K.EXPIRE,
}
DURING_VALIDITY = cst(2027, 1, 4)
AFTER_VALIDITY = cst(2029, 4, 2)


def _certificate_in(status: CertificateStatus) -> Certificate:
    cert = certificate()
    via = REACH[status]
    if via is not None:
        ACTIONS[via](cert, AFTER_VALIDITY if via is K.EXPIRE else DURING_VALIDITY)
    assert cert.status is status
    return cert


def test_table_lets_active_certificates_do_everything_and_others_nothing() -> None:
    assert set(REACH) == set(CertificateStatus)
    assert {status for status, _ in CERTIFICATE_TRANSITIONS} == {C.ACTIVE}
    assert {kind for _, kind in CERTIFICATE_TRANSITIONS} == set(CertificateActionKind)


@pytest.mark.parametrize("status", list(CertificateStatus))
@pytest.mark.parametrize("kind", list(CertificateActionKind))
def test_status_action_table(status: CertificateStatus, kind: CertificateActionKind) -> None:
    cert = _certificate_in(status)
    before = cert.actions
    at = (
        AFTER_VALIDITY + timedelta(days=1)
        if kind is K.EXPIRE
        else DURING_VALIDITY + timedelta(days=1)
    )
    if status is C.ACTIVE:
        ACTIONS[kind](cert, at)
        assert cert.status is CERTIFICATE_TRANSITIONS[(C.ACTIVE, kind)]
        assert cert.actions[-1].kind is kind
    else:
        with pytest.raises(IllegalTransitionError) as excinfo:
            ACTIONS[kind](cert, at)
        assert (excinfo.value.state, excinfo.value.action) == (status.value, kind.value)
        assert cert.status is status
        assert cert.actions == before


@pytest.mark.parametrize("kind", [k for k in CertificateActionKind if k is not K.EXPIRE])
def test_lapsed_certificate_refuses_all_but_expire(kind: CertificateActionKind) -> None:
    cert = certificate()
    with pytest.raises(IllegalTransitionError) as excinfo:
        ACTIONS[kind](cert, AFTER_VALIDITY)
    assert excinfo.value.state == "expired"
    assert cert.status is C.ACTIVE


# -- records ----------------------------------------------------------------------------------


def test_actions_chain_through_previous_digests_and_serialise() -> None:
    cert = certificate()
    first = cert.licence(LICENSEE, "范围", date(2027, 1, 1), actor="holder", at=cst(2026, 5, 1))
    second = cert.cancel("holder", at=cst(2026, 6, 1), previous_digest="0x" + "ab" * 32)
    assert first.previous_digest is None
    assert second.previous_digest == "0x" + "ab" * 32
    data = json.loads(json.dumps(second.to_dict()))
    assert data["kind"] == "cancel" and data["registration_number"] == str(number(1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        second.actor = "x"  # type: ignore[misc]
    assert isinstance(second, CertificateAction)


def test_blank_digest_and_actor_are_refused() -> None:
    cert = certificate()
    with pytest.raises(InvalidFieldError) as excinfo:
        cert.cancel("holder", at=cst(2026, 6, 1), previous_digest=" ")
    assert excinfo.value.field == "previous_digest"
    with pytest.raises(InvalidFieldError) as excinfo:
        cert.cancel("", at=cst(2026, 6, 1))
    assert excinfo.value.field == "actor"
    assert cert.status is C.ACTIVE


def test_actions_may_not_go_back_in_time_or_before_issue() -> None:
    cert = certificate()
    cert.licence(LICENSEE, "范围", date(2027, 1, 1), actor="holder", at=cst(2026, 5, 2))
    with pytest.raises(TimeOrderError):
        cert.cancel("holder", at=cst(2026, 5, 1))
    with pytest.raises(InvalidFieldError) as excinfo:
        certificate().cancel("holder", at=cst(2026, 3, 19))
    assert excinfo.value.code == "before_issue"
    with pytest.raises(InvalidFieldError) as excinfo:
        certificate().cancel("holder", at=datetime(2026, 5, 1))
    assert excinfo.value.code == "naive_datetime"
