"""The pledge flow on anvil through the HTTP API: a real uvicorn, a SQLite node, the worker.

A certificate is issued and anchored; three pledges (two banks) are registered
on chain in priority order; verification shows them to everyone with their
terms and their amounts only to the bank holding each and to the regulator;
the node and, independently, the contract refuse to cancel the pledged
certificate; releasing the first keeps the others' priority; a fourth pledge is
released on chain by the worker process's expiry cycle at the end of its term;
then the certificate can be cancelled.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hexbytes import HexBytes

from api.main import create_app
from node.chain.action_payloads import SetStatus, StatusChange
from node.chain.anchoring import AnchoringWorker
from node.chain.asset_index import ChainAssetIndex
from node.chain.compiler import Build
from node.chain.connection import connect_rpc
from node.chain.facts_sources import IndexedFactsSource
from node.chain.local_chain import AnvilInstance
from node.cli.pledge_commands import start_expiry_cycle
from node.config import CentreSettings, ChainBackend, ChainSettings, PledgeSettings, Settings
from node.documents.canonical import digest_hex, keccak256
from node.documents.ids import certificate_id_of, pledgee_digest_of
from node.documents.signing import CentreSigner, SigningDomain
from node.domain.calendar import FixedClock, local_date
from node.domain.centre import Centre
from node.domain.identifiers import RegionCode
from node.services.context import NodeContext
from node.services.node_services import NodeServices
from node.store.migrate import upgrade_database
from node.store.records import ChainActionStatus
from node.verification.ports import ConsortiumAddresses
from node.verification.public import PublicVerifier
from tests.api.serving import serving
from tests.chain.anchoring_support import GENESIS, Deployment, Outbox, deploy_consortium
from tests.unit.services.conftest import SAMPLES
from tests.unit.services.pledging import BANK_A, BANK_B, request_body
from tests.unit.store.support import START

SAMPLE = SAMPLES[0]
RELEASE = {"release_document_digest": "0x" + "dd" * 32}


@dataclass
class ChainNode:
    """The node's app over HTTP, its worker, and a key per user."""

    http: httpx.Client
    services: NodeServices
    clock: FixedClock
    outbox: Outbox
    deployment: Deployment
    worker: AnchoringWorker
    tokens: dict[str, str]
    settings: Settings

    def environment(self) -> dict[str, str]:
        """The node's settings as the environment of a ``dataprop`` process."""
        environment = {k: v for k, v in os.environ.items() if not k.startswith("DATAPROP_")}
        settings = self.settings
        assert settings.database_url is not None and settings.centre.key is not None
        environment.update(
            DATAPROP_DATA_DIR=str(settings.data_dir),
            DATAPROP_BUILD_DIR=str(settings.build_dir),
            DATAPROP_DATABASE_URL=settings.database_url,
            DATAPROP_CHAIN__BACKEND="rpc",
            DATAPROP_CHAIN__RPC_URL=settings.chain.rpc_url,
            DATAPROP_CENTRE__KEY=settings.centre.key.get_secret_value(),
        )
        return environment

    def call(self, who: str | None, method: str, path: str, **kwargs: Any) -> Any:
        headers = {} if who is None else {"X-API-Key": self.tokens[who]}
        response = self.http.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def refused(self, who: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.http.request(
            method, path, headers={"X-API-Key": self.tokens[who]}, **kwargs
        )
        assert response.status_code == 409, response.text
        error: dict[str, Any] = response.json()["error"]
        return error

    def settle(self) -> None:
        """Anchor and send everything queued, until nothing waits."""
        report = self.worker.drain(30)
        assert (report.waiting, report.unsent) == (0, 0), report

    def verify(self, number: str, who: str | None = None) -> dict[str, Any]:
        report: dict[str, Any] = self.call(who, "GET", f"/verify/{number}")
        return report


@pytest.fixture
def node(anvil: AnvilInstance, build: Build, tmp_path: Path) -> Iterator[ChainNode]:
    connection = connect_rpc(anvil.url)
    deployment = deploy_consortium(connection, build, tmp_path / "deployed")
    url = f"sqlite:///{tmp_path / 'node.sqlite'}"
    upgrade_database(url)
    clock = FixedClock(START)
    outbox = Outbox(url, clock)
    contracts = deployment.contracts()
    region, name, endpoint = GENESIS[0]
    context = NodeContext(
        unit_of_work=outbox.uow,
        clock=clock,
        centre=Centre(RegionCode(str(region)), name, endpoint),
        signer=CentreSigner(
            bytes(deployment.centre.key),
            SigningDomain(connection.chain_id, contracts.anchors.address),
        ),
        asset_index=ChainAssetIndex(contracts, deployment.centre.address),
        consortium=ConsortiumAddresses(
            centre_registry=contracts.centres.address,
            anchor_registry=contracts.anchors.address,
            certificate_registry=contracts.certificates.address,
        ),
    )
    services = NodeServices.of(context)
    verifier = PublicVerifier(
        IndexedFactsSource(contracts, max_age=0.0),
        services.bundles.bundle,
        lambda: local_date(clock.now()),
    )
    keys = {
        "applicant": ("applicant", SAMPLE["holder"]["credit_code"]),
        "reviewer": ("reviewer", None),
        "auditor": ("auditor", None),
        "issuer": ("issuer", None),
        "bank_a": ("pledgee", BANK_A),
        "bank_b": ("pledgee", BANK_B),
        "regulator": ("regulator", None),
    }
    tokens = {
        who: services.api_keys.create(
            "test", role=role, label=who, principal=f"{who}-1", party=party
        ).token
        for who, (role, party) in keys.items()
    }
    settings = Settings(
        data_dir=deployment.data_dir,
        database_url=url,
        build_dir=build.path.parent,
        chain=ChainSettings(backend=ChainBackend.RPC, rpc_url=anvil.url),
        centre=CentreSettings(
            key=HexBytes(deployment.centre.key).to_0x_hex(),
            region_code=str(region),
            name=name,
            endpoint=endpoint,
        ),
        pledges=PledgeSettings(expiry_interval=0.05),
    )
    worker = outbox.worker(deployment, contracts)
    assert worker.start()
    try:
        with (
            serving(create_app(verifier, services=services)) as base,
            httpx.Client(base_url=base, timeout=30) as http,
        ):
            yield ChainNode(http, services, clock, outbox, deployment, worker, tokens, settings)
    finally:
        outbox.close()


def issue(node: ChainNode) -> str:
    case = node.call("applicant", "POST", "/applications", json=SAMPLE)
    base = f"/operator/applications/{case['id']}"
    node.call("reviewer", "POST", f"{base}/review")
    node.call(
        "reviewer",
        "POST",
        f"{base}/compliance-report",
        json={"report": SAMPLE["compliance_report"]},
    )
    node.call("auditor", "POST", f"{base}/approve")
    node.call("issuer", "POST", f"{base}/notice")
    node.clock.advance(timedelta(days=30))
    issued = node.call("issuer", "POST", f"{base}/certificate")
    node.settle()
    return str(issued["certificate"]["registration_number"])


def terms_seen(report: dict[str, Any]) -> list[tuple[int, int, str | None, str | None]]:
    """(priority, rank, pledgee code, amount) of each pledge of a verification report."""
    return [
        (
            pledge["priority"],
            pledge["rank"],
            None if pledge["terms"]["pledgee"] is None else pledge["terms"]["pledgee"]["code"],
            None
            if pledge["terms"]["principal"] is None
            else pledge["terms"]["principal"]["amount"],
        )
        for pledge in report["pledges"]
    ]


def test_pledges_on_anvil_through_the_api(node: ChainNode) -> None:
    number = issue(node)
    assert node.verify(number)["verdict"] == "valid"

    first = node.call("bank_a", "POST", "/pledgee/pledges", json=request_body(number))
    node.call("applicant", "POST", f"/holder/pledges/{first['id']}/consent", json={})
    second = node.call(
        "bank_b",
        "POST",
        "/pledgee/pledges",
        json=request_body(number, principal={"amount": "2500000.50", "currency": "CNY"}),
    )
    third = node.call("bank_a", "POST", "/pledgee/pledges", json=request_body(number))
    for pledge in (second, third):
        node.call("issuer", "POST", f"/operator/pledges/{pledge['id']}/confirm")
    node.settle()
    mine = node.call("bank_a", "GET", "/pledgee/pledges")["items"]
    assert [(p["priority"], p["chain"]["status"]) for p in mine] == [
        (1, "confirmed"),
        (3, "confirmed"),
    ]

    # everyone sees the pledges, their priority and term; amounts only the bank's own
    public = node.verify(number)
    assert public["verdict"] == "valid"
    assert terms_seen(public) == [(1, 1, None, None), (2, 2, None, None), (3, 3, None, None)]
    assert [p["terms"]["term_end"] for p in public["pledges"]] == ["2027-03-31"] * 3
    assert [p["pledgee_digest"] for p in public["pledges"]] == [
        digest_hex(pledgee_digest_of(code)) for code in (BANK_A, BANK_B, BANK_A)
    ]
    assert terms_seen(node.verify(number, "bank_a")) == [
        (1, 1, BANK_A, "5000000.00"),
        (2, 2, None, None),
        (3, 3, BANK_A, "5000000.00"),
    ]
    assert terms_seen(node.verify(number, "bank_b"))[1] == (2, 2, BANK_B, "2500000.50")
    bundle = node.http.get(f"/certificates/{number}/bundle").content
    posted = node.http.post("/verify", content=bundle, headers={"X-API-Key": node.tokens["bank_b"]})
    assert terms_seen(posted.json()) == terms_seen(node.verify(number, "bank_b"))
    wrong = node.http.get(f"/verify/{number}", headers={"X-API-Key": "dpk_nobody_secret"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "api_key_invalid")
    assert [seen[3] for seen in terms_seen(node.verify(number, "regulator"))] == [
        "5000000.00",
        "2500000.50",
        "5000000.00",
    ]

    # the node refuses to cancel; so does the contract, on its own
    error = node.refused("applicant", "POST", f"/holder/certificates/{number}/cancel", json={})
    assert error["code"] == "certificate_pledged"
    with node.outbox.uow() as uow:
        sneaked = SetStatus(certificate_id_of(number), StatusChange.CANCELLED, keccak256(b"x"))
        action = uow.chain_actions.enqueue(sneaked.kind, sneaked.to_payload())
        uow.commit()
    node.settle()
    with node.outbox.uow() as uow:
        refused = uow.chain_actions.get(action.id)
    assert (refused.status, refused.error) == (
        ChainActionStatus.FAILED,
        "certificate_registry_certificate_pledged",
    )

    # releasing the first of three keeps the others' priority; they move up in rank
    node.call("bank_a", "POST", f"/pledgee/pledges/{first['id']}/release", json=RELEASE)
    node.settle()
    assert terms_seen(node.verify(number, "regulator")) == [
        (2, 1, BANK_B, "2500000.50"),
        (3, 2, BANK_A, "5000000.00"),
    ]
    released = node.call("bank_a", "GET", f"/pledgee/pledges/{first['id']}")
    assert (released["status"], released["chain"]["status"]) == ("released", "confirmed")

    node.call("issuer", "POST", f"/operator/pledges/{second['id']}/release", json=RELEASE)
    node.call("bank_a", "POST", f"/pledgee/pledges/{third['id']}/release", json={})
    node.settle()
    assert node.verify(number)["pledges"] == []

    # a pledge ends at its term: the worker process's expiry cycle releases it on chain
    short = node.call(
        "bank_b", "POST", "/pledgee/pledges", json=request_body(number, term_end="2026-06-30")
    )
    node.call("issuer", "POST", f"/operator/pledges/{short['id']}/confirm")
    node.settle()
    assert [p["priority"] for p in node.verify(number)["pledges"]] == [4]
    stop = threading.Event()
    cycle = start_expiry_cycle(node.settings, node.clock, stop)
    try:
        node.clock.advance(timedelta(days=91))
        deadline = time.monotonic() + 20
        while node.call("bank_b", "GET", f"/pledgee/pledges/{short['id']}")["release"] is None:
            assert time.monotonic() < deadline, "the expiry cycle did not expire the pledge"
            time.sleep(0.05)
    finally:
        stop.set()
        cycle.join(10)
    node.settle()
    assert node.verify(number)["pledges"] == []
    done = subprocess.run(
        [sys.executable, "-c", "from node.cli.app import main; main()", "pledges", "expire"],
        env=node.environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("0 pledge(s) expired")
    cancelled = node.call("applicant", "POST", f"/holder/certificates/{number}/cancel", json={})
    assert cancelled["certificate"]["status"] == "cancelled"
    node.settle()
    checks = {check["name"]: check["outcome"] for check in node.verify(number)["checks"]}
    assert checks["status"] == "failed"
