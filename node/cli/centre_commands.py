"""`dataprop centre`: the consortium of centres (登记机构) read from the chain, and this centre's
proposals, votes and recognition (互认) declarations.

Members and proposals are read from the CentreRegistry's events, never from a
local list. Writes go through the outbox with the centre key (see
:mod:`node.cli.chain_actions`); a proposal takes effect only once more than two
thirds of the active centres approve it.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from node.chain.action_payloads import CentreChange
from node.chain.chain_index import ChainIndex
from node.chain.contracts import bind_contracts
from node.chain.deployment import load_deployment
from node.cli.chain_actions import report, settle
from node.cli.context import settings_from
from node.domain.calendar import SystemClock
from node.federation.consortium_json import ConsortiumJson
from node.runtime import node_chain, node_parts
from node.services.consortium import ConsortiumService
from node.store.records import ChainAction

console = Console(soft_wrap=True)
centre_app = typer.Typer(
    help="The consortium of centres: members, proposals, votes, recognition (互认).",
    no_args_is_help=True,
)

Actor = Annotated[
    str, typer.Option(help="who asks, for the node's event log (default: your user name)")
]
Wait = Annotated[
    float,
    typer.Option(
        "--wait",
        min=0,
        metavar="SECONDS",
        help="how long to wait for the chain's answer (0: queue and return)",
    ),
]
Json = Annotated[bool, typer.Option("--json", help="print the outcome as JSON")]
CentreId = Annotated[int, typer.Argument(min=1, metavar="CENTRE_ID", help="the centre's id")]


@centre_app.command("list")
def list_centres(ctx: typer.Context, json_output: Json = False) -> None:
    """List the consortium's centres and proposals, as the chain's events show them now."""
    settings = settings_from(ctx)
    chain = node_chain(settings)
    record = load_deployment(settings.data_dir, chain.connection)
    index = ChainIndex(bind_contracts(chain.connection, record, chain.build))
    index.refresh()
    consortium = ConsortiumJson.of(index.consortium())
    if json_output:
        typer.echo(consortium.model_dump_json(indent=2))
        return
    _print(consortium)


@centre_app.command("propose-admit")
def propose_admit(
    ctx: typer.Context,
    signer: Annotated[str, typer.Option(help="the new centre's chain key (address)")],
    region_code: Annotated[str, typer.Option(help="its 6-digit administrative region code")],
    name: Annotated[str, typer.Option(help="its name")],
    endpoint: Annotated[str, typer.Option(help="its node's public URL")] = "",
    actor: Actor = "",
    wait: Wait = 60.0,
    json_output: Json = False,
) -> None:
    """Propose admitting a centre (this centre's proposal counts as its approval)."""
    _request(
        ctx,
        actor,
        lambda service, who: service.propose_admission(
            who, signer=signer, region_code=region_code, name=name, endpoint=endpoint
        ),
        wait,
        json_output,
    )


def _change_command(change: CentreChange) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        centre_id: CentreId,
        actor: Actor = "",
        wait: Wait = 60.0,
        json_output: Json = False,
    ) -> None:
        _request(
            ctx,
            actor,
            lambda service, who: service.propose_change(who, change, centre_id),
            wait,
            json_output,
        )

    command.__doc__ = f"Propose to {change.value} a centre."
    return command


centre_app.command("propose-suspend")(_change_command(CentreChange.SUSPEND))
centre_app.command("propose-reinstate")(_change_command(CentreChange.REINSTATE))
centre_app.command("propose-remove")(_change_command(CentreChange.REMOVE))


@centre_app.command("propose-rotate-key")
def propose_rotate_key(
    ctx: typer.Context,
    centre_id: CentreId,
    new_signer: Annotated[str, typer.Option(help="the new chain key (address), never used")],
    actor: Actor = "",
    wait: Wait = 60.0,
    json_output: Json = False,
) -> None:
    """Propose replacing a centre's signing key; its old certificates stay valid."""
    _request(
        ctx,
        actor,
        lambda service, who: service.propose_key_rotation(who, centre_id, new_signer),
        wait,
        json_output,
    )


@centre_app.command("vote")
def vote(
    ctx: typer.Context,
    proposal_id: Annotated[int, typer.Argument(min=1, metavar="PROPOSAL_ID")],
    actor: Actor = "",
    wait: Wait = 60.0,
    json_output: Json = False,
) -> None:
    """Approve a proposal; the approval that reaches the threshold executes it."""
    _request(ctx, actor, lambda service, who: service.vote(who, proposal_id), wait, json_output)


@centre_app.command("recognise")
def recognise(
    ctx: typer.Context,
    centre_id: CentreId,
    withdraw: Annotated[bool, typer.Option(help="withdraw the recognition instead")] = False,
    actor: Actor = "",
    wait: Wait = 60.0,
    json_output: Json = False,
) -> None:
    """Declare on chain that this centre recognises (互认) another centre's certificates."""
    _request(
        ctx,
        actor,
        lambda service, who: service.declare_recognition(who, centre_id, recognised=not withdraw),
        wait,
        json_output,
    )


def _request(
    ctx: typer.Context,
    actor: str,
    ask: Callable[[ConsortiumService, str], ChainAction],
    wait: float,
    json_output: bool,
) -> None:
    parts = node_parts(settings_from(ctx), SystemClock())
    try:
        queued = ask(ConsortiumService(parts.context), actor or getpass.getuser())
        with console.status(f"chain action #{queued.id} ({queued.kind}): waiting for the chain"):
            action = settle(parts, queued.id, wait) if wait else queued
        report(console, parts, action, json_output=json_output)
    finally:
        parts.store.engine.dispose()


def _print(consortium: ConsortiumJson) -> None:
    paused = " [bold red]PAUSED[/]" if consortium.paused else ""
    console.print(
        f"chain {consortium.chain_id}, block {consortium.block_number}: "
        f"{consortium.active_centres} active centres, a proposal needs "
        f"{consortium.threshold} approvals{paused}"
    )
    centres = Table("id", "centre", "region", "status", "since", "key", "endpoint", "recognises")
    for centre in consortium.centres:
        since = f"block {centre.status_since_block}"
        if centre.status_since is not None:
            since += f" ({centre.status_since.isoformat()})"
        centres.add_row(
            str(centre.id),
            centre.name,
            centre.region_code,
            centre.status,
            since,
            centre.signer,
            centre.endpoint,
            ", ".join(f"#{other}" for other in centre.recognises) or "-",
        )
    console.print(centres)
    proposals = Table("id", "kind", "about", "by", "approvals", "state", "expires")
    for proposal in consortium.proposals:
        if proposal.kind == "admit":
            about = f"{proposal.name} ({proposal.region_code}) {proposal.new_signer}"
        elif proposal.kind == "rotate_key":
            about = f"centre #{proposal.target_centre_id} → {proposal.new_signer}"
        elif proposal.target_centre_id:
            about = f"centre #{proposal.target_centre_id}"
        else:
            about = "the consortium"
        voters = ", ".join(f"#{voter}" for voter in proposal.voters)
        proposals.add_row(
            str(proposal.id),
            proposal.kind,
            about,
            f"#{proposal.proposer_id}",
            f"{proposal.approvals}/{consortium.threshold} ({voters})",
            proposal.state,
            proposal.expires_at.isoformat(),
        )
    console.print(proposals if consortium.proposals else "no proposal")
