"""Commands of the chain layer: compile, deploy, and the local anvil chain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from node.chain.accounts import centre_account, deployer_account
from node.chain.compiler import compile_contracts
from node.chain.connection import ChainUnreachableError, connect, connect_rpc
from node.chain.deployment import GenesisCentre, dataprop_plan, deploy, load_genesis
from node.chain.local_chain import clear_state, read_state, start_anvil, write_state
from node.chain.transactions import TransactionSender
from node.cli.context import settings_from
from node.errors import ToolchainError

console = Console(soft_wrap=True)
chain_app = typer.Typer(help="Run the local anvil chain.", no_args_is_help=True)


def compile_command(ctx: typer.Context) -> None:
    """Compile contracts/src with the pinned solcjs (cached by source digest)."""
    settings = settings_from(ctx)
    build = compile_contracts(settings.contracts_dir, settings.resolved_build_dir)
    table = Table("contract", "source", "deployed bytes")
    for name, artifact in sorted(build.contracts.items()):
        table.add_row(name, artifact.source, str(len(artifact.deployed_bytecode) // 2))
    console.print(table)
    state = "cache hit" if build.cache_hit else "compiled"
    console.print(f"{state}: solc {build.solc_version}, sources {build.source_digest[:16]}")


def deploy_command(
    ctx: typer.Context,
    genesis: Annotated[
        Path | None,
        typer.Option(help="JSON list of genesis centres; default this node's centre alone"),
    ] = None,
    replace: Annotated[
        bool, typer.Option(help="deploy a new set even if the recorded one is live")
    ] = False,
) -> None:
    """Deploy the contracts to the configured chain and write the deployment record."""
    settings = settings_from(ctx)
    build = compile_contracts(settings.contracts_dir, settings.resolved_build_dir)
    connection = connect(settings.chain)
    sender = TransactionSender(
        connection.w3,
        deployer_account(settings, connection),
        poll_interval=settings.chain.poll_interval,
    )
    if genesis is not None:
        centres = load_genesis(genesis)
    else:
        account = centre_account(settings, connection)
        centres = [
            GenesisCentre(
                signer=account.address,
                region_code=int(settings.centre.region_code),
                name=settings.centre.name,
                endpoint=settings.centre.endpoint,
            )
        ]
    plan = dataprop_plan(centres, settings.proposal_lifetime)
    record = deploy(connection, sender, build, plan, settings.data_dir, replace=replace)
    table = Table("contract", "address", "block", "gas")
    for name, deployed in record.contracts.items():
        table.add_row(name, deployed.address, str(deployed.block), f"{deployed.gas_used:,}")
    console.print(table)
    console.print(f"deployed on {connection.describe()} by {record.deployer}")


@chain_app.command("up")
def chain_up(
    ctx: typer.Context,
    port: Annotated[int | None, typer.Option(help="port; default chain.anvil_port")] = None,
    block_time: Annotated[
        float | None, typer.Option(help="seconds per block; default mine on demand")
    ] = None,
) -> None:
    """Start anvil on 127.0.0.1 with the deterministic dev accounts."""
    settings = settings_from(ctx)
    running = read_state(settings.data_dir)
    if running is not None:
        try:
            connect_rpc(running.url, timeout=1.0)
        except ChainUnreachableError:
            pass  # a stale record of an anvil that is gone
        else:
            raise ToolchainError(f"anvil already runs at {running.url} (pid {running.pid})")
    instance = start_anvil(
        settings.local_chain_dir,
        settings.data_dir / "logs",
        port=port or settings.chain.anvil_port,
        block_time=block_time or settings.chain.anvil_block_time,
    )
    write_state(settings.data_dir, instance)
    console.print(f"anvil running at {instance.url} (pid {instance.pid}, log {instance.log})")


@chain_app.command("down")
def chain_down(ctx: typer.Context) -> None:
    """Stop the anvil started by `chain up`."""
    settings = settings_from(ctx)
    instance = read_state(settings.data_dir)
    if instance is None:
        console.print("no anvil recorded: nothing to stop")
        return
    instance.stop()
    clear_state(settings.data_dir)
    console.print(f"anvil at {instance.url} (pid {instance.pid}) stopped")


@chain_app.command("status")
def chain_status(ctx: typer.Context) -> None:
    """Say which chain the settings point at and whether it answers."""
    settings = settings_from(ctx)
    connection = connect(settings.chain)
    block = connection.w3.eth.block_number
    console.print(f"{connection.describe()}: block {block}")
