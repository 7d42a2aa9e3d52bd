"""Reading the consortium's events from chain logs, a block range at a time, despite the RPC.

``eth_getLogs`` over a long chain meets three obstacles: providers cap the
blocks or results of one query, a large range can time out, and a node under
load answers some requests with an error. :class:`LogScanner` asks for
``max_range`` blocks at a time, halves the range when the provider refuses it
as too large (or times out) and grows it back after a success, and retries
other failures with exponential backoff; only after ``attempts`` failures in a
row on the same range does it give up, raising :class:`ScanInterruptedError`
with the first block it did not read, where a later scan resumes.

Over JSON-RPC the logs are read as the raw answer (hex strings), about three
times faster than through web3's result formatters; the embedded chain has no
wire format, so its logs come through web3.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from web3.exceptions import Web3Exception
from web3.types import BlockIdentifier, FilterParams, RPCEndpoint

from node.chain.connection import ChainConnection
from node.chain.contracts import DatapropContracts
from node.chain.events import ChainEvent, EventDecoder, LogEntry
from node.config import ChainBackend
from node.errors import ChainError

log = logging.getLogger(__name__)

LOG_RANGE = 5_000
"""Blocks per ``eth_getLogs`` request to start with; consortium RPC nodes cap one query."""
ATTEMPTS = 6
BACKOFF = 0.25
MAX_BACKOFF = 8.0
_TOO_LARGE = re.compile(
    r"more than|too many|too large|block range|range is|limit exceeded|exceed|response size",
    re.IGNORECASE,
)
"""How providers word a refusal of a range as too large (geth, Besu, anvil, Infura, Alchemy)."""
_LIMIT_EXCEEDED = -32005


class ScanInterruptedError(ChainError):
    """The chain kept failing on one block range; a later scan resumes at ``resume_block``."""

    code = "scan_interrupted"

    def __init__(self, message: str, resume_block: int) -> None:
        super().__init__(message)
        self.resume_block = resume_block


class _RangeTooLargeError(Exception):
    """The provider refused the range as too large or too slow; a smaller one may pass."""


class _TransientError(Exception):
    """The provider failed this time; the same request may pass later."""


@dataclass(frozen=True)
class BlockRef:
    """A block by number, hash and time: where a scan stands, and what an audit is as of."""

    number: int
    hash: bytes
    timestamp: int


@dataclass(frozen=True)
class ScannedChunk:
    """The events of blocks ``first`` to ``last``, in chain order."""

    first: int
    last: int
    events: tuple[ChainEvent, ...]


def consortium_scanner(contracts: DatapropContracts, **options: Any) -> LogScanner:
    """A scanner of the three contracts' events, decoded with the build's ABIs."""
    addresses = [
        contracts.centres.address,
        contracts.anchors.address,
        contracts.certificates.address,
    ]
    return LogScanner(contracts.connection, addresses, contracts.events, **options)


class LogScanner:
    """The events of a set of contracts, read chunk by chunk from a block range."""

    def __init__(
        self,
        connection: ChainConnection,
        addresses: Sequence[str],
        decoder: EventDecoder,
        *,
        max_range: int = LOG_RANGE,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_range < 1 or attempts < 1:
            raise ValueError("max_range and attempts must be at least 1")
        self._connection = connection
        self._w3 = connection.w3
        self._addresses = list(addresses)
        self._decoder = decoder
        self._max_range = max_range
        self._attempts = attempts
        self._backoff = backoff
        self._sleep = sleep
        self._raw = connection.backend is ChainBackend.RPC

    def block(self, identifier: BlockIdentifier = "latest") -> BlockRef:
        """A block's number, hash and timestamp (``latest`` by default), retried like logs."""

        def read() -> BlockRef:
            block = self._w3.eth.get_block(identifier)
            return BlockRef(int(block["number"]), bytes(block["hash"]), int(block["timestamp"]))

        failures = 0
        while True:
            try:
                return read()
            except (Web3Exception, OSError, ValueError, KeyError) as exc:
                failures += 1
                if failures >= self._attempts:
                    raise ChainError(
                        f"the chain failed {failures} times in a row to give block {identifier!r} "
                        f"({self._connection.describe()}): {exc}"
                    ) from exc
                self._pause(failures)

    def chunks(self, first: int, last: int) -> Iterator[ScannedChunk]:
        """The events of blocks ``first`` to ``last`` (inclusive), a chunk at a time, in order.

        Nothing is yielded for an empty range. Raises :class:`ScanInterruptedError`
        when one range kept failing; every chunk yielded before it is complete.
        """
        span = self._max_range
        start = max(first, 0)
        failures = 0
        while start <= last:
            end = min(start + span - 1, last)
            try:
                logs = self._logs(start, end)
            except _RangeTooLargeError as exc:
                if end == start:
                    failures += 1
                    self._give_up_after(failures, start, exc)
                    self._pause(failures)
                else:
                    span = max(1, (end - start + 1) // 2)
                    log.info("blocks %d-%d refused (%s): %d blocks a query", start, end, exc, span)
                continue
            except _TransientError as exc:
                failures += 1
                self._give_up_after(failures, start, exc)
                log.warning("logs of blocks %d-%d failed (%s); retrying", start, end, exc)
                self._pause(failures)
                continue
            failures = 0
            events = tuple(event for entry in logs if (event := self._decoder.decode_entry(entry)))
            yield ScannedChunk(start, end, events)
            start = end + 1
            span = min(span * 2, self._max_range)

    def _logs(self, first: int, last: int) -> list[LogEntry]:
        try:
            if self._raw:
                return self._raw_logs(first, last)
            query: FilterParams = {
                "fromBlock": first,
                "toBlock": last,
                "address": self._addresses,  # type: ignore[typeddict-item]
            }
            return [LogEntry.of_receipt(entry) for entry in self._w3.eth.get_logs(query)]
        except (_RangeTooLargeError, _TransientError):
            raise
        except TimeoutError as exc:
            raise _RangeTooLargeError(f"timed out: {exc}") from exc
        except (Web3Exception, OSError, ValueError, KeyError, TypeError) as exc:
            if "timed out" in str(exc).lower():
                raise _RangeTooLargeError(f"timed out: {exc}") from exc
            if _TOO_LARGE.search(str(exc)):
                raise _RangeTooLargeError(str(exc)) from exc
            raise _TransientError(f"{type(exc).__name__}: {exc}") from exc

    def _raw_logs(self, first: int, last: int) -> list[LogEntry]:
        params = [{"fromBlock": hex(first), "toBlock": hex(last), "address": self._addresses}]
        answer: Any = self._w3.provider.make_request(RPCEndpoint("eth_getLogs"), params)
        error = answer.get("error")
        if error is not None:
            message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
            code = error.get("code") if isinstance(error, dict) else None
            if code == _LIMIT_EXCEEDED or _TOO_LARGE.search(message):
                raise _RangeTooLargeError(message)
            raise _TransientError(f"JSON-RPC error {code}: {message}")
        return [LogEntry.of_json(entry) for entry in answer["result"]]

    def _give_up_after(self, failures: int, resume_block: int, error: BaseException) -> None:
        if failures >= self._attempts:
            raise ScanInterruptedError(
                f"the chain failed {failures} times in a row on the logs from block "
                f"{resume_block} ({self._connection.describe()}): {error}",
                resume_block,
            ) from error

    def _pause(self, failures: int) -> None:
        self._sleep(min(self._backoff * 2 ** (failures - 1), MAX_BACKOFF))
