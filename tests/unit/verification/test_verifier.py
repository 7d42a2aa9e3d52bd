"""The verifier against an in-memory chain: each check passes on a good bundle and fails alone."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pytest
from eth_utils.address import to_checksum_address

from node.chain.types import (
    Anchor,
    Centre,
    CentreStatus,
    Certificate,
    CertificateStatus,
    KeyPeriod,
    Pledge,
)
from node.documents.bundle import CertificateBundle, bundle_json, bundle_of
from node.documents.canonical import digest_hex, keccak256, parse_digest
from node.documents.merkle import process_proof
from node.documents.signing import SigningDomain
from node.verification.ports import ChainFacts, ConsortiumAddresses
from node.verification.report import CheckName, Outcome, VerificationReport
from node.verification.verifier import verify_bundle, verify_bundle_json
from tests.unit.verification.bundles import (
    ANCHOR_BLOCK,
    ANCHOR_REGISTRY,
    CENTRE_KEY,
    CENTRE_REGISTRY,
    CERTIFICATE_REGISTRY,
    CHAIN_ID,
    ISSUED_ON,
    OUTSIDER_KEY,
    PEER_KEY,
    VALID_UNTIL,
    bundle,
    certificate,
)

PINNED_BLOCK = 20
ISSUER, PEER = 1, 2


class FakeChain(ChainFacts):
    """The consortium's state in dictionaries: centres 1 (Qingdao) and 2 (Weifang)."""

    def __init__(self) -> None:
        self.chain = CHAIN_ID
        self.contracts = ConsortiumAddresses(CENTRE_REGISTRY, ANCHOR_REGISTRY, CERTIFICATE_REGISTRY)
        self.centres = {
            ISSUER: Centre(
                ISSUER, CENTRE_KEY.address, 370200, CentreStatus.ACTIVE, 1, 1, "青岛", ""
            ),
            PEER: Centre(PEER, PEER_KEY.address, 370700, CentreStatus.ACTIVE, 1, 1, "潍坊", ""),
        }
        self.keys = {
            CENTRE_KEY.address: KeyPeriod(ISSUER, 1, 0),
            PEER_KEY.address: KeyPeriod(PEER, 1, 0),
        }
        self.anchors: dict[bytes, Anchor] = {}
        self.certificates: dict[bytes, Certificate] = {}
        self.pledges: dict[bytes, Pledge] = {}
        self.pledge_order: dict[bytes, list[bytes]] = {}
        self.recognitions: set[tuple[int, int]] = set()
        self.timestamps: dict[int, int] = {}

    @property
    def chain_id(self) -> int:
        return self.chain

    @property
    def block_number(self) -> int:
        return PINNED_BLOCK

    @property
    def addresses(self) -> ConsortiumAddresses:
        return self.contracts

    def key_period(self, key: str) -> KeyPeriod:
        return self.keys.get(to_checksum_address(key), KeyPeriod(0, 0, 0))

    def centre(self, centre_id: int) -> Centre:
        return self.centres.get(
            centre_id, Centre(0, "0x" + "00" * 20, 0, CentreStatus.NONE, 0, 0, "", "")
        )

    def was_key_of(self, key: str, centre_id: int, block_number: int) -> bool:
        period = self.key_period(key)
        return (
            period.centre_id == centre_id
            and period.from_block <= block_number
            and (period.until_block == 0 or block_number < period.until_block)
        )

    def anchor_of(self, digest_or_root: bytes) -> Anchor:
        return self.anchors.get(digest_or_root, Anchor(0, 0, 0, 0))

    def verify_leaf(self, root: bytes, proof: Sequence[bytes], leaf: bytes) -> bool:
        anchor = self.anchor_of(root)
        return anchor.exists and anchor.leaf_count > 0 and process_proof(leaf, proof) == root

    def certificate(self, certificate_id: bytes) -> Certificate:
        empty = Certificate(0, CertificateStatus.NONE, 0, 0, 0, bytes(32), bytes(32), bytes(32))
        return self.certificates.get(certificate_id, empty)

    def active_pledges(self, certificate_id: bytes) -> list[bytes]:
        return [p for p in self.pledge_order.get(certificate_id, []) if self.pledges[p].active]

    def pledge(self, pledge_id: bytes) -> Pledge:
        return self.pledges[pledge_id]

    def recognises(self, recogniser_id: int, recognised_id: int) -> bool:
        return (recogniser_id, recognised_id) in self.recognitions

    def block_timestamp(self, block_number: int) -> int | None:
        return self.timestamps.get(block_number)

    # -- writing, for the tests ------------------------------------------------------------

    def anchor_batch(self, root: bytes, leaf_count: int, centre_id: int = ISSUER) -> None:
        self.anchors[root] = Anchor(centre_id, 1_772_000_000, ANCHOR_BLOCK, leaf_count)

    def register(self, certificate_id: bytes, asset_key: bytes, issuer: int = ISSUER) -> None:
        self.certificates[certificate_id] = Certificate(
            issuer,
            CertificateStatus.ACTIVE,
            ANCHOR_BLOCK + 1,
            ANCHOR_BLOCK + 1,
            0,
            asset_key,
            bytes(32),
            bytes(32),
        )

    def set_status(self, certificate_id: bytes, status: CertificateStatus) -> None:
        record = self.certificates[certificate_id]
        self.certificates[certificate_id] = dataclasses.replace(
            record, status=status, status_block=15, decision_digest=keccak256(b"decision")
        )

    def register_pledge(self, certificate_id: bytes, label: str) -> bytes:
        pledge_id = keccak256(label.encode())
        order = self.pledge_order.setdefault(certificate_id, [])
        self.pledges[pledge_id] = Pledge(
            certificate_id,
            keccak256(f"record {label}".encode()),
            keccak256(f"bank {label}".encode()),
            bytes(32),
            12 + len(order),
            0,
            len(order) + 1,
            True,
        )
        order.append(pledge_id)
        return pledge_id


def issued_chain(subject: CertificateBundle) -> FakeChain:
    """A chain where ``subject``'s batch root is anchored and its certificate registered."""
    chain = FakeChain()
    chain.anchor_batch(parse_digest(subject.anchor.root), 3)
    document = subject.document
    chain.register(parse_digest(document["certificate_id"]), parse_digest(document["asset_key"]))
    return chain


def verify(
    subject: CertificateBundle,
    chain: FakeChain | None = None,
    *,
    today: date = ISSUED_ON,
    as_centre_id: int | None = None,
) -> VerificationReport:
    chain = issued_chain(subject) if chain is None else chain
    return verify_bundle(subject, chain, today=today, as_centre_id=as_centre_id)


def edited(subject: CertificateBundle, change: dict[str, Any]) -> CertificateBundle:
    """The bundle with top-level fields replaced (nested models as JSON)."""
    return bundle_of({**subject.model_dump(mode="json"), **change})


def failures(report: VerificationReport) -> set[CheckName]:
    return {check.name for check in report.checks if check.outcome is Outcome.FAILED}


def cid(subject: CertificateBundle) -> bytes:
    return parse_digest(subject.document["certificate_id"])


# -- a good bundle ---------------------------------------------------------------------------


def test_a_good_bundle_passes_every_check_and_states_the_chain_read() -> None:
    subject = bundle()
    report = verify(subject)
    assert report.ok
    assert [check.name for check in report.checks] == list(CheckName)
    assert [check.name.step for check in report.checks] == list(range(1, 10))
    assert failures(report) == set()
    assert report.check(CheckName.RECOGNITION).outcome is Outcome.SKIPPED
    assert all(report.check(name).passed for name in CheckName if name is not CheckName.RECOGNITION)
    assert (report.chain_id, report.block_number) == (CHAIN_ID, PINNED_BLOCK)
    assert report.addresses.centre_registry == CENTRE_REGISTRY
    assert report.registration_number == subject.document["registration_number"]
    assert report.checked_on == ISSUED_ON
    assert "青岛" in report.check(CheckName.CENTRE).reason
    assert f"block {ANCHOR_BLOCK}" in report.check(CheckName.ANCHOR).reason


def test_a_bundle_file_verifies_like_the_parsed_bundle() -> None:
    subject = bundle()
    report = verify_bundle_json(bundle_json(subject), issued_chain(subject), today=ISSUED_ON)
    assert report == verify(subject)


def test_a_single_anchored_digest_needs_no_proof() -> None:
    subject = bundle()
    single = edited(
        subject,
        {
            "anchor": {
                **subject.model_dump(mode="json")["anchor"],
                "root": subject.digest,
                "proof": [],
                "leaf_index": None,
            }
        },
    )
    chain = issued_chain(subject)
    chain.anchors = {parse_digest(subject.digest): Anchor(ISSUER, 1_772_000_000, ANCHOR_BLOCK, 0)}
    report = verify(single, chain)
    assert report.ok, report.checks
    assert "single digest" in report.check(CheckName.ANCHOR).reason


# -- step 1: schema --------------------------------------------------------------------------


def test_a_malformed_bundle_file_stops_after_the_schema_check() -> None:
    report = verify_bundle_json(b'{"bundle_version": 1}', FakeChain(), today=ISSUED_ON)
    assert not report.ok
    schema = report.check(CheckName.SCHEMA)
    assert schema.outcome is Outcome.FAILED
    assert schema.reason.startswith("document:")
    assert {check.outcome for check in report.checks[1:]} == {Outcome.SKIPPED}
    assert report.block_number == PINNED_BLOCK
    assert report.registration_number is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"holder": {"name": "x"}}, "document.holder"),
        ({"kind": "notice"}, "document."),
        ({"registration_number": "370200-2026-000001-0"}, "document.registration_number"),
        ({"subject": "370200-2026-000002-8"}, "document.subject"),
        ({"certificate_id": "0x" + "00" * 32}, "document.certificate_id"),
        ({"valid_until": "2026-02-30"}, "document.issued_on/valid_until"),
        ({"valid_until": "2025-01-01"}, "document.valid_until"),
        ({"centre": {"region_code": "370200", "name": "x", "signer": PEER_KEY.address}}, "signer"),
    ],
)
def test_a_document_that_is_not_a_consistent_certificate_stops_at_step_1(
    change: dict[str, Any], field: str
) -> None:
    subject = bundle()
    broken = edited(subject, {"document": {**subject.document, **change}})
    report = verify(broken, issued_chain(subject))
    schema = report.check(CheckName.SCHEMA)
    assert schema.outcome is Outcome.FAILED
    assert schema.reason.startswith(field), schema.reason
    assert failures(report) == {CheckName.SCHEMA}


# -- step 2: digest --------------------------------------------------------------------------


def test_a_tampered_document_field_fails_the_digest_and_the_signature() -> None:
    subject = bundle()
    asset = {**subject.document["asset"], "scale": "约 9,999 万条记录"}
    tampered = edited(subject, {"document": {**subject.document, "asset": asset}})
    report = verify(tampered, issued_chain(subject))
    assert not report.ok
    assert {CheckName.DIGEST, CheckName.SIGNATURE} <= failures(report)
    assert "not the one that was issued" in report.check(CheckName.DIGEST).reason


def test_a_wrong_digest_in_the_bundle_fails_only_the_digest_check() -> None:
    subject = bundle()
    report = verify(edited(subject, {"digest": "0x" + "12" * 32}), issued_chain(subject))
    assert failures(report) == {CheckName.DIGEST}


# -- step 3: signature -----------------------------------------------------------------------


def test_a_signature_by_another_key_fails_the_signature_check() -> None:
    subject = bundle(key=PEER_KEY)
    report = verify(subject)
    assert failures(report) == {CheckName.SIGNATURE}
    assert PEER_KEY.address in report.check(CheckName.SIGNATURE).reason


def test_a_signature_for_another_chain_fails_the_signature_check() -> None:
    other_chain = SigningDomain(1, ANCHOR_REGISTRY)
    subject = bundle(domain=other_chain)
    anchored_here = subject.model_dump(mode="json")["anchor"] | {"chain_id": CHAIN_ID}
    report = verify(edited(subject, {"anchor": anchored_here}), issued_chain(subject))
    assert failures(report) == {CheckName.SIGNATURE}
    assert "signed for chain 1" in report.check(CheckName.SIGNATURE).reason


def test_a_bundle_for_another_chain_than_the_one_read_fails_the_signature_check() -> None:
    subject = bundle()
    chain = issued_chain(subject)
    chain.chain = 5
    report = verify(subject, chain)
    assert failures(report) == {CheckName.SIGNATURE}
    assert "the chain read is 5" in report.check(CheckName.SIGNATURE).reason


def test_a_malformed_signature_fails_the_signature_check() -> None:
    subject = bundle()
    report = verify(edited(subject, {"signature": "0x" + "00" * 65}), issued_chain(subject))
    assert failures(report) == {CheckName.SIGNATURE}


# -- step 4: centre --------------------------------------------------------------------------


def test_a_key_of_no_centre_fails_the_centre_check() -> None:
    subject = bundle(certificate(signer=OUTSIDER_KEY.address), key=OUTSIDER_KEY)
    report = verify(subject)
    assert CheckName.CENTRE in failures(report)
    assert CheckName.SIGNATURE not in failures(report)
    assert "not the key of any centre" in report.check(CheckName.CENTRE).reason


def test_a_centre_suspended_before_the_anchor_fails_the_centre_check() -> None:
    subject = bundle()
    chain = issued_chain(subject)
    chain.centres[ISSUER] = dataclasses.replace(
        chain.centres[ISSUER], status=CentreStatus.SUSPENDED, status_changed_block=ANCHOR_BLOCK
    )
    report = verify(subject, chain)
    assert failures(report) == {CheckName.CENTRE}
    assert f"suspended since block {ANCHOR_BLOCK}" in report.check(CheckName.CENTRE).reason


@pytest.mark.parametrize("status", [CentreStatus.SUSPENDED, CentreStatus.REMOVED])
def test_a_centre_suspended_or_removed_after_the_anchor_leaves_a_valid_certificate_with_a_warning(
    status: CentreStatus,
) -> None:
    subject = bundle()
    chain = issued_chain(subject)
    changed = ANCHOR_BLOCK + 3
    chain.centres[ISSUER] = dataclasses.replace(
        chain.centres[ISSUER], status=status, status_changed_block=changed
    )
    chain.timestamps[changed] = 1_772_409_600  # 2026-03-02T00:00:00Z
    report = verify(subject, chain)
    centre = report.check(CheckName.CENTRE)
    assert centre.outcome is Outcome.WARNING
    assert report.warnings == (centre,)
    assert CheckName.CENTRE not in failures(report)
    assert f"{status.name.lower()} since block {changed} (2026-03-02T00:00:00+00:00)" in (
        centre.reason
    )
    assert "remains valid" in centre.reason


def test_a_warning_does_not_hide_another_problem_of_the_centre() -> None:
    subject = bundle()
    chain = issued_chain(subject)
    chain.centres[ISSUER] = dataclasses.replace(
        chain.centres[ISSUER],
        status=CentreStatus.SUSPENDED,
        status_changed_block=ANCHOR_BLOCK + 3,
        region_code=370700,
    )
    report = verify(subject, chain)
    assert CheckName.CENTRE in failures(report)
    assert "is not of region 370700" in report.check(CheckName.CENTRE).reason


def test_a_key_that_was_not_the_centres_at_the_anchoring_block_fails_the_centre_check() -> None:
    subject = bundle()
    chain = issued_chain(subject)
    chain.keys[CENTRE_KEY.address] = KeyPeriod(ISSUER, ANCHOR_BLOCK + 1, 0)
    report = verify(subject, chain)
    assert failures(report) == {CheckName.CENTRE}
    assert f"anchoring block {ANCHOR_BLOCK}" in report.check(CheckName.CENTRE).reason


def test_a_centre_of_another_region_fails_the_centre_check() -> None:
    subject = bundle()
    chain = issued_chain(subject)
    chain.centres[ISSUER] = dataclasses.replace(chain.centres[ISSUER], region_code=370700)
    reason = verify(subject, chain).check(CheckName.CENTRE).reason
    assert "names region 370200" in reason
    assert "is not of region 370700" in reason


def test_another_centre_registry_fails_the_centre_check() -> None:
    subject = bundle()
    chain = issued_chain(subject)
    chain.contracts = dataclasses.replace(chain.contracts, centre_registry="0x" + "99" * 20)
    assert failures(verify(subject, chain)) == {CheckName.CENTRE}


# -- step 5: anchor --------------------------------------------------------------------------


def test_a_proof_for_another_leaf_fails_the_anchor_check() -> None:
    report = verify(bundle(proof_of=1))
    assert failures(report) == {CheckName.ANCHOR}
    assert "does not lead" in report.check(CheckName.ANCHOR).reason


def test_a_root_anchored_by_another_centre_fails_the_anchor_check() -> None:
    subject = bundle()
    chain = issued_chain(subject)
    chain.anchor_batch(parse_digest(subject.anchor.root), 3, centre_id=PEER)
    report = verify(subject, chain)
    assert failures(report) == {CheckName.ANCHOR}
    assert f"centre #{PEER}" in report.check(CheckName.ANCHOR).reason


def test_a_root_never_anchored_fails_the_anchor_check_and_the_key_at_issue() -> None:
    subject = bundle()
    chain = issued_chain(subject)
    chain.anchors.clear()
    report = verify(subject, chain)
    assert failures(report) == {CheckName.ANCHOR, CheckName.CENTRE}
    assert "is not anchored" in report.check(CheckName.ANCHOR).reason


def test_a_proof_the_registry_rejects_fails_the_anchor_check() -> None:
    subject = bundle()

    class Refusing(FakeChain):
        def verify_leaf(self, root: bytes, proof: Sequence[bytes], leaf: bytes) -> bool:
            return False

    chain = Refusing()
    chain.anchors = issued_chain(subject).anchors
    chain.certificates = issued_chain(subject).certificates
    report = verify(subject, chain)
    assert failures(report) == {CheckName.ANCHOR}
    assert "rejects" in report.check(CheckName.ANCHOR).reason


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"block_number": ANCHOR_BLOCK + 1}, "as the bundle says"),
        ({"leaf_index": 3}, "outside a batch of 3"),
        ({"anchor_registry": "0x" + "99" * 20}, "AnchorRegistry"),
    ],
)
def test_anchor_facts_that_disagree_with_the_chain_fail_the_anchor_check(
    change: dict[str, Any], message: str
) -> None:
    subject = bundle()
    anchor = subject.model_dump(mode="json")["anchor"] | change
    report = verify(edited(subject, {"anchor": anchor}), issued_chain(subject))
    assert CheckName.ANCHOR in failures(report)
    assert message in report.check(CheckName.ANCHOR).reason


# -- step 6: status --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [CertificateStatus.REVOKED, CertificateStatus.CANCELLED, CertificateStatus.SUPERSEDED]
)
def test_a_certificate_no_longer_active_fails_the_status_check(status: CertificateStatus) -> None:
    subject = bundle()
    chain = issued_chain(subject)
    chain.set_status(cid(subject), status)
    report = verify(subject, chain)
    assert not report.ok
    assert failures(report) == {CheckName.STATUS}
    assert report.check(CheckName.STATUS).reason.startswith(status.name.lower())


def test_an_unregistered_certificate_fails_the_status_check() -> None:
    subject = bundle()
    chain = issued_chain(subject)
    chain.certificates.clear()
    assert "not registered" in verify(subject, chain).check(CheckName.STATUS).reason


def test_a_certificate_registered_by_another_centre_or_asset_fails_the_status_check() -> None:
    subject = bundle()
    chain = issued_chain(subject)
    chain.register(cid(subject), parse_digest(subject.document["asset_key"]), issuer=PEER)
    assert "by centre #2" in verify(subject, chain).check(CheckName.STATUS).reason
    chain.register(cid(subject), keccak256(b"another asset"))
    assert "asset key" in verify(subject, chain).check(CheckName.STATUS).reason


def test_another_certificate_registry_fails_the_status_check() -> None:
    subject = bundle()
    chain = issued_chain(subject)
    chain.contracts = dataclasses.replace(chain.contracts, certificate_registry="0x" + "99" * 20)
    assert failures(verify(subject, chain)) == {CheckName.STATUS}


# -- step 7: validity ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "valid"),
    [
        (ISSUED_ON - timedelta(days=1), False),
        (ISSUED_ON, True),
        (VALID_UNTIL, True),
        (VALID_UNTIL + timedelta(days=1), False),
    ],
)
def test_the_validity_period_includes_both_ends(today: date, valid: bool) -> None:
    report = verify(bundle(), today=today)
    assert report.check(CheckName.VALIDITY).passed is valid
    assert failures(report) == (set() if valid else {CheckName.VALIDITY})


def test_an_expired_certificate_says_when_it_expired() -> None:
    reason = verify(bundle(), today=date(2030, 1, 1)).check(CheckName.VALIDITY).reason
    assert reason.startswith("expired after 2029-03-01")


# -- step 8: pledges -------------------------------------------------------------------------


def test_active_pledges_are_listed_in_priority_order() -> None:
    subject = bundle()
    chain = issued_chain(subject)
    first = chain.register_pledge(cid(subject), "bank of qingdao")
    released = chain.register_pledge(cid(subject), "released")
    chain.pledges[released] = dataclasses.replace(chain.pledges[released], active=False)
    third = chain.register_pledge(cid(subject), "agricultural bank")
    report = verify(subject, chain)
    assert report.ok
    assert [p.pledge_id for p in report.pledges] == [digest_hex(first), digest_hex(third)]
    assert [p.priority for p in report.pledges] == [1, 3]
    assert report.pledges[0].record_digest == digest_hex(keccak256(b"record bank of qingdao"))
    reason = report.check(CheckName.PLEDGES).reason
    assert reason.startswith("2 active pledge(s) in priority order")
    assert reason.index(digest_hex(first)) < reason.index(digest_hex(third))


def test_no_pledge_is_reported_as_such() -> None:
    report = verify(bundle())
    assert report.pledges == ()
    assert report.check(CheckName.PLEDGES).reason == "no active pledge"


# -- step 9: recognition ---------------------------------------------------------------------


def test_a_peer_that_does_not_recognise_the_issuer_fails_the_recognition_check() -> None:
    report = verify(bundle(), as_centre_id=PEER)
    assert failures(report) == {CheckName.RECOGNITION}
    assert not report.ok


def test_a_peer_that_recognises_the_issuer_passes() -> None:
    subject = bundle()
    chain = issued_chain(subject)
    chain.recognitions.add((PEER, ISSUER))
    report = verify(subject, chain, as_centre_id=PEER)
    assert report.ok
    assert report.check(CheckName.RECOGNITION).passed


def test_the_issuer_verifying_itself_and_unknown_peers() -> None:
    assert verify(bundle(), as_centre_id=ISSUER).check(CheckName.RECOGNITION).passed
    unknown = verify(bundle(), as_centre_id=9).check(CheckName.RECOGNITION)
    assert unknown.outcome is Outcome.FAILED
    assert "does not exist" in unknown.reason
