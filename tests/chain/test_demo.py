"""`dataprop demo`, the README's first command: the whole flow, and a failing step's exit."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.cli import demo
from node.cli.app import main
from tests.chain.test_cli import dataprop


def test_the_demo_runs_every_step_and_shows_verification_failing_on_status(
    tmp_path: Path,
) -> None:
    result = dataprop("demo", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "[12/12]" in result.stdout
    assert "370200-2026-000001-1, 370200-2026-000002-X" in result.stdout
    assert "Weifang refused" in result.stdout
    status_row = next(line for line in result.stdout.splitlines() if " status " in line)
    assert status_row.split("│")[3:5] == [" passed            ", " failed           "]
    assert (tmp_path / "demo" / "dataprop.db").is_file()


def test_a_failing_step_stops_the_demo_with_a_non_zero_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def accepted(self: demo.Demo) -> str:
        raise demo.DemoStepError("a second registration of the same asset was accepted")

    monkeypatch.setattr(demo.Demo, "refuse_duplicate", accepted)
    monkeypatch.setenv("DATAPROP_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.argv", ["dataprop", "demo"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 1
    output = capsys.readouterr()
    assert "[9/12]" in output.out and "[10/12]" not in output.out
    assert "demo_step_failed" in output.err
