"""`dataprop pledges expire`, and the expiry cycle the worker's process runs.

Ending a pledge at the end of its term writes a signed document and a release
on chain, so it is done by a cycle rather than on read: ``dataprop worker run``
and ``dataprop node run`` check every ``pledges.expiry_interval`` seconds, and
``dataprop pledges expire`` checks once (for a scheduler, or by hand).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from node.chain.deployment import load_deployment
from node.cli.context import settings_from
from node.config import Settings
from node.domain.calendar import Clock, SystemClock
from node.runtime import node_chain, node_services, open_store
from node.services.pledges import PledgeService

logger = logging.getLogger("node.pledges")
pledges_app = typer.Typer(help="Pledges (质押) of the centre's certificates.", no_args_is_help=True)


@contextmanager
def pledge_service(settings: Settings, clock: Clock) -> Iterator[PledgeService]:
    """The pledge use cases on the configured chain and store."""
    chain = node_chain(settings)
    record = load_deployment(settings.data_dir, chain.connection)
    store = open_store(settings, clock)
    try:
        yield node_services(settings, store, chain, record, clock).pledges
    finally:
        store.engine.dispose()


@pledges_app.command("expire")
def expire_pledges(ctx: typer.Context) -> None:
    """Record the expiry of every active pledge past its term; the worker sends the releases."""
    with pledge_service(settings_from(ctx), SystemClock()) as pledges:
        expired = pledges.expire_due()
    for pledge in expired:
        typer.echo(
            f"expired {pledge.id} ({pledge.terms.registration_number}, term {pledge.term_end})"
        )
    typer.echo(f"{len(expired)} pledge(s) expired")


def start_expiry_cycle(settings: Settings, clock: Clock, stop: threading.Event) -> threading.Thread:
    """A thread that expires due pledges at once and then every ``pledges.expiry_interval``
    seconds until ``stop`` is set; a failed round is logged and tried again."""

    def cycle() -> None:
        try:
            with pledge_service(settings, clock) as pledges:
                while True:
                    try:
                        for pledge in pledges.expire_due():
                            logger.info(
                                "pledge %s expired (term ended %s)", pledge.id, pledge.term_end
                            )
                    except Exception:
                        logger.exception("the pledge expiry check failed; trying again later")
                    if stop.wait(settings.pledges.expiry_interval):
                        return
        except Exception:
            logger.exception("the pledge expiry cycle could not start")

    thread = threading.Thread(target=cycle, name="pledge-expiry", daemon=True)
    thread.start()
    return thread
