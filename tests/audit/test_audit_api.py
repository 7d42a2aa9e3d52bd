"""The regulator's audit over real HTTP: start a job, see it run, read its summary and reports."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.main import create_app
from node.audit.jobs import AuditJobs, AuditNotFinishedError, JobStatus
from node.audit.report import AuditReport
from node.chain.connection import ChainUnreachableError
from node.services.node_services import NodeServices
from tests.api.serving import serving
from tests.audit.conftest import Cities
from tests.audit.seeding import audit


def test_a_regulator_runs_an_audit_as_a_job_and_reads_its_reports(
    cities: Cities, tmp_path: Path
) -> None:
    node = cities.qingdao
    services = NodeServices.of(node.context)
    release = threading.Event()
    asked: list[int | None] = []

    def run(from_block: int | None) -> AuditReport:
        asked.append(from_block)
        release.wait(30)
        return audit(node.contracts, [node.source(), cities.weifang.source()])

    audits = AuditJobs(tmp_path / "audits", run, node.clock)
    app = create_app(services=services, audits=audits)
    regulator = services.api_keys.create(
        "admin", role="regulator", label="证监局", principal="csrc-1", party=None
    ).token
    issuer = services.api_keys.create(
        "admin", role="issuer", label="颁证", principal="issuer-1", party=None
    ).token

    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        as_regulator = {"X-API-Key": regulator}
        started = client.post("/regulator/audits", json={"from_block": 0}, headers=as_regulator)
        assert started.status_code == 202, started.text
        job = started.json()
        assert job["status"] == "running" and job["requested_by"] == "csrc-1"
        assert job["report"] is None

        again = client.post("/regulator/audits", json={}, headers=as_regulator)
        assert (again.status_code, again.json()["error"]["code"]) == (409, "audit_running")
        early = client.get(f"/regulator/audits/{job['id']}/report", headers=as_regulator)
        assert (early.status_code, early.json()["error"]["code"]) == (409, "audit_not_finished")
        refused = client.post("/regulator/audits", json={}, headers={"X-API-Key": issuer})
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "role_forbidden")

        release.set()
        finished = _until_ended(client, job["id"], as_regulator)
        assert asked == [0]
        assert finished["status"] == "finished" and finished["error"] is None
        assert finished["summary"] == {
            "verdict": "pass",
            "errors": 0,
            "warnings": 0,
            "block_number": cities.connection.w3.eth.block_number,
            "findings": {},
        }
        report = client.get(finished["report"], headers=as_regulator)
        assert report.status_code == 200 and report.json()["report"] == "dataprop-audit"
        page = client.get(finished["report_html"], headers=as_regulator)
        assert page.status_code == 200 and "PASS 通过" in page.text
        unknown = client.get(f"/regulator/audits/{'0' * 32}", headers=as_regulator)
        assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "audit_not_found")

    restarted = AuditJobs(tmp_path / "audits", run, node.clock)
    assert restarted.get(job["id"]).summary == finished["summary"]  # read back from its record


def _until_ended(client: httpx.Client, job_id: str, headers: dict[str, str]) -> Any:
    deadline = time.monotonic() + 60
    while True:
        job = client.get(f"/regulator/audits/{job_id}", headers=headers).json()
        if job["status"] != "running" or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def test_a_failed_audit_says_why_and_has_no_report(cities: Cities, tmp_path: Path) -> None:
    def unreachable(_from_block: int | None) -> AuditReport:
        raise ChainUnreachableError("cannot reach the chain at http://127.0.0.1:9: refused")

    audits = AuditJobs(tmp_path, unreachable, cities.qingdao.clock)
    job = audits.start("csrc-1", None)
    deadline = time.monotonic() + 30
    while audits.get(job.id).status is JobStatus.RUNNING and time.monotonic() < deadline:
        time.sleep(0.02)

    failed = audits.get(job.id)
    assert failed.status is JobStatus.FAILED
    assert failed.error_code == "chain_unreachable" and "9" in (failed.error_message or "")
    with pytest.raises(AuditNotFinishedError):
        audits.report(job.id, "json")
    assert audits.start("csrc-1", None).id != job.id  # the next one may start
