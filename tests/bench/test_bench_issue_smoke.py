"""scripts/bench_issue.py at a small scale: it runs, anchors every certificate and prints its
figures (no timing is asserted: the machine decides those)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from node.config import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "bench_issue.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_issue", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_200_certificates_are_issued_anchored_and_reported(
    capfd: pytest.CaptureFixture[str],
) -> None:
    [figures] = _bench().main(["--count", "200", "--only", "sqlite-embedded"])

    assert (figures.combination, figures.worker) == ("sqlite-embedded", "inline")
    assert figures.certificates == figures.anchored == 200
    assert figures.batches == 1 and figures.peak_mib > 0
    printed = capfd.readouterr().out
    assert "Certificates issued and anchored" in printed
    row = next(line for line in printed.splitlines() if "SQLite" in line)
    assert "embedded" in row and "200" in row and f"{figures.per_second:,.0f}" in row


@pytest.mark.slow
@pytest.mark.anvil
def test_with_the_worker_in_its_own_process_every_certificate_is_anchored(
    anvil_available: None, capfd: pytest.CaptureFixture[str]
) -> None:
    [figures] = _bench().main(["--count", "300", "--only", "sqlite-anvil"])

    assert (figures.combination, figures.worker) == ("sqlite-anvil", "process")
    assert figures.certificates == figures.anchored == 300
    assert figures.batches == 2
    assert figures.worker_peak_mib is not None and figures.worker_peak_mib > 0
    row = next(line for line in capfd.readouterr().out.splitlines() if "SQLite" in line)
    assert "process" in row and f"{figures.peak_mib:,.0f} + {figures.worker_peak_mib:,.0f}" in row


def test_an_unknown_combination_is_refused(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _bench().main(["--only", "sqlite-nowhere"])
    assert "unknown sqlite-nowhere" in capfd.readouterr().err
