"""`dataprop documents …`: the published JSON Schemas of the signed documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from node.config import REPO_ROOT
from node.documents.schemas import json_schemas

documents_app = typer.Typer(help="Document schemas.", no_args_is_help=True)
SCHEMA_DIR = REPO_ROOT / "docs" / "schemas"


def schema_files() -> dict[str, str]:
    """Each schema file's name and text, as ``docs/schemas`` holds them."""
    return {
        name: json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        for name, schema in json_schemas().items()
    }


@documents_app.command("schemas")
def write_schemas(
    out: Annotated[Path, typer.Option(help="folder to write the schema files to")] = SCHEMA_DIR,
) -> None:
    """Write the JSON Schema of every document kind (one file per model and version)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in schema_files().items():
        (out / name).write_text(text, encoding="utf-8")
        typer.echo(out / name)
