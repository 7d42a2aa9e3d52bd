"""The `dataprop` command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console

from node import __version__
from node.cli import (
    audit_commands,
    centre_commands,
    chain_commands,
    demo,
    document_commands,
    import_commands,
    key_commands,
    node_commands,
    pledge_commands,
    report_commands,
    verify_commands,
    worker_commands,
)
from node.cli.context import err_console, settings_from
from node.config import settings_table
from node.errors import NodeError

app = typer.Typer(
    name="dataprop",
    help="dataprop: the node of a data-property registration centre (数据产权登记).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(chain_commands.chain_app, name="chain")
app.command("compile")(chain_commands.compile_command)
app.command("deploy")(chain_commands.deploy_command)
app.command("demo")(demo.demo_command)
app.add_typer(worker_commands.worker_app, name="worker")
app.add_typer(document_commands.documents_app, name="documents")
app.command("verify")(verify_commands.verify_command)
app.add_typer(node_commands.node_cli, name="node")
app.add_typer(centre_commands.centre_app, name="centre")
app.add_typer(import_commands.import_app, name="import")
app.add_typer(report_commands.report_app, name="report")
app.command("export")(audit_commands.export_command)
app.command("audit")(audit_commands.audit_command)
app.add_typer(key_commands.keys_app, name="keys")
app.add_typer(pledge_commands.pledges_app, name="pledges")
console = Console(soft_wrap=True)


@app.callback()
def configure(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="TOML settings file", envvar="DATAPROP_CONFIG_FILE"),
    ] = None,
) -> None:
    """Read the settings once for every command."""
    ctx.obj = config


@app.command("version")
def show_version() -> None:
    """Print the version of dataprop."""
    console.print(f"dataprop {__version__}")


config_app = typer.Typer(help="Inspect the settings.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
def show_config(ctx: typer.Context) -> None:
    """Print the effective settings as JSON; secrets are masked."""
    settings = settings_from(ctx)
    console.print_json(json.dumps(settings.model_dump(mode="json")))


@config_app.command("table")
def show_config_table() -> None:
    """Print the settings table of the README (Markdown), from the settings model."""
    typer.echo(settings_table())


def main() -> None:
    """Entry point of the console script: one-line errors, never a traceback for NodeError."""
    try:
        result = app(standalone_mode=False)
    except NodeError as exc:
        err_console.print(f"[bold red]error[/] ({exc.code}): {exc}", highlight=False)
        raise SystemExit(1) from None
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except click.exceptions.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except click.exceptions.Abort:
        err_console.print("aborted")
        raise SystemExit(1) from None
    if isinstance(result, int):
        raise SystemExit(result)
