"""`dataprop worker run`: the anchoring worker of the centre's key.

It anchors pending documents in Merkle batches and sends queued chain actions
(see ``node.chain.anchoring``) until SIGTERM or SIGINT, which end it after the
current cycle; beside it, pledges past their term are expired every
``pledges.expiry_interval`` seconds. Progress goes to stderr through ``logging``.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Annotated

import typer

from node.chain.anchoring import AnchoringWorker
from node.cli.context import settings_from
from node.cli.pledge_commands import pledge_service, start_expiry_cycle
from node.domain.calendar import SystemClock
from node.runtime import anchoring_worker
from node.store.errors import SenderLockHeldError

logger = logging.getLogger("node.worker")
worker_app = typer.Typer(help="Run the anchoring worker.", no_args_is_help=True)
EXPIRY_STOP_SECONDS = 30.0


@worker_app.command("run")
def run_worker(
    ctx: typer.Context,
    once: Annotated[
        bool,
        typer.Option(
            "--once",
            help="expire pledges past their term, batch and send everything pending, settle it "
            "(for at most anchoring.receipt_timeout seconds) and exit",
        ),
    ] = False,
) -> None:
    """Anchor pending documents and send chain actions with the centre's key."""
    settings = settings_from(ctx)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    clock = SystemClock()
    worker, store = anchoring_worker(settings, clock)
    try:
        if once:
            with pledge_service(settings, clock) as pledges:
                expired = pledges.expire_due()
            typer.echo(f"expired {len(expired)} pledge(s)")
            _drain(worker)
        else:
            stop = threading.Event()
            expiry = start_expiry_cycle(settings, clock, stop)
            try:
                _run_until_signalled(worker, stop)
            finally:
                stop.set()
                expiry.join(EXPIRY_STOP_SECONDS)
    finally:
        worker.stop()
        store.engine.dispose()


def _drain(worker: AnchoringWorker) -> None:
    if not worker.start():
        raise SenderLockHeldError(f"another worker sends for {worker.address}")
    report = worker.drain(worker.settings.receipt_timeout)
    typer.echo(
        f"batched {report.batched}, sent {report.sent}, confirmed {report.confirmed}, "
        f"failed {report.failed}; still waiting {report.waiting}, unsent {report.unsent}"
    )


def _run_until_signalled(worker: AnchoringWorker, stop: threading.Event) -> None:
    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("%s: stopping after this cycle", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        worker.run(stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    logger.info("worker for %s stopped", worker.address)
