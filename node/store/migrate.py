"""Alembic, driven from code: bring a database to the newest schema, or read its revision.

The scripts live in this package (``node/store/migrations``), so the installed
node can migrate its database without an ``alembic.ini``.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL

from node.store.db import create_engine_for, database_url

SCRIPT_LOCATION = "node.store:migrations"


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic config for this package's migrations, targeting ``url`` when given."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if url is not None:
        config.attributes["url"] = database_url(url)
    return config


def upgrade_database(url: str | URL, revision: str = "head") -> None:
    """Run ``alembic upgrade`` to ``revision`` (the newest by default) on the database."""
    command.upgrade(alembic_config(url), revision)


def head_revision() -> str:
    """The newest revision the package ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("the package ships no migrations")
    return head


def current_revision(url: str | URL) -> str | None:
    """The revision the database is at, None for a database never migrated."""
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
