"""Waiting for a queued chain action from the command line, and saying what it did.

A command queues its chain write in the outbox. When no anchoring worker
runs for the centre key (no `dataprop node run`), the command takes the
sender lock and sends it itself; otherwise it waits for the running worker.
"""

from __future__ import annotations

import dataclasses
import json
import time
from enum import Enum

import typer
from rich.console import Console

from node.chain.action_outcome import action_events
from node.chain.events import (
    CentreAdmitted,
    CentreKeyRotated,
    CentreStatusChanged,
    ChainEvent,
    ProposalCreated,
    ProposalExecuted,
    ProposalVoted,
    RecognitionChanged,
)
from node.runtime import NodeParts, worker_of
from node.store.records import ChainAction, ChainActionStatus

SETTLED = (ChainActionStatus.CONFIRMED, ChainActionStatus.FAILED)
POLL_SECONDS = 0.2


def settle(parts: NodeParts, action_id: int, timeout: float) -> ChainAction:
    """The action once confirmed or failed, or as it stands after ``timeout`` seconds."""
    worker = worker_of(parts)
    own = worker.start()
    deadline = time.monotonic() + timeout
    try:
        while True:
            if own:
                worker.run_once()
            with parts.store.unit_of_work() as uow:
                action = uow.chain_actions.get(action_id)
            if action.status in SETTLED or time.monotonic() >= deadline:
                return action
            time.sleep(POLL_SECONDS)
    finally:
        if own:
            worker.stop()


def report(console: Console, parts: NodeParts, action: ChainAction, *, json_output: bool) -> None:
    """Print what the chain made of the action; exit 1 when the contract refused it."""
    events: list[ChainEvent] = []
    if action.status is ChainActionStatus.CONFIRMED and action.tx_hash is not None:
        events = action_events(parts.contracts, action.tx_hash)
    if json_output:
        typer.echo(
            json.dumps(
                {
                    "action_id": action.id,
                    "kind": action.kind,
                    "status": action.status.value,
                    "error": action.error,
                    "transaction": None if action.tx_hash is None else "0x" + action.tx_hash.hex(),
                    "events": [_event_json(event) for event in events],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    elif action.status is ChainActionStatus.CONFIRMED:
        console.print(f"chain action #{action.id} ({action.kind}) confirmed")
        for event in events:
            line = describe(event)
            if line:
                console.print(f"  {line}")
    elif action.status is ChainActionStatus.FAILED:
        console.print(
            f"[bold red]refused[/]: chain action #{action.id} ({action.kind}): {action.error}"
        )
    else:
        console.print(
            f"chain action #{action.id} ({action.kind}) is {action.status.value}: "
            "the anchoring worker sends it (see `dataprop centre list`)"
        )
    if action.status is ChainActionStatus.FAILED:
        raise typer.Exit(1)


def describe(event: ChainEvent) -> str | None:
    """One line about a consortium event; None for events a person need not read."""
    match event:
        case ProposalCreated():
            return (
                f"proposal #{event.proposal_id} ({event.kind.name.lower()}) created by centre "
                f"#{event.proposer_id}"
            )
        case ProposalVoted():
            return (
                f"centre #{event.voter_id} approved proposal #{event.proposal_id}: "
                f"{event.approvals} of {event.threshold} approvals needed"
            )
        case ProposalExecuted():
            return f"proposal #{event.proposal_id} executed"
        case CentreAdmitted():
            return (
                f"centre #{event.centre_id} {event.name} ({event.region_code:06d}) admitted "
                f"with key {event.signer}"
            )
        case CentreStatusChanged():
            return (
                f"centre #{event.centre_id}: {event.previous.name.lower()} → "
                f"{event.current.name.lower()}"
            )
        case CentreKeyRotated():
            return f"centre #{event.centre_id}: key {event.previous_signer} → {event.new_signer}"
        case RecognitionChanged():
            verb = "now recognises" if event.recognised else "no longer recognises"
            return f"centre #{event.recogniser_id} {verb} centre #{event.recognised_id}"
        case _:
            return None


def _event_json(event: ChainEvent) -> dict[str, object]:
    values: dict[str, object] = {"event": type(event).__name__}
    for field in dataclasses.fields(event):
        value = getattr(event, field.name)
        if isinstance(value, bytes):
            value = "0x" + value.hex()
        elif isinstance(value, Enum):
            value = value.name.lower()
        values[field.name] = value
    return values
