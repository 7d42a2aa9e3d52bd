"""Start and stop anvil, the local development chain pinned in hardhat-free-local-chain/.

The native binary inside the npm package is started directly (not through the
npm wrapper script) in a process group of its own, so that stopping it stops
everything it started. ``dataprop chain up`` records PID and port in a state
file; ``dataprop chain down`` reads it back.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from node.chain.connection import ANVIL_MNEMONIC, ChainUnreachableError, connect_rpc
from node.errors import ToolchainError

ANVIL_CHAIN_ID = 31337
STATE_FILE = "anvil.json"


class AnvilNotInstalledError(ToolchainError):
    """anvil is missing: run `npm ci` in hardhat-free-local-chain/."""

    code = "anvil_not_installed"


class AnvilStartError(ToolchainError):
    """anvil did not start or did not answer in time."""

    code = "anvil_start_failed"


@dataclass(frozen=True)
class AnvilInstance:
    """A running anvil: enough to reach it and to stop it."""

    pid: int
    port: int
    url: str
    log: str

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the process group, politely first."""
        stop_process_group(self.pid, timeout)


def anvil_binary(local_chain_dir: Path) -> Path:
    """The native anvil executable shipped in the npm package for this platform."""
    candidates = sorted(
        (local_chain_dir / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil")
    )
    if not candidates:
        raise AnvilNotInstalledError(
            f"anvil is not installed under {local_chain_dir}; run `npm ci` there"
        )
    return candidates[0]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_anvil(
    local_chain_dir: Path,
    log_dir: Path,
    *,
    port: int | None = None,
    block_time: float | None = None,
    chain_id: int = ANVIL_CHAIN_ID,
    startup_timeout: float = 15.0,
    options: Sequence[str] = (),
) -> AnvilInstance:
    """Start anvil on 127.0.0.1 with the deterministic dev accounts; wait until it answers.

    ``options`` are more of anvil's command-line options (a benchmark that fills thousands
    of blocks passes ``--prune-history``: anvil otherwise keeps every block's state in memory).
    """
    binary = anvil_binary(local_chain_dir)
    port = port or free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"anvil-{port}.log"
    command = [
        str(binary),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--chain-id",
        str(chain_id),
        "--mnemonic",
        ANVIL_MNEMONIC,
        "--accounts",
        "10",
        "--balance",
        "1000000",
    ]
    if block_time is not None:
        command += ["--block-time", str(block_time)]
    command += options
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    instance = AnvilInstance(process.pid, port, f"http://127.0.0.1:{port}", str(log_path))
    deadline = time.monotonic() + startup_timeout
    while True:
        if process.poll() is not None:
            raise AnvilStartError(f"anvil exited with code {process.returncode}; see {log_path}")
        try:
            connect_rpc(instance.url, timeout=1.0)
            return instance
        except ChainUnreachableError:
            if time.monotonic() > deadline:
                instance.stop()
                raise AnvilStartError(
                    f"anvil did not answer on {instance.url} within {startup_timeout} s"
                ) from None
            time.sleep(0.05)


def stop_process_group(pid: int, timeout: float = 5.0) -> None:
    """SIGTERM the group led by pid, SIGKILL it if it lingers; a gone group is fine."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        return reaped == 0
    except ChildProcessError:
        pass  # not our child (e.g. `chain down` in another process): ask the kernel
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1]
    except (OSError, IndexError):
        return False
    return status.startswith("Z")


def write_state(state_dir: Path, instance: AnvilInstance) -> Path:
    """Record a running anvil for `chain down` and `chain status`."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / STATE_FILE
    path.write_text(json.dumps(asdict(instance), indent=2), "utf-8")
    return path


def read_state(state_dir: Path) -> AnvilInstance | None:
    """The anvil recorded by `chain up`, if any."""
    path = state_dir / STATE_FILE
    if not path.is_file():
        return None
    return AnvilInstance(**json.loads(path.read_text("utf-8")))


def clear_state(state_dir: Path) -> None:
    """Forget the recorded anvil."""
    (state_dir / STATE_FILE).unlink(missing_ok=True)
