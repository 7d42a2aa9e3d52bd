"""A local cross-city network: one anvil and N centre nodes on 127.0.0.1, up and down.

``hardhat-free-local-chain/federation up`` starts anvil, deploys the contracts
with N genesis centres (anvil's development accounts 1..N, one city each),
gives every centre a folder of its own (settings file, database, deployment
record, log, API keys of its staff) and starts ``dataprop node run`` for each
on its own port. ``down`` stops them all; ``status`` says what runs;
``issue-sample`` issues a sample certificate at one centre. The tests in
tests/federation use the same functions.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from eth_account.signers.local import LocalAccount

from node.chain.compiler import compile_contracts
from node.chain.connection import connect_rpc, dev_accounts
from node.chain.deployment import GenesisCentre, dataprop_plan, deploy, record_path
from node.chain.local_chain import AnvilInstance, free_port, start_anvil, stop_process_group
from node.chain.transactions import TransactionSender
from node.config import REPO_ROOT, Settings, load_settings
from node.domain.calendar import FixedClock, SystemClock
from node.domain.roles import Role
from node.errors import ToolchainError
from node.runtime import node_parts, open_store
from node.services.api_keys import ApiKeyService
from node.services.applications import ApplicationService

CITIES = (
    ("370200", "青岛市数据资产登记评价中心"),
    ("370700", "潍坊市数据资产登记中心"),
    ("370500", "东营市数据资产登记中心"),
    ("652800", "巴音郭楞蒙古自治州数据资产登记中心"),
    ("370100", "济南市数据资产登记中心"),
    ("370600", "烟台市数据资产登记中心"),
    ("371000", "威海市数据资产登记中心"),
    ("370300", "淄博市数据资产登记中心"),
)
"""Region codes and names of the centres, in genesis order (anvil has 10 accounts: the
deployer, up to eight centres, and one spare for a centre admitted later)."""
STATE_FILE = "network.json"
STAFF = (Role.ADMIN, Role.REVIEWER, Role.AUDITOR, Role.ISSUER)
"""The API keys made for every centre, written to its ``keys.json``."""
PROPOSAL_LIFETIME = 7 * 24 * 3600
START_TIMEOUT = 90.0


class NetworkError(ToolchainError):
    """The local network could not be brought up, or is not running."""

    code = "local_network"


@dataclass(frozen=True)
class LocalNode:
    """One centre's node: its folder, settings file, key, port and process."""

    number: int
    region_code: str
    name: str
    key: str
    address: str
    port: int
    data_dir: str
    config: str
    log: str
    pid: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def keys(self) -> dict[str, str]:
        """The API tokens of its staff, by role."""
        tokens: dict[str, str] = json.loads((Path(self.data_dir) / "keys.json").read_text())
        return tokens

    def environment(self) -> dict[str, str]:
        """The environment a `dataprop` command for this centre runs in."""
        environment = {k: v for k, v in os.environ.items() if not k.startswith("DATAPROP_")}
        environment["DATAPROP_CONFIG_FILE"] = self.config
        return environment


@dataclass(frozen=True)
class LocalNetwork:
    """anvil and the centre nodes started by :func:`start_network`."""

    folder: str
    anvil: AnvilInstance
    nodes: tuple[LocalNode, ...]

    def stop(self) -> None:
        """Stop every node (SIGTERM, so each finishes its cycle), then anvil."""
        for node in self.nodes:
            stop_process_group(node.pid, timeout=30.0)
        self.anvil.stop()
        (Path(self.folder) / STATE_FILE).unlink(missing_ok=True)

    def save(self) -> None:
        state = {"anvil": asdict(self.anvil), "nodes": [asdict(node) for node in self.nodes]}
        (Path(self.folder) / STATE_FILE).write_text(json.dumps(state, indent=2, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path) -> LocalNetwork:
        path = folder / STATE_FILE
        if not path.is_file():
            raise NetworkError(f"no local network recorded in {folder}")
        state = json.loads(path.read_text())
        return cls(
            str(folder),
            AnvilInstance(**state["anvil"]),
            tuple(LocalNode(**node) for node in state["nodes"]),
        )


def start_network(
    folder: Path,
    *,
    nodes: int = 3,
    block_time: float | None = None,
    database_urls: Sequence[str] | None = None,
    build_dir: Path | None = None,
    extra_settings: str = "",
    base_port: int | None = None,
) -> LocalNetwork:
    """anvil, the contracts with ``nodes`` genesis centres, and one running node per centre.

    Without ``block_time`` anvil mines each transaction at once and the nodes
    count it final at once (``chain.confirmations = 0``); with it, after one
    more block. ``database_urls`` gives each node its database (default: a
    SQLite file in its folder); ``extra_settings`` is TOML added to every node's
    settings file. With ``base_port`` anvil listens there and the nodes on the
    ports after it; without, on free ports.
    """
    if not 1 <= nodes <= len(CITIES):
        raise NetworkError(f"between 1 and {len(CITIES)} nodes, not {nodes}")
    if database_urls is not None and len(database_urls) != nodes:
        raise NetworkError(f"{nodes} database URLs are needed, not {len(database_urls)}")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    settings = load_settings()
    anvil = start_anvil(
        settings.local_chain_dir, folder / "logs", port=base_port, block_time=block_time
    )
    started: list[LocalNode] = []
    network = LocalNetwork(str(folder), anvil, ())
    try:
        connection = connect_rpc(anvil.url)
        accounts = dev_accounts(connection)
        ports = [
            free_port() if base_port is None else base_port + 1 + index for index in range(nodes)
        ]
        build = compile_contracts(settings.contracts_dir, build_dir or folder / "build")
        genesis = [
            GenesisCentre(accounts[i + 1].address, int(code), name, f"http://127.0.0.1:{port}")
            for i, ((code, name), port) in enumerate(zip(CITIES, ports, strict=False))
        ]
        sender = TransactionSender(connection.w3, accounts[0], poll_interval=0.01)
        plan = dataprop_plan(genesis, PROPOSAL_LIFETIME)
        deploy(connection, sender, build, plan, folder / "deployment")
        record = record_path(folder / "deployment", connection.chain_id)
        for index in range(nodes):
            code, name = CITIES[index]
            data_dir = folder / f"node-{index + 1}"
            (data_dir / "deployments").mkdir(parents=True)
            shutil.copy(record, data_dir / "deployments" / record.name)
            database = None if database_urls is None else database_urls[index]
            config = _write_config(
                data_dir,
                anvil_url=anvil.url,
                key="0x" + bytes(accounts[index + 1].key).hex(),
                region_code=code,
                name=name,
                port=ports[index],
                confirmations=0 if block_time is None else 1,
                build_dir=build.path.parent,
                database_url=database,
                extra=extra_settings,
            )
            _create_staff_keys(config, data_dir)
            started.append(
                _start_node(index + 1, code, name, accounts[index + 1], ports[index], config)
            )
            network = LocalNetwork(str(folder), anvil, tuple(started))
        network.save()
        for node in network.nodes:
            _wait_until_up(node)
    except BaseException:
        network.stop()
        raise
    return network


def past_notice(settings: Settings, application: Mapping[str, Any]) -> str:
    """Take ``application`` through review, audit and a public notice that ended 40 days ago,
    on the centre's own database, so that its node can issue it now; the application's id.

    For a local network only: a real case waits for its notice period (公示) to pass.
    """
    clock = FixedClock(datetime.now(UTC) - timedelta(days=40))
    parts = node_parts(settings, clock)
    try:
        cases = ApplicationService(parts.context)
        case = cases.apply("applicant-1", application).application
        clock.advance(timedelta(minutes=5))
        cases.start_review("reviewer-1", case.id)
        cases.complete_review("reviewer-1", case.id, application["compliance_report"])
        clock.advance(timedelta(minutes=5))
        cases.approve_audit("auditor-1", case.id)
        cases.publish_notice("issuer-1", case.id)
    finally:
        parts.store.engine.dispose()
    return case.id


def _write_config(
    data_dir: Path,
    *,
    anvil_url: str,
    key: str,
    region_code: str,
    name: str,
    port: int,
    confirmations: int,
    build_dir: Path,
    database_url: str | None,
    extra: str,
) -> Path:
    lines = [
        f'data_dir = "{data_dir}"',
        f'build_dir = "{build_dir}"',
        *([f'database_url = "{database_url}"'] if database_url else []),
        "",
        "[chain]",
        'backend = "rpc"',
        f'rpc_url = "{anvil_url}"',
        f"confirmations = {confirmations}",
        "",
        "[centre]",
        f'key = "{key}"',
        f'region_code = "{region_code}"',
        f'name = "{name}"',
        f'endpoint = "http://127.0.0.1:{port}"',
        "",
        "[api]",
        f"port = {port}",
        "",
        "[anchoring]",
        "max_batch_age = 0.5",
        "cycle_interval = 0.2",
        "",
        extra,
    ]
    path = data_dir / "dataprop.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)  # it holds the centre key
    return path


def _create_staff_keys(config: Path, data_dir: Path) -> None:
    clock = SystemClock()
    store = open_store(load_settings(config), clock)
    try:
        keys = ApiKeyService(store.unit_of_work, clock)
        tokens = {
            role.value: keys.create(
                "local-network", role=role.value, label=f"local {role}", principal=f"{role}-1"
            ).token
            for role in STAFF
        }
    finally:
        store.engine.dispose()
    path = data_dir / "keys.json"
    path.write_text(json.dumps(tokens, indent=2))
    path.chmod(0o600)


def _start_node(
    number: int, region_code: str, name: str, account: LocalAccount, port: int, config: Path
) -> LocalNode:
    log = config.parent / "node.log"
    node = LocalNode(
        number=number,
        region_code=region_code,
        name=name,
        key="0x" + bytes(account.key).hex(),
        address=str(account.address),
        port=port,
        data_dir=str(config.parent),
        config=str(config),
        log=str(log),
        pid=0,
    )
    return replace(node, pid=_run_node(node))


def _run_node(node: LocalNode) -> int:
    """Start `dataprop node run` for the node in a session of its own; its pid."""
    with Path(node.log).open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", "from node.cli.app import main; main()", "node", "run"],
            cwd=REPO_ROOT,
            env=node.environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return process.pid


def _wait_until_up(node: LocalNode) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            if httpx.get(f"{node.url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise NetworkError(f"node {node.number} did not answer on {node.url}; see {node.log}")
        time.sleep(0.2)


cli = typer.Typer(help="One anvil and N centre nodes on 127.0.0.1.", no_args_is_help=True)
Folder = Annotated[Path, typer.Option(help="where the network keeps its files")]
DEFAULT_FOLDER = Path(".dataprop") / "federation"


@cli.command("up")
def up(
    nodes: Annotated[int, typer.Option(min=1, max=len(CITIES), help="centres")] = 3,
    folder: Folder = DEFAULT_FOLDER,
    block_time: Annotated[
        float | None, typer.Option(help="seconds per block; default: mine each transaction")
    ] = None,
    database_url: Annotated[
        list[str] | None,
        typer.Option(help="a database URL per node, in order (default: SQLite in its folder)"),
    ] = None,
    base_port: Annotated[
        int, typer.Option(min=1024, max=65000, help="anvil's port; the nodes take the next ones")
    ] = 8600,
) -> None:
    """Start anvil and the nodes (a network already recorded in the folder is replaced)."""
    if (folder / STATE_FILE).is_file():
        LocalNetwork.load(folder).stop()
    network = start_network(
        folder.resolve(),
        nodes=nodes,
        block_time=block_time,
        database_urls=database_url,
        base_port=base_port,
    )
    _show(network)


@cli.command("issue-sample")
def issue_sample(
    node: Annotated[int, typer.Option(min=1, help="the centre's number")] = 1,
    sample: Annotated[int, typer.Option(min=0, help="which of samples/applications.json")] = 0,
    out: Annotated[Path | None, typer.Option(help="write the bundle here")] = None,
    folder: Folder = DEFAULT_FOLDER,
) -> None:
    """Issue a sample certificate at a centre (its case backdated past its notice) through the
    node's operator API, wait until it is anchored and print its number and bundle file."""
    centre = LocalNetwork.load(folder).nodes[node - 1]
    applications = json.loads((REPO_ROOT / "samples" / "applications.json").read_text("utf-8"))
    case = past_notice(load_settings(Path(centre.config)), applications[sample])
    headers = {"X-API-Key": centre.keys()["issuer"]}
    answer = httpx.post(
        f"{centre.url}/operator/applications/{case}/certificate", headers=headers, timeout=30.0
    )
    if answer.status_code != 201:
        raise NetworkError(f"the node refused to issue: {answer.text}")
    number = answer.json()["certificate"]["registration_number"]
    deadline = time.monotonic() + START_TIMEOUT
    while (bundle := httpx.get(f"{centre.url}/certificates/{number}/bundle")).status_code != 200:
        if time.monotonic() > deadline:
            raise NetworkError(f"{number} was not anchored: {bundle.text}")
        time.sleep(0.2)
    path = out or Path(centre.data_dir) / f"{number}.json"
    path.write_bytes(bundle.content)
    typer.echo(f"{number} issued by centre #{centre.number}; bundle {path}")


@cli.command("down")
def down(folder: Folder = DEFAULT_FOLDER) -> None:
    """Stop the nodes and anvil."""
    LocalNetwork.load(folder).stop()
    typer.echo("stopped")


@cli.command("status")
def status(folder: Folder = DEFAULT_FOLDER) -> None:
    """Say what runs and where."""
    _show(LocalNetwork.load(folder))


def _show(network: LocalNetwork) -> None:
    typer.echo(f"anvil {network.anvil.url} (pid {network.anvil.pid})")
    for node in network.nodes:
        try:
            answer = "up" if httpx.get(f"{node.url}/health", timeout=1.0).is_success else "down"
        except httpx.HTTPError:
            answer = "down"
        typer.echo(
            f"centre #{node.number} {node.name} ({node.region_code}) {node.url} {answer}  "
            f"key {node.address}  config {node.config}  API keys {node.data_dir}/keys.json"
        )


if __name__ == "__main__":
    cli()
