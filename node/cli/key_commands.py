"""`dataprop keys`: the centre's API keys from the command line (the first admin key too)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from node.cli.context import settings_from
from node.domain.calendar import SystemClock
from node.domain.roles import Role
from node.runtime import open_store
from node.services.api_keys import ApiKeyService, IssuedKey

keys_app = typer.Typer(help="Create, list, rotate and revoke API keys.", no_args_is_help=True)
console = Console(soft_wrap=True)
ACTOR = "cli"
"""Who the event log names for keys managed from the command line (the machine's operator)."""


@contextmanager
def _keys(ctx: typer.Context) -> Iterator[ApiKeyService]:
    clock = SystemClock()
    store = open_store(settings_from(ctx), clock)
    try:
        yield ApiKeyService(store.unit_of_work, clock)
    finally:
        store.engine.dispose()


def _print_issued(issued: IssuedKey) -> None:
    console.print(f"key id {issued.key.key_id} · role {issued.key.role} · {issued.key.principal}")
    console.print("The token is shown once; keep it secret:", style="bold")
    typer.echo(issued.token)


@keys_app.command("create")
def create_key(
    ctx: typer.Context,
    role: Annotated[Role, typer.Option(help="what the key may do")],
    label: Annotated[str, typer.Option(help="who or what the key is for")],
    principal: Annotated[
        str | None, typer.Option(help="the person (defaults to --party for party roles)")
    ] = None,
    party: Annotated[
        str | None,
        typer.Option(
            help="credit code an applicant or pledgee key acts for (a pledgee's may be its "
            "financial institution code)"
        ),
    ] = None,
) -> None:
    """Create a key and print its token (once)."""
    with _keys(ctx) as keys:
        issued = keys.create(ACTOR, role=role.value, label=label, principal=principal, party=party)
    _print_issued(issued)


@keys_app.command("list")
def list_keys(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 100,
    offset: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """List keys, oldest first (never their secrets)."""
    with _keys(ctx) as keys:
        found = keys.list_keys(limit=limit, offset=offset)
    table = Table("key id", "role", "principal", "party", "label", "created", "state")
    for key in found:
        state = (
            "revoked"
            if key.revoked_at
            else f"until {key.expires_at:%Y-%m-%d %H:%M}"
            if key.expires_at
            else "live"
        )
        table.add_row(
            key.key_id,
            key.role,
            key.principal,
            key.party or "",
            key.label,
            f"{key.created_at:%Y-%m-%d %H:%M}",
            state,
        )
    console.print(table)


@keys_app.command("rotate")
def rotate_key(
    ctx: typer.Context,
    key_id: str,
    grace_minutes: Annotated[
        int, typer.Option(min=0, max=43200, help="how long the old key keeps working")
    ] = 0,
) -> None:
    """Replace a key; print the new token (once)."""
    with _keys(ctx) as keys:
        issued = keys.rotate(ACTOR, key_id, grace=timedelta(minutes=grace_minutes))
    _print_issued(issued)


@keys_app.command("revoke")
def revoke_key(ctx: typer.Context, key_id: str) -> None:
    """Stop a key at once."""
    with _keys(ctx) as keys:
        revoked = keys.revoke(ACTOR, key_id)
    console.print(f"key {revoked.key_id} revoked at {revoked.revoked_at:%Y-%m-%d %H:%M:%S}")
