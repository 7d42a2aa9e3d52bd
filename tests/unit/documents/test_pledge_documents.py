"""Pledge documents: the record, an extension linked to it, the release; each round-trips."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from node.documents.canonical import canonical_json, digest_hex, document_digest, keccak256
from node.documents.ids import certificate_id_of, pledge_id_of, pledgee_digest_of
from node.documents.pledges import pledge_document, pledge_release_document
from node.documents.schemas import (
    PledgeDocument,
    PledgeReleaseDocument,
    as_json,
    parse_document,
)
from node.domain.certificate import Certificate
from node.domain.errors import InvalidFieldError
from node.domain.pledge import Consent, Pledge
from tests.unit.documents.test_schemas import CENTRE
from tests.unit.domain.builders import content, cst, number
from tests.unit.domain.pledge_builders import BANK_B, HOLDER, terms

AT = cst(2026, 4, 2)


def _pledge() -> Pledge:
    certificate = Certificate.issue(number(1), content(), issued_on=date(2026, 3, 20))
    pledge = Pledge.request(
        "p1", terms(number(1), bank=BANK_B), certificate=certificate, actor="bank", at=AT
    )
    pledge.give_consent(Consent("holder", HOLDER, AT + timedelta(minutes=1), "0x" + "cc" * 32))
    pledge.confirm("issuer", at=AT + timedelta(hours=1), certificate=certificate, priority=2)
    return pledge


def _round_trip(document: PledgeDocument | PledgeReleaseDocument) -> dict[str, object]:
    body = as_json(document)
    wire = json.loads(json.dumps(body, ensure_ascii=False))
    assert canonical_json(as_json(parse_document(wire))) == canonical_json(body)
    return wire  # type: ignore[no-any-return]


def test_the_record_states_the_terms_and_the_chain_ids() -> None:
    pledge = _pledge()
    record = _round_trip(
        pledge_document(pledge, centre=CENTRE, created_at=AT, previous_digest=None)
    )
    assert record["chain_pledge_id"] == digest_hex(pledge_id_of("p1"))
    assert record["certificate_id"] == digest_hex(certificate_id_of(str(number(1))))
    assert record["pledgee_digest"] == digest_hex(pledgee_digest_of(BANK_B))
    assert record["pledgee_digest"] == digest_hex(document_digest({"pledgee_code": BANK_B}))
    assert record["principal"] == {"amount": "1000000.00", "currency": "CNY"}
    assert (record["priority"], record["registered_on"], record["extension"]) == (
        2,
        "2026-04-02",
        0,
    )
    assert record["consent"] == {
        "consented_by": "holder",
        "credit_code": HOLDER,
        "consented_at": (AT + timedelta(minutes=1)).isoformat(),
        "letter_digest": "0x" + "cc" * 32,
    }


def test_an_extension_is_linked_to_the_record_and_the_release_cites_it() -> None:
    pledge = _pledge()
    record_digest = keccak256(b"record")
    later = AT + timedelta(days=1)
    pledge.request_extension(
        "bank", at=later, term_end=date(2027, 9, 30), agreement_digest="0x" + "ee" * 32
    )
    pledge.confirm_extension("issuer-2", at=later)
    extension = _round_trip(
        pledge_document(
            pledge,
            centre=CENTRE,
            created_at=later,
            previous_digest=record_digest,
            extends=record_digest,
        )
    )
    assert extension["extends"] == digest_hex(record_digest)
    assert (extension["extension"], extension["term_end"], extension["confirmed_by"]) == (
        1,
        "2027-09-30",
        "issuer-2",
    )
    assert extension["consent"] is None and extension["term_start"] == "2026-04-01"
    pledge.release_by(
        "bank", at=later, release_document_digest="0x" + "dd" * 32, reason="贷款已结清。"
    )
    release = _round_trip(
        pledge_release_document(
            pledge,
            centre=CENTRE,
            created_at=later,
            previous_digest=None,
            record_digest=record_digest,
        )
    )
    assert (release["cause"], release["record_digest"], release["term_end"]) == (
        "released",
        digest_hex(record_digest),
        "2027-09-30",
    )


def test_documents_of_an_unconfirmed_or_unended_pledge_are_refused() -> None:
    certificate = Certificate.issue(number(1), content(), issued_on=date(2026, 3, 20))
    requested = Pledge.request("p1", terms(number(1)), certificate=certificate, actor="b", at=AT)
    with pytest.raises(InvalidFieldError, match="not registered"):
        pledge_document(requested, centre=CENTRE, created_at=AT, previous_digest=None)
    with pytest.raises(InvalidFieldError, match="no extension"):
        pledge_document(_pledge(), centre=CENTRE, created_at=AT, previous_digest=None, extends=b"x")
    with pytest.raises(InvalidFieldError, match="neither released"):
        pledge_release_document(
            _pledge(), centre=CENTRE, created_at=AT, previous_digest=None, record_digest=b"x" * 32
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"principal": {"amount": "12.5", "currency": "CNY"}}, "document.principal.amount"),
        ({"principal": {"amount": 12.5, "currency": "CNY"}}, "document.principal.amount"),
        ({"pledgee": {"name": "银行", "code": "B0001"}}, "document.pledgee.code"),
        ({"priority": 0}, "document.priority"),
    ],
)
def test_a_malformed_pledge_document_names_the_field(change: dict[str, object], field: str) -> None:
    body = as_json(pledge_document(_pledge(), centre=CENTRE, created_at=AT, previous_digest=None))
    with pytest.raises(InvalidFieldError) as raised:
        parse_document(body | change)
    assert (raised.value.field, raised.value.code) == (field, "document_schema")
