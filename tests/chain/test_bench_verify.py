"""The verification benchmark runs end to end on a small count (figures are not asserted)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from node.chain.compiler import Build
from node.config import REPO_ROOT

pytestmark = pytest.mark.usefixtures("anvil_available")


def test_the_benchmark_verifies_every_certificate_both_ways(build: Build) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "bench_verify.py"),
            "--count",
            "50",
            "--batch",
            "16",
            "--build-dir",
            str(build.path.parent),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert [row.split(" | ")[0] for row in rows[1:]] == [
        "| in-process, parsed bundle",
        "| in-process, bundle bytes",
        "| POST /verify",
    ]
    assert all(" | 50 | " in row for row in rows[1:])
