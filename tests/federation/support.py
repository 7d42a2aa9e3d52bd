"""Driving the centres of a local network: their APIs, their CLI, and a case past its notice.

The nodes are real processes (``dataprop node run``) on one anvil. Only what a
test cannot wait for in real time is done in process, on a node's own
database: taking an application through review and a public notice that ended
weeks ago (:func:`~node.federation.local_network.past_notice`), so that the
node can issue it now through its API.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from node.config import REPO_ROOT, Settings, load_settings
from node.federation.local_network import LocalNode, past_notice

SAMPLES: list[dict[str, Any]] = json.loads(
    (REPO_ROOT / "samples" / "applications.json").read_text(encoding="utf-8")
)
WAIT_SECONDS = 30.0


def sample(index: int, asset_name: str | None = None) -> dict[str, Any]:
    """A sample application, with another asset name for another asset of the same holder."""
    application = copy.deepcopy(SAMPLES[index])
    if asset_name is not None:
        application["asset"]["name"] = asset_name
    return application


def settings_of(node: LocalNode) -> Settings:
    return load_settings(Path(node.config))


def client(node: LocalNode, role: str | None = None) -> httpx.Client:
    """An HTTP client of the node, with the API key of one of its staff."""
    headers = {} if role is None else {"X-API-Key": node.keys()[role]}
    return httpx.Client(base_url=node.url, headers=headers, timeout=30.0)


def issue(node: LocalNode, application_id: str) -> httpx.Response:
    """颁证 through the node's operator API."""
    with client(node, "issuer") as issuer:
        return issuer.post(f"/operator/applications/{application_id}/certificate")


def issued(node: LocalNode, application: dict[str, Any]) -> tuple[str, bytes]:
    """A certificate the node issued and anchored: its number and bundle."""
    answer = issue(node, past_notice(settings_of(node), application))
    assert answer.status_code == 201, answer.text
    number = answer.json()["certificate"]["registration_number"]
    return number, bundle_of(node, number)


def bundle_of(node: LocalNode, number: str) -> bytes:
    """The certificate's public bundle, once its batch is anchored."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        answer = httpx.get(f"{node.url}/certificates/{number}/bundle", timeout=10.0)
        if answer.status_code == 200:
            return answer.content
        assert answer.status_code == 409, answer.text  # not anchored yet
        assert time.monotonic() < deadline, f"{number} was not anchored"
        time.sleep(0.2)


def verify(node: LocalNode, bundle: bytes, as_centre: int | None = None) -> dict[str, Any]:
    """The node's verification report of a bundle (``POST /verify``)."""
    query = "" if as_centre is None else f"?as_centre={as_centre}"
    answer = httpx.post(f"{node.url}/verify{query}", content=bundle, timeout=30.0)
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


def outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {check["name"]: check["outcome"] for check in report["checks"]}


def reason(report: dict[str, Any], check: str) -> str:
    return str(next(item["reason"] for item in report["checks"] if item["name"] == check))


def settled(node: LocalNode, action: dict[str, Any]) -> dict[str, Any]:
    """A chain action queued through the admin API, once the node's worker settled it."""
    deadline = time.monotonic() + WAIT_SECONDS
    with client(node, "admin") as admin:
        while action["status"] not in ("confirmed", "failed"):
            assert time.monotonic() < deadline, f"action {action['id']} is {action['status']}"
            time.sleep(0.2)
            action = admin.get(f"/admin/consortium/actions/{action['id']}").json()
    return action


def dataprop(node: LocalNode, *args: str) -> subprocess.CompletedProcess[str]:
    """The `dataprop` command as the centre's operator runs it."""
    return subprocess.run(
        [sys.executable, "-c", "from node.cli.app import main; main()", *args],
        capture_output=True,
        text=True,
        env=node.environment() | {"COLUMNS": "200"},
        timeout=120,
        check=False,
    )
