"""`dataprop node run`: the API answers and the worker anchors, in one process, until SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from node.chain.local_chain import AnvilInstance, free_port
from node.config import load_settings
from node.documents.canonical import canonical_json, keccak256
from node.documents.kinds import DocumentKind
from node.domain.calendar import SystemClock
from node.runtime import open_store
from node.store.records import AnchorJobStatus, NewDocument
from tests.unit.domain.builders import number

ANVIL_FIRST_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
"""anvil's second development account: the centre key (the first one deploys)."""


def _environment(anvil: AnvilInstance, data_dir: Path, port: int) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATAPROP_")}
    environment.update(
        DATAPROP_DATA_DIR=str(data_dir),
        DATAPROP_CHAIN__BACKEND="rpc",
        DATAPROP_CHAIN__RPC_URL=anvil.url,
        DATAPROP_CHAIN__CONFIRMATIONS="0",
        DATAPROP_CENTRE__KEY=ANVIL_FIRST_KEY,
        DATAPROP_ANCHORING__MAX_BATCH_AGE="0.5",
        DATAPROP_ANCHORING__CYCLE_INTERVAL="0.2",
        DATAPROP_API__PORT=str(port),
    )
    return environment


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from node.cli.app import main; main()", *args]


@pytest.fixture
def running_node(
    anvil: AnvilInstance, tmp_path: Path
) -> Iterator[tuple[str, Path, dict[str, str]]]:
    port = free_port()
    environment = _environment(anvil, tmp_path, port)
    subprocess.run(_cli("deploy"), env=environment, check=True, capture_output=True, timeout=120)
    process = subprocess.Popen(
        _cli("node", "run"), env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        yield f"http://127.0.0.1:{port}", tmp_path, environment
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        output = process.stdout.read().decode() if process.stdout else ""
        assert code == 0, output


def test_the_node_serves_the_api_and_anchors_what_is_queued(
    running_node: tuple[str, Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _data_dir, environment = running_node
    deadline = time.monotonic() + 60
    while True:
        try:
            health = httpx.get(f"{url}/health", timeout=2)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the API did not come up"
            time.sleep(0.2)
    assert health.json()["status"] == "ok"
    assert httpx.get(f"{url}/verify", timeout=5).status_code == 200
    unknown = httpx.get(f"{url}/certificates/{number(99)}.pdf", timeout=5)
    assert unknown.status_code == 404, "PDFs are served: the number is looked up"
    assert unknown.json()["error"]["code"] == "certificate_not_found"

    for key, value in environment.items():
        if key.startswith("DATAPROP_"):
            monkeypatch.setenv(key, value)
    store = open_store(load_settings(), SystemClock())
    canonical = canonical_json({"kind": "test", "n": 1})
    with store.unit_of_work() as uow:
        stored, _ = uow.documents.add_with_anchor_job(
            NewDocument(
                kind=DocumentKind.NOTICE,
                subject="app-1",
                schema_version="1",
                canonical=canonical,
                digest=keccak256(canonical),
            ),
            SystemClock().now() + timedelta(seconds=1),
        )
        uow.commit()
    while True:
        with store.unit_of_work() as uow:
            job = uow.anchors.job_for_document(stored.id)
        if job.status is AnchorJobStatus.CONFIRMED:
            break
        assert time.monotonic() < deadline, f"not anchored: {job.status}"
        time.sleep(0.2)
    assert job.proof == ()  # the only document of its batch: the leaf is the root
    store.engine.dispose()
