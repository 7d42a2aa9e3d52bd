"""The `dataprop` console script as a user runs it: real processes, real anvil."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from node.chain.connection import ChainUnreachableError, connect_rpc
from node.chain.local_chain import free_port
from node.config import REPO_ROOT, settings_table

pytestmark = pytest.mark.usefixtures("anvil_available")


def dataprop(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("DATAPROP_")
    }
    environment.update(env, DATAPROP_DATA_DIR=str(data_dir), COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-c", "from node.cli.app import main; main()", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = dataprop("--help", data_dir=tmp_path)
    assert result.returncode == 0
    for command in ("compile", "deploy", "chain", "config", "version", "demo", "worker"):
        assert command in result.stdout


def test_chain_up_and_down_round_trip(tmp_path: Path) -> None:
    port = free_port()
    up = dataprop("chain", "up", "--port", str(port), data_dir=tmp_path)
    try:
        assert up.returncode == 0, up.stderr
        state = json.loads((tmp_path / "anvil.json").read_text())
        assert state["port"] == port
        assert connect_rpc(f"http://127.0.0.1:{port}").chain_id == 31337
        status = dataprop(
            "chain",
            "status",
            data_dir=tmp_path,
            DATAPROP_CHAIN__BACKEND="rpc",
            DATAPROP_CHAIN__RPC_URL=f"http://127.0.0.1:{port}",
        )
        assert status.returncode == 0 and "chain 31337" in status.stdout
        again = dataprop("chain", "up", "--port", str(port), data_dir=tmp_path)
        assert again.returncode == 1 and "already runs" in again.stderr
    finally:
        down = dataprop("chain", "down", data_dir=tmp_path)
    assert down.returncode == 0, down.stderr
    assert not (tmp_path / "anvil.json").exists()
    with pytest.raises(ChainUnreachableError):
        connect_rpc(f"http://127.0.0.1:{port}", timeout=1.0)
    assert process_state(state["pid"]) in {None, "Z"}  # gone, or a zombie awaiting its reaper


def process_state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except OSError:
        return None


def test_unreachable_rpc_is_one_line_naming_the_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = dataprop(
        "chain",
        "status",
        data_dir=tmp_path,
        DATAPROP_CHAIN__BACKEND="rpc",
        DATAPROP_CHAIN__RPC_URL=url,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert url in lines[0] and "chain_unreachable" in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_setting_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    result = dataprop("chain", "status", data_dir=tmp_path, DATAPROP_CHAIN__BACKEND="ganache")
    assert result.returncode == 1
    assert "chain.backend" in result.stderr and "Traceback" not in result.stderr


def test_secrets_are_never_printed(tmp_path: Path) -> None:
    key = "0x" + "ab" * 32
    result = dataprop("config", "show", data_dir=tmp_path, DATAPROP_CENTRE__KEY=key)
    assert result.returncode == 0, result.stderr
    assert "ab" * 32 not in result.stdout
    assert json.loads(result.stdout)["centre"]["key"] == "**********"


def test_toml_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text(
        '[centre]\nregion_code = "370700"\nname = "潍坊"\n[anchoring]\nbatch_size = 64\n'
    )
    result = dataprop(
        "--config", str(config), "config", "show", data_dir=tmp_path, DATAPROP_CENTRE__NAME="東營"
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["centre"]["region_code"] == "370700"
    assert shown["anchoring"]["batch_size"] == 64
    assert shown["centre"]["name"] == "東營"


def test_readme_settings_table_matches_the_code() -> None:
    readme = (REPO_ROOT / "README.md").read_text("utf-8")
    assert settings_table() in readme
