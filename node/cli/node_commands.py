"""`dataprop node run`: the HTTP API and the anchoring worker in one process, for one machine.

The worker runs in a thread beside uvicorn, and so does the pledge expiry cycle;
SIGTERM or SIGINT stop uvicorn, then the worker after its current cycle. On
several machines, run the API (`uvicorn --factory api.main:node_app`) and
`dataprop worker run` apart.
"""

from __future__ import annotations

import logging
import signal
import threading

import typer
import uvicorn

from api.main import node_app
from node.cli.context import settings_from
from node.cli.pledge_commands import start_expiry_cycle
from node.domain.calendar import SystemClock
from node.runtime import anchoring_worker

node_cli = typer.Typer(help="Run the node.", no_args_is_help=True)
WORKER_STOP_SECONDS = 30.0


@node_cli.command("run")
def run_node(ctx: typer.Context) -> None:
    """Serve the API on api.host:api.port and anchor with the centre's key until stopped."""
    settings = settings_from(ctx)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    clock = SystemClock()
    worker, store = anchoring_worker(settings, clock)
    app = node_app(settings)
    stop = threading.Event()
    # uvicorn restores the handlers it found and raises the signal again after its
    # graceful shutdown: these handlers turn that into stopping the worker, so the
    # process exits 0 instead of dying before the worker finishes its cycle.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _signum, _frame: stop.set())
    thread = threading.Thread(target=worker.run, args=(stop,), name="anchoring-worker")
    thread.start()
    expiry = start_expiry_cycle(settings, clock, stop)
    try:
        uvicorn.run(app, host=settings.api.host, port=settings.api.port, log_level="info")
    finally:
        stop.set()
        thread.join(WORKER_STOP_SECONDS)
        expiry.join(WORKER_STOP_SECONDS)
        store.engine.dispose()
