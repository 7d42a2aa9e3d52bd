"""kill -9 the worker again and again while documents arrive: every document ends anchored once.

The worker is the real ``dataprop worker run`` process; anvil mines a block a
second; documents go in through the store port while the worker runs, as
issuance puts them there. After the last kill a worker runs until everything is
confirmed and stops on SIGTERM. Then the chain is checked against the database.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hexbytes import HexBytes

from node.chain.compiler import Build
from node.chain.local_chain import AnvilInstance
from node.domain.calendar import SystemClock
from tests.chain.anchoring_support import (
    Deployment,
    Outbox,
    assert_anchored_exactly_once,
    reverted_transactions,
)
from tests.reliability.conftest import ChainFactory

pytestmark = [pytest.mark.slow, pytest.mark.anvil]

DOCUMENTS = 1000
KILLS = 50
SEED = 20260302


def worker_environment(
    anvil: AnvilInstance, deployment: Deployment, database_url: str, build: Build
) -> dict[str, str]:
    """The settings of the worker processes: small batches, short age, fast polling."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("DATAPROP_")
    }
    environment.update(
        DATAPROP_DATA_DIR=str(deployment.data_dir),
        DATAPROP_BUILD_DIR=str(build.path.parent),
        DATAPROP_DATABASE_URL=database_url,
        DATAPROP_CHAIN__BACKEND="rpc",
        DATAPROP_CHAIN__RPC_URL=anvil.url,
        DATAPROP_CHAIN__CONFIRMATIONS="1",
        DATAPROP_CHAIN__REQUEST_TIMEOUT="5",
        DATAPROP_CENTRE__KEY=HexBytes(deployment.centre.key).to_0x_hex(),
        DATAPROP_ANCHORING__BATCH_SIZE="8",
        DATAPROP_ANCHORING__MAX_BATCH_AGE="0.3",
        DATAPROP_ANCHORING__CYCLE_INTERVAL="0.1",
        DATAPROP_ANCHORING__RECEIPT_TIMEOUT="5",
        DATAPROP_ANCHORING__REORG_WINDOW="16",
    )
    return environment


def start_worker(environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`dataprop worker run`, logging to ``log``; returns once it holds the sender lock."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", "from node.cli.app import main; main()", "worker", "run"],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + 30
    while b"sending for" not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            pytest.fail(f"the worker did not start:\n{log.read_text()}")
        time.sleep(0.02)
    return process


def everything_confirmed(outbox: Outbox) -> bool:
    jobs = outbox.jobs()
    return len(jobs) == DOCUMENTS and all(job.status == "confirmed" for job in jobs)


def test_kill_9_at_random_points_leaves_every_document_anchored_exactly_once(
    fresh_chain: ChainFactory, database_url: str, build: Build, tmp_path: Path
) -> None:
    began = time.monotonic()
    anvil, deployment = fresh_chain(block_time=1)
    environment = worker_environment(anvil, deployment, database_url, build)
    outbox = Outbox(database_url, SystemClock())
    rng = random.Random(SEED)
    per_run = DOCUMENTS // KILLS
    process: subprocess.Popen[bytes] | None = None
    kills_in_flight = 0
    try:
        for run in range(KILLS):
            process = start_worker(environment, tmp_path / f"worker-{run}.log")
            first = rng.randint(0, per_run)
            time.sleep(rng.uniform(0.0, 0.4))
            outbox.add_documents(first, f"run-{run}-a")
            time.sleep(rng.uniform(0.0, 0.8))
            outbox.add_documents(per_run - first, f"run-{run}-b")
            time.sleep(rng.uniform(0.0, 0.6))
            process.kill()
            process.wait(timeout=10)
            in_flight = {"sent", "prepared"} & {batch.status for batch in outbox.batches()}
            kills_in_flight += bool(in_flight)
        killed_at = time.monotonic()
        process = start_worker(environment, tmp_path / "worker-final.log")
        deadline = time.monotonic() + 120
        while not everything_confirmed(outbox):
            assert process.poll() is None, (tmp_path / "worker-final.log").read_text()
            assert time.monotonic() < deadline, "not everything was confirmed in time"
            time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        batches = assert_anchored_exactly_once(outbox, deployment, DOCUMENTS)
        assert reverted_transactions(deployment, deployment.centre.address) == []
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        outbox.close()
    logs = "".join(path.read_text() for path in tmp_path.glob("worker-*.log"))
    print(
        f"\n{KILLS} kills ({kills_in_flight} with batches in flight), "
        f"{DOCUMENTS} documents in {batches} batches; "
        f"{logs.count('sending it again')} saved transactions broadcast again, "
        f"{logs.count('signing it again')} signed again, "
        f"{logs.count('standing by')} waits for a dead holder's lock; "
        f"kill phase {killed_at - began:.0f} s, drain {time.monotonic() - killed_at:.0f} s"
    )
