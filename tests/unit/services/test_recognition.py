"""互认备案: filing another centre's certificate here, and receiving a peer's filing of ours."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from node.chain.consortium import ConsortiumSnapshot
from node.chain.types import Centre as ChainCentre
from node.chain.types import CentreStatus
from node.documents.bundle import CertificateBundle
from node.documents.canonical import digest_hex
from node.documents.kinds import DocumentKind
from node.documents.signing import CentreSigner
from node.domain.centre import Centre
from node.domain.consortium import Standing
from node.domain.errors import InvalidFieldError
from node.domain.identifiers import RegionCode
from node.services.context import NodeContext
from node.services.errors import RecognitionRefusedError
from node.services.peer_requests import PeerCaller
from node.services.recognition import FilingNotice, RecognitionService
from node.store.errors import AlreadyExistsError, NotFoundError
from node.store.records import AnchorJobStatus
from node.verification.ports import ConsortiumAddresses
from node.verification.report import CheckName, CheckResult, Outcome, VerificationReport
from tests.unit.services.conftest import DOMAIN, SAMPLES, Node
from tests.unit.services.test_consortium import FixedStanding
from tests.unit.store.support import FakeStore
from tests.unit.verification.bundles import CENTRE_KEY, OUTSIDER_KEY, PEER_KEY, bundle

ISSUER, OWN = 1, 2
ADDRESSES = ConsortiumAddresses("0x" + "c1" * 20, "0x" + "a1" * 20, "0x" + "e1" * 20)
CONSORTIUM = ConsortiumSnapshot(
    31337,
    40,
    0,
    False,
    (
        ChainCentre(
            ISSUER, CENTRE_KEY.address, 370200, CentreStatus.ACTIVE, 1, 1, "青岛", "http://a"
        ),
        ChainCentre(OWN, PEER_KEY.address, 370700, CentreStatus.ACTIVE, 1, 1, "潍坊", "http://b"),
    ),
    (),
    {},
    {},
)


def _report(*, issuer: int = ISSUER, outcome: Outcome = Outcome.PASSED) -> VerificationReport:
    checks = [CheckResult(name, Outcome.PASSED, "fine") for name in CheckName]
    checks[CheckName.RECOGNITION.step - 1] = CheckResult(
        CheckName.RECOGNITION, outcome, f"centre #{OWN} about centre #{issuer}"
    )
    return VerificationReport(
        chain_id=31337,
        block_number=40,
        addresses=ADDRESSES,
        checked_on=datetime(2026, 4, 1, tzinfo=UTC).date(),
        registration_number="370200-2026-000001-1",
        checks=tuple(checks),
        pledges=(),
        issuer_id=issuer,
    )


class Filer:
    """Weifang's node (centre #2) with a scripted verifier and a recorded notifier."""

    def __init__(self, report: VerificationReport, notice_error: str | None = None) -> None:
        self.store = FakeStore()
        self.context = NodeContext(
            unit_of_work=self.store.uow,
            clock=self.store.clock,
            centre=Centre(RegionCode("370700"), "潍坊市数据资产登记中心", "http://b.example"),
            signer=CentreSigner(bytes(PEER_KEY.key), DOMAIN),
            standing=FixedStanding(
                Standing(PEER_KEY.address, OWN, "active", 1, None, 0, paused=False)
            ),
        )
        self.report = report
        self.verified: list[tuple[CertificateBundle, int]] = []
        self.notices: list[tuple[str, int, FilingNotice]] = []
        self.notice_error = notice_error
        self.service = RecognitionService(
            self.context, verify=self._verify, consortium=lambda: CONSORTIUM, notify=self._notify
        )

    def _verify(self, subject: CertificateBundle, centre_id: int) -> VerificationReport:
        self.verified.append((subject, centre_id))
        return self.report

    def _notify(self, endpoint: str, issuer: int, notice: FilingNotice) -> str | None:
        self.notices.append((endpoint, issuer, notice))
        return self.notice_error

    def log(self) -> list[str]:
        with self.store.uow() as uow:
            return [entry.action for entry in uow.events.entries()]


def test_a_verified_certificate_is_filed_anchored_and_its_issuer_told() -> None:
    filer = Filer(_report())
    subject = bundle()
    filing = filer.service.file("issuer-zhang", subject)

    assert filer.verified == [(subject, OWN)]
    recognition = filing.recognition
    assert recognition.registration_number == subject.document["registration_number"]
    assert recognition.certificate_digest == subject.digest
    assert recognition.asset_key == subject.document["asset_key"]
    assert (recognition.issuer.centre_id, recognition.issuer.signer) == (ISSUER, CENTRE_KEY.address)
    assert recognition.centre.signer == PEER_KEY.address
    assert recognition.verified_on.block_number == 40 and recognition.filed_by == "issuer-zhang"
    with filer.store.uow() as uow:
        stored = uow.documents.get_by_digest(filing.document.digest)
        job = uow.anchors.job_for_document(stored.id)
    assert stored.kind is DocumentKind.RECOGNITION and job.status is AnchorJobStatus.PENDING
    [(endpoint, issuer, notice)] = filer.notices
    assert (endpoint, issuer) == ("http://a", ISSUER)
    assert notice.document == stored.canonical and notice.signature == stored.signature
    assert filing.issuer_notified and filing.notice_error is None
    assert filer.log()[-2:] == ["recognition.filed", "recognition.issuer_notified"]


def test_an_issuer_that_cannot_be_told_leaves_the_filing_in_place() -> None:
    filer = Filer(_report(), notice_error="http://a did not answer")
    filing = filer.service.file("issuer-zhang", bundle())
    assert not filing.issuer_notified and filing.notice_error == "http://a did not answer"
    assert filer.log()[-2:] == ["recognition.filed", "recognition.issuer_not_notified"]


@pytest.mark.parametrize(
    ("report", "message"),
    [
        (_report(outcome=Outcome.FAILED), "recognition: centre #2 about centre #1"),
        (_report(issuer=OWN), "this centre's own"),
    ],
)
def test_a_certificate_that_does_not_verify_here_is_not_filed(
    report: VerificationReport, message: str
) -> None:
    filer = Filer(report)
    with pytest.raises(RecognitionRefusedError, match=message):
        filer.service.file("issuer-zhang", bundle())
    assert filer.notices == [] and filer.log() == []


def test_a_certificate_is_filed_once() -> None:
    filer = Filer(_report())
    filer.service.file("issuer-zhang", bundle())
    with pytest.raises(AlreadyExistsError) as again:
        filer.service.file("issuer-li", bundle())
    assert again.value.code == "recognition_exists"


# -- the issuer receives the filing ------------------------------------------------------------


def _issued(node: Node) -> str:
    application_id = node.through_notice(SAMPLES[0])
    node.after_notice()
    return str(node.issuance.issue("issuer", application_id).certificate.registration_number)


def _receiver(node: Node) -> RecognitionService:
    return RecognitionService(
        node.context,
        verify=lambda *_: pytest.fail("the receiver verifies nothing"),
        consortium=lambda: CONSORTIUM,
        notify=lambda *_: pytest.fail("the receiver notifies nobody"),
    )


def _notice() -> FilingNotice:
    filer = Filer(_report())
    filer.service.file("issuer-zhang", bundle())
    [(_, _, notice)] = filer.notices
    return notice


WEIFANG = PeerCaller(OWN, PEER_KEY.address, "潍坊市数据资产登记中心", "370700")


def test_a_peer_filing_of_our_certificate_is_checked_and_logged(node: Node) -> None:
    number = _issued(node)
    notice = _notice()
    assert notice.registration_number == number
    received = _receiver(node).receive(WEIFANG, notice)
    assert (received.registration_number, received.centre_id) == (number, OWN)
    with node.store.uow() as uow:
        entry = uow.events.entries()[-1]
    assert (entry.actor, entry.action, entry.subject) == (
        "centre#2",
        "certificate.recognised_by_peer",
        number,
    )
    assert entry.details["digest"] == digest_hex(received.digest)
    assert entry.seq == received.log_seq


def test_a_filing_not_signed_by_the_calling_centre_is_refused(node: Node) -> None:
    _issued(node)
    notice = _notice()
    outsider = dataclasses.replace(WEIFANG, key=OUTSIDER_KEY.address)
    with pytest.raises(InvalidFieldError) as refused:
        _receiver(node).receive(outsider, notice)
    assert refused.value.field == "signature"
    document = json.loads(notice.document) | {"filed_by": "someone else"}
    altered = dataclasses.replace(notice, document=json.dumps(document).encode())
    with pytest.raises(InvalidFieldError) as refused:
        _receiver(node).receive(WEIFANG, altered)
    assert refused.value.field == "signature"


def test_a_filing_of_a_certificate_we_did_not_issue_is_refused(node: Node) -> None:
    with pytest.raises(NotFoundError):
        _receiver(node).receive(WEIFANG, _notice())
