"""The whole workflow over real HTTP against anvil: keys per role, a case to a certificate,
anchored by the worker, verified from the chain (bundle and PDF), revoked, and verified as
revoked."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.main import node_app
from node.chain.local_chain import AnvilInstance
from node.config import load_settings
from node.documents.bundle_pdf import attached_bundle
from node.domain.calendar import FixedClock, SystemClock
from node.domain.roles import Role
from node.reports.fonts import CjkFonts
from node.runtime import anchoring_worker
from node.services.node_services import NodeServices
from tests.api.serving import serving
from tests.chain.test_node_run import _cli, _environment
from tests.unit.services.conftest import SAMPLES

SAMPLE = SAMPLES[1]


def settled(verify: Callable[[], dict[str, Any]], verdict: str) -> dict[str, Any]:
    """The verification once the node's chain index (at most a second behind) shows the
    newest blocks: the first answer with ``verdict``, or the last after five seconds."""
    deadline = time.monotonic() + 5
    while True:
        answer = verify()
        if answer["verdict"] == verdict or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def test_a_case_to_a_verified_and_then_revoked_certificate(
    anvil: AnvilInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cjk_fonts: CjkFonts
) -> None:
    environment = _environment(anvil, tmp_path, port=1)
    subprocess.run(_cli("deploy"), env=environment, check=True, capture_output=True, timeout=120)
    for key, value in environment.items():
        if key.startswith("DATAPROP_"):
            monkeypatch.setenv(key, value)
    settings = load_settings()
    clock = FixedClock(SystemClock().now())
    app = node_app(settings, clock=clock)
    services: NodeServices = app.state.services
    assert app.state.printer.endpoint == settings.centre.endpoint
    # the session's fonts: cutting the common characters anew would take seconds
    app.state.printer = replace(app.state.printer, fonts=cjk_fonts)
    tokens = {
        role: services.api_keys.create(
            "test",
            role=role.value,
            label=role.value,
            principal=f"{role}-1",
            party=SAMPLE["holder"]["credit_code"] if role is Role.APPLICANT else None,
        ).token
        for role in (Role.APPLICANT, Role.REVIEWER, Role.AUDITOR, Role.ISSUER)
    }
    worker, store = anchoring_worker(settings, clock)
    assert worker.start()
    try:
        with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:

            def call(role: Role, method: str, path: str, **kwargs: Any) -> Any:
                response = client.request(
                    method, path, headers={"X-API-Key": tokens[role]}, **kwargs
                )
                assert response.status_code < 300, response.text
                return response.json()

            case_id = call(Role.APPLICANT, "POST", "/applications", json=SAMPLE)["id"]
            base = f"/operator/applications/{case_id}"
            call(Role.REVIEWER, "POST", f"{base}/review")
            report = {"report": SAMPLE["compliance_report"]}
            call(Role.REVIEWER, "POST", f"{base}/compliance-report", json=report)
            call(Role.AUDITOR, "POST", f"{base}/approve")
            call(Role.ISSUER, "POST", f"{base}/notice")
            clock.advance(timedelta(days=30))
            issued = call(Role.ISSUER, "POST", f"{base}/certificate")
            number = issued["certificate"]["registration_number"]
            assert client.get(f"/verify/{number}").json()["error"]["code"] == (
                "certificate_not_anchored_yet"
            )

            drained = worker.drain(timeout=60)
            assert (drained.waiting, drained.unsent, drained.failed) == (0, 0, 0)
            verified = settled(lambda: client.get(f"/verify/{number}").json(), "valid")
            assert verified["verdict"] == "valid", verified["checks"]
            bundle = client.get(f"/certificates/{number}/bundle")
            assert client.post("/verify", content=bundle.content).json()["verdict"] == "valid"
            pdf = client.get(f"/certificates/{number}.pdf")
            assert pdf.headers["content-type"] == "application/pdf"
            assert attached_bundle(pdf.content) == bundle.content
            as_pdf = {"content-type": "application/pdf"}
            posted = client.post("/verify", headers=as_pdf, content=pdf.content).json()
            assert posted["verdict"] == "valid"

            revoke = {"reason": "申请材料虚假"}
            call(Role.ISSUER, "POST", f"/operator/certificates/{number}/revoke", json=revoke)
            worker.drain(timeout=60)
            revoked = settled(
                lambda: client.post("/verify", content=bundle.content).json(), "invalid"
            )
            assert revoked["verdict"] == "invalid"
            failed = {check["name"] for check in revoked["checks"] if check["outcome"] == "failed"}
            assert failed == {"status"}, revoked
    finally:
        worker.stop()
        store.engine.dispose()
