"""Cross-city mutual recognition (互认) on three real nodes and one anvil, step by step.

The tests run in file order and build on one another, as one story: A issues
and B and C verify from the bundle alone; B files a recognition; C is refused
the same asset; an asset moves from A to C through A; a fourth centre is
admitted by votes and issues; forged and replayed peer requests are refused;
A's key is rotated; A is suspended; and A's node goes down without
stopping verification.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account.signers.local import LocalAccount
from pydantic import SecretStr
from typer.testing import CliRunner

from node.chain.compiler import Build
from node.chain.connection import connect_rpc, dev_accounts
from node.chain.contracts import DatapropContracts, bind_contracts
from node.chain.deployment import load_deployment
from node.chain.local_chain import stop_process_group
from node.chain.revert_errors import CertificateRegistryNotActiveCentreError
from node.cli.app import app
from node.config import Settings, load_settings
from node.documents.builders import certificate_document
from node.documents.bundle import bundle_json, certificate_bundle
from node.documents.canonical import canonical_json, keccak256, parse_digest
from node.documents.ids import certificate_id_of
from node.documents.kinds import DocumentKind
from node.documents.schemas import CentreRef, as_json
from node.documents.signing import SignedFields, SigningDomain, sign_document
from node.domain.calendar import SystemClock, local_date
from node.domain.certificate import Certificate
from node.domain.identifiers import RegionCode, RegistrationNumber
from node.domain.parsing import parse_application
from node.federation.local_network import LocalNetwork, LocalNode
from node.federation.peer_requests import PeerDomain, sign_request
from node.runtime import node_parts, open_store, worker_of
from node.services.bundles import BundleService
from node.services.consortium import ConsortiumService
from node.services.errors import CentreNotActiveError
from node.services.issuance import IssuanceService
from node.services.recognition import FilingNotice
from node.store.records import EventEntry
from tests.federation.support import (
    WAIT_SECONDS,
    bundle_of,
    client,
    dataprop,
    issue,
    issued,
    outcomes,
    past_notice,
    reason,
    sample,
    settings_of,
    settled,
    verify,
)

pytestmark = pytest.mark.anvil
QINGDAO = "centre #1 青岛市数据资产登记评价中心 (370200)"


@dataclass
class Story:
    """What the steps hand on to the next ones."""

    network: LocalNetwork
    build: Build
    folder: Path
    accounts: list[LocalAccount]
    bundles: dict[str, bytes] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)
    fourth: Settings | None = None

    @property
    def a(self) -> LocalNode:
        return self.network.nodes[0]

    @property
    def b(self) -> LocalNode:
        return self.network.nodes[1]

    @property
    def c(self) -> LocalNode:
        return self.network.nodes[2]

    def contracts(self, account: LocalAccount) -> DatapropContracts:
        connection = connect_rpc(self.network.anvil.url)
        record = load_deployment(Path(self.a.data_dir), connection)
        return bind_contracts(connection, record, self.build, account, poll_interval=0.01)


@pytest.fixture(scope="module")
def story(network: LocalNetwork, build: Build, tmp_path_factory: pytest.TempPathFactory) -> Story:
    accounts = dev_accounts(connect_rpc(network.anvil.url))
    return Story(network, build, tmp_path_factory.mktemp("story"), accounts)


def _consortium(node: LocalNode, until: Any) -> dict[str, Any]:
    """The consortium as the node's index shows it, once ``until(consortium)`` holds."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        consortium: dict[str, Any] = httpx.get(f"{node.url}/peer/consortium").json()
        if until(consortium):
            return consortium
        assert time.monotonic() < deadline, consortium
        time.sleep(0.2)


def _centre(consortium: dict[str, Any], centre_id: int) -> dict[str, Any]:
    return next(item for item in consortium["centres"] if item["id"] == centre_id)


def _log(node: LocalNode) -> list[EventEntry]:
    store = open_store(settings_of(node), SystemClock())
    try:
        with store.unit_of_work() as uow:
            return uow.events.entries(limit=1000)
    finally:
        store.engine.dispose()


def _error(answer: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = answer.json()["error"]
    return error


def _admin(node: LocalNode, method: str, path: str, body: object = None) -> dict[str, Any]:
    with client(node, "admin") as admin:
        answer = admin.request(method, path, json=body)
    assert answer.status_code == 202, answer.text
    return settled(node, answer.json())


# -- 1. issue in A, verify in B and C ------------------------------------------------------------


def test_a_certificate_of_a_verifies_at_b_and_c_from_the_bundle_alone(story: Story) -> None:
    number, bundle = issued(story.a, sample(0))
    story.numbers["first"], story.bundles["first"] = number, bundle
    story.numbers["second"], story.bundles["second"] = issued(story.a, sample(5))
    for node in (story.b, story.c):
        report = verify(node, bundle)
        assert report["verdict"] == "valid", report
        assert report["registration_number"] == number
        assert report["centre"]["region_code"] == "370200"
    as_c = verify(story.c, bundle, as_centre=3)
    assert outcomes(as_c)["recognition"] == "failed"
    assert "centre #3 does not recognise centre #1" in reason(as_c, "recognition")


# -- 2. recognition filing at B ------------------------------------------------------------------


def test_b_files_the_certificate_once_it_declared_it_recognises_a(story: Story) -> None:
    number, bundle = story.numbers["first"], story.bundles["first"]
    with client(story.b, "issuer") as issuer:
        refused = issuer.post("/operator/recognitions", content=bundle)
    assert refused.status_code == 409
    assert _error(refused)["code"] == "recognition_refused"
    assert "does not recognise centre #1" in _error(refused)["message"]

    with client(story.b, "issuer") as issuer:
        forbidden = issuer.put("/admin/consortium/recognitions/1", json={"recognised": True})
    assert (forbidden.status_code, _error(forbidden)["code"]) == (403, "role_forbidden")
    declared = _admin(story.b, "PUT", "/admin/consortium/recognitions/1", {"recognised": True})
    assert (declared["kind"], declared["status"]) == ("declare_recognition", "confirmed")
    _consortium(story.b, lambda c: _centre(c, 2)["recognises"] == [1])
    with client(story.b, "issuer") as issuer:
        filed = issuer.post("/operator/recognitions", content=bundle)
    assert filed.status_code == 201, filed.text
    filing = filed.json()
    assert (filing["registration_number"], filing["issuer_centre_id"]) == (number, 1)
    assert filing["issuer_notified"] is True, filing["notice_error"]
    assert filing["verification"]["verdict"] == "valid"
    assert filing["document"]["centre"]["region_code"] == "370700"

    received = [e for e in _log(story.a) if e.action == "certificate.recognised_by_peer"]
    assert [(e.actor, e.subject, e.details["digest"]) for e in received] == [
        ("centre#2", number, filing["document_digest"])
    ]
    digest = parse_digest(filing["document_digest"])
    store = open_store(settings_of(story.b), SystemClock())
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:  # anchored by B, like every document of its own
            with store.unit_of_work() as uow:
                stored = uow.documents.get_by_digest(digest)
                job = uow.anchors.job_for_document(stored.id)
            if job.status.value == "confirmed":
                break
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
    finally:
        store.engine.dispose()
    assert stored.kind is DocumentKind.RECOGNITION


# -- 3. duplicate registration refused at C -----------------------------------------------------


def test_c_cannot_register_the_same_asset_again(story: Story) -> None:
    refused = issue(story.c, past_notice(settings_of(story.c), sample(0)))
    assert refused.status_code == 409, refused.text
    error = _error(refused)
    assert error["code"] == "asset_already_registered"
    assert f"certificate {story.numbers['first']} of {QINGDAO}" in error["message"]


# -- 4. an asset moves from A to C only through A ------------------------------------------------


def test_an_asset_moves_to_c_only_when_a_approves(story: Story) -> None:
    number, bundle = issued(story.a, sample(1))
    at_b = past_notice(settings_of(story.b), sample(1))
    at_c = past_notice(settings_of(story.c), sample(1))
    assert issue(story.c, at_c).status_code == 409  # held by A, not approved

    with client(story.a, "issuer") as issuer:
        approval = issuer.post(
            f"/operator/certificates/{number}/transfer-out", json={"to_centre_id": 3}
        )
    assert approval.status_code == 202, approval.text
    assert settled(story.a, approval.json())["status"] == "confirmed"
    assert issue(story.b, at_b).status_code == 409  # approved for C, not for B
    moved = issue(story.c, at_c)
    assert moved.status_code == 201, moved.text
    moved_number = moved.json()["certificate"]["registration_number"]
    assert verify(story.b, bundle_of(story.c, moved_number))["verdict"] == "valid"
    before = verify(story.b, bundle)
    assert outcomes(before)["status"] == "failed"
    assert reason(before, "status").startswith("superseded by")


# -- 5. a fourth centre admitted by votes --------------------------------------------------------


def test_a_fourth_centre_is_admitted_at_the_threshold_and_can_issue(story: Story) -> None:
    newcomer = story.accounts[4]
    proposed = dataprop(
        story.a, "centre", "propose-admit", "--signer", newcomer.address,
        "--region-code", "652800", "--name", "巴音郭楞蒙古自治州数据资产登记中心",
        "--endpoint", "http://127.0.0.1:9", "--json",
    )  # fmt: skip
    assert proposed.returncode == 0, proposed.stderr
    proposal_id = json.loads(proposed.stdout)["events"][0]["proposal_id"]
    votes = f"/admin/consortium/proposals/{proposal_id}/votes"
    assert _admin(story.b, "POST", votes)["status"] == "confirmed"
    pending = _consortium(story.c, lambda c: c["proposals"][-1]["approvals"] == 2)
    assert [centre["id"] for centre in pending["centres"]] == [1, 2, 3]
    assert (pending["threshold"], pending["proposals"][-1]["state"]) == (3, "open")

    assert _admin(story.c, "POST", votes)["status"] == "confirmed"
    admitted = _consortium(story.a, lambda c: len(c["centres"]) == 4)
    assert _centre(admitted, 4)["status"] == "active"
    assert admitted["proposals"][-1]["state"] == "executed"
    listed = CliRunner().invoke(
        app, ["centre", "list"], env={"DATAPROP_CONFIG_FILE": story.c.config, "COLUMNS": "250"}
    )
    assert listed.exit_code == 0, listed.output
    assert "巴音郭楞蒙古自治州数据资产登记中心" in listed.output and "executed" in listed.output

    folder = story.folder / "bayingolin"
    (folder / "deployments").mkdir(parents=True)
    record = Path(story.a.data_dir) / "deployments" / "31337.json"
    (folder / "deployments" / "31337.json").write_bytes(record.read_bytes())
    story.fourth = load_settings(
        data_dir=folder,
        build_dir=story.build.path.parent,
        chain={"backend": "rpc", "rpc_url": story.network.anvil.url, "confirmations": 0},
        centre={
            "key": "0x" + bytes(newcomer.key).hex(),
            "region_code": "652800",
            "name": "巴音郭楞蒙古自治州数据资产登记中心",
            "endpoint": "http://127.0.0.1:9",
        },
    )
    application_id = past_notice(story.fourth, sample(2))
    parts = node_parts(story.fourth)
    worker = worker_of(parts)
    try:
        certificate = IssuanceService(parts.context).issue("issuer-d", application_id)
        assert worker.start()
        assert worker.drain(WAIT_SECONDS).failed == 0
        number = str(certificate.certificate.registration_number)
        bundle = bundle_json(BundleService(parts.context).bundle(number))
    finally:
        worker.stop()
        parts.store.engine.dispose()
    assert number.startswith("652800-")
    assert verify(story.b, bundle)["verdict"] == "valid"


# -- 6. forged and replayed peer requests ---------------------------------------------------------


def _signed_headers(
    story: Story, key: LocalAccount, *, audience: int, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    contracts = story.contracts(key)
    domain = PeerDomain(contracts.connection.chain_id, contracts.centres.address)
    headers = sign_request(
        bytes(key.key),
        domain,
        method="POST",
        path="/peer/filings",
        body=body,
        audience=audience,
        timestamp=int(time.time()) if timestamp is None else timestamp,
    )
    return headers | {"Content-Type": "application/json"}


def _peer_post(
    story: Story,
    http: httpx.Client,
    key: LocalAccount,
    *,
    audience: int,
    body: bytes,
    timestamp: int | None = None,
    url: str | None = None,
) -> httpx.Response:
    headers = _signed_headers(story, key, audience=audience, body=body, timestamp=timestamp)
    return http.post((url or story.b.url) + "/peer/filings", content=body, headers=headers)


def test_replayed_and_forged_peer_requests_are_refused(story: Story) -> None:
    number = story.numbers["first"]
    store = open_store(settings_of(story.b), SystemClock())
    try:
        with store.unit_of_work() as uow:
            [document] = [
                doc
                for doc in uow.documents.list_by_subject(number)
                if doc.kind is DocumentKind.RECOGNITION
            ]
    finally:
        store.engine.dispose()
    assert document.signature is not None
    body = FilingNotice(number, document.canonical, document.signature).to_json()
    weifang, outsider = story.accounts[2], story.accounts[9]
    to_a = {"url": story.a.url, "body": body}
    with httpx.Client(timeout=10.0) as http:
        accepted = _peer_post(story, http, weifang, audience=1, **to_a)  # type: ignore[arg-type]
        assert accepted.status_code == 201, accepted.text
        assert accepted.json()["centre_id"] == 2
        replay = http.post(
            story.a.url + "/peer/filings", content=body, headers=accepted.request.headers
        )
        assert (replay.status_code, _error(replay)["code"]) == (401, "peer_request_replayed")

        headers = _signed_headers(story, weifang, audience=1, body=body)
        headers["X-Dataprop-Nonce"] = "0x" + "11" * 32
        tampered = http.post(story.a.url + "/peer/filings", content=body, headers=headers)
        assert (tampered.status_code, _error(tampered)["code"]) == (401, "peer_signature_invalid")

        cases = [
            (outsider, 1, None, 403, "peer_centre_not_active"),
            (weifang, 1, int(time.time()) - 3600, 401, "peer_request_expired"),
            (weifang, 3, None, 401, "peer_wrong_audience"),
        ]
        for key, audience, timestamp, status, code in cases:
            answer = _peer_post(story, http, key, audience=audience, timestamp=timestamp, **to_a)  # type: ignore[arg-type]
            assert (answer.status_code, _error(answer)["code"]) == (status, code), answer.text
        unsigned = http.post(story.a.url + "/peer/filings", content=body)
        assert (unsigned.status_code, _error(unsigned)["code"]) == (401, "peer_signature_invalid")
    logged = [e for e in _log(story.a) if e.action == "certificate.recognised_by_peer"]
    assert len(logged) == 2  # the filing of step 2 and the one accepted here


# -- 7. key rotation of A -------------------------------------------------------------------------


def test_after_a_rotation_old_certificates_verify_and_the_old_key_signs_nothing(
    story: Story,
) -> None:
    old, new = story.accounts[1], story.accounts[5]
    rotation = {"kind": "rotate_key", "centre_id": 1, "new_signer": new.address}
    assert _admin(story.a, "POST", "/admin/consortium/proposals", rotation)["status"] == "confirmed"
    proposal_id = _consortium(story.b, lambda c: c["proposals"][-1]["kind"] == "rotate_key")[
        "proposals"
    ][-1]["id"]
    for voter in (story.b, story.c):
        _admin(voter, "POST", f"/admin/consortium/proposals/{proposal_id}/votes")
    rotated = _consortium(story.b, lambda c: _centre(c, 1)["signer"] == new.address)
    assert _centre(rotated, 1)["status"] == "active"

    refused = issue(story.a, past_notice(settings_of(story.a), sample(3)))
    assert refused.status_code == 409
    assert _error(refused)["code"] == "centre_not_active"
    assert f"key {old.address} stopped being centre #1's key" in _error(refused)["message"]
    assert verify(story.b, story.bundles["first"])["verdict"] == "valid"

    forged = _forged_after_rotation(story, old, new)
    report = verify(story.b, forged)
    assert report["verdict"] == "invalid"
    assert f"{old.address} was not the key of {QINGDAO} at the anchoring block" in reason(
        report, "centre"
    )
    with client(story.b) as anyone:
        answer = _peer_post(story, anyone, old, audience=2, body=b"{}")
    assert answer.status_code == 403 and _error(answer)["code"] == "peer_centre_not_active"


def _forged_after_rotation(story: Story, old: LocalAccount, new: LocalAccount) -> bytes:
    """A certificate signed with A's retired key, anchored and registered by A's new key."""
    content, _ = parse_application(sample(4))
    today = local_date(datetime.now(UTC))
    number = RegistrationNumber.create(RegionCode("370200"), today.year, 900)
    document = certificate_document(
        Certificate.issue(number, content, issued_on=today),
        centre=CentreRef(
            region_code="370200", name="青岛市数据资产登记评价中心", signer=old.address
        ),
        created_at=datetime.now(UTC),
        application_id=None,
        compliance_report_digest=None,
        notice_digest=None,
    )
    digest = keccak256(canonical_json(as_json(document)))  # type: ignore[arg-type]
    contracts = story.contracts(new)
    domain = SigningDomain(contracts.connection.chain_id, contracts.anchors.address)
    fields = SignedFields(document.kind.value, document.subject, digest, document.schema_version)
    receipt = contracts.anchors.anchor(digest, b"certificate".ljust(32, b"\0"), bytes(32))
    contracts.certificates.register_certificates(
        [certificate_id_of(str(number))], [parse_digest(document.asset_key)]
    )
    forged = certificate_bundle(
        document,
        signature=sign_document(bytes(old.key), domain, fields),
        domain=domain,
        root=digest,
        proof=(),
        leaf_index=None,
        transaction_hash=bytes(receipt["transactionHash"]),
        block_number=int(receipt["blockNumber"]),
        certificate_registry=contracts.certificates.address,
        centre_registry=contracts.centres.address,
    )
    return bundle_json(forged)


# -- 8. suspension of A ---------------------------------------------------------------------------


def test_a_suspended_centre_issues_nothing_and_its_certificates_verify_with_a_warning(
    story: Story,
) -> None:
    suspension = {"kind": "suspend", "centre_id": 1}
    assert _admin(story.b, "POST", "/admin/consortium/proposals", suspension)["status"] == (
        "confirmed"
    )
    proposal_id = _consortium(story.c, lambda c: c["proposals"][-1]["kind"] == "suspend")[
        "proposals"
    ][-1]["id"]
    _admin(story.c, "POST", f"/admin/consortium/proposals/{proposal_id}/votes")
    assert story.fourth is not None
    parts = node_parts(story.fourth)
    worker = worker_of(parts)
    try:
        ConsortiumService(parts.context).vote("director-d", proposal_id)
        assert worker.start()
        assert worker.drain(WAIT_SECONDS).failed == 0
    finally:
        worker.stop()
        parts.store.engine.dispose()
    suspended = _consortium(story.b, lambda c: _centre(c, 1)["status"] == "suspended")
    since = _centre(suspended, 1)["status_since_block"]

    # A's node, configured with the key the consortium rotated to, issues nothing
    rekeyed = settings_of(story.a).model_copy(
        update={
            "centre": settings_of(story.a).centre.model_copy(
                update={"key": SecretStr("0x" + bytes(story.accounts[5].key).hex())}
            )
        }
    )
    application_id = past_notice(rekeyed, sample(4))
    parts = node_parts(rekeyed)
    try:
        with pytest.raises(CentreNotActiveError) as refused:
            IssuanceService(parts.context).issue("issuer-1", application_id)
    finally:
        parts.store.engine.dispose()
    assert f"centre #1 is suspended since block {since}" in str(refused.value)
    with pytest.raises(CertificateRegistryNotActiveCentreError):
        story.contracts(story.accounts[5]).certificates.register_certificates(
            [keccak256(b"after suspension")], [keccak256(b"some asset")]
        )
    for name in ("first", "second"):
        report = verify(story.b, story.bundles[name])
        assert report["verdict"] == "valid", report
        assert outcomes(report)["centre"] == "warning"
        assert f"is suspended since block {since} (" in reason(report, "centre")


# -- 9. a peer node that is down ------------------------------------------------------------------


def test_a_node_that_is_down_does_not_stop_verification_or_filing(story: Story) -> None:
    stop_process_group(story.a.pid, timeout=30.0)
    report = verify(story.b, story.bundles["first"])
    assert report["verdict"] == "valid"
    refused = issue(story.c, past_notice(settings_of(story.c), sample(5)))
    assert (refused.status_code, _error(refused)["code"]) == (409, "asset_already_registered")
    assert "(its node did not name it)" in _error(refused)["message"]
    with client(story.b, "issuer") as issuer:
        filed = issuer.post("/operator/recognitions", content=story.bundles["second"])
    assert filed.status_code == 201, filed.text
    assert filed.json()["issuer_notified"] is False
    assert "did not answer" in filed.json()["notice_error"]
