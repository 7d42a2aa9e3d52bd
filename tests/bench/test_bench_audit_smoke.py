"""scripts/bench_audit.py at a small scale: it anchors, exports, finds exactly the documents it
tampered with and prints its figures (no timing is asserted: the machine decides those)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from node.config import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "bench_audit.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_audit", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.usefixtures("anvil_available")
def test_300_documents_are_audited_and_reported(capfd: pytest.CaptureFixture[str]) -> None:
    [figures] = _bench().main(
        ["--count", "300", "--batch", "64", "--workers", "1", "--tamper", "2"]
    )

    assert figures.documents == 300 and figures.certificates == 100
    assert figures.batches == 5 and figures.findings == 2
    assert figures.peak_mib > 0 and figures.total_s > 0
    printed = capfd.readouterr().out
    assert "Audit of anchored documents from an export" in printed
    row = next(line for line in printed.splitlines() if "│ 300" in line)
    assert f"{figures.per_second:,.0f}" in row
