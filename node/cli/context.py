"""What every command needs: the settings and the consoles."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from node.config import Settings, load_settings

err_console = Console(stderr=True, soft_wrap=True)


def settings_from(ctx: typer.Context) -> Settings:
    """The settings, read once per invocation from the --config file and the environment."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        config_file: Path | None = root.obj
        root.obj = load_settings(config_file)
    return root.obj
