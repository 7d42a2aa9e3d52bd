"""A resumable scan: the events read so far kept in a JSON Lines file, with checkpoints.

The first line names what was scanned (format, chain, the three contracts, the
first block); then come the events of each chunk, one JSON object a line,
followed by a checkpoint line with the chunk's last block and that block's
hash. A later scan replays the file up to its last checkpoint (a torn tail
after it is cut off), checks that the checkpoint block is still on the chain
(a reorganisation discards the file) and asks the chain only for newer blocks.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO, Any, get_type_hints

from node.chain.events import ChainEvent
from node.chain.scanner import BlockRef, LogScanner
from node.errors import ChainError

log = logging.getLogger(__name__)
FORMAT = "dataprop-scan"
VERSION = 1

Progress = Callable[[int], None]
"""Told how many more blocks were read (or replayed from the file)."""


class ScanCacheError(ChainError):
    """The scan file cannot be read or written."""

    code = "scan_cache_unusable"


@dataclass(frozen=True)
class ScanIdentity:
    """What a scan file holds: whose events, from which block."""

    chain_id: int
    centre_registry: str
    anchor_registry: str
    certificate_registry: str
    from_block: int

    def header(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "chain_id": self.chain_id,
            "centre_registry": self.centre_registry,
            "anchor_registry": self.anchor_registry,
            "certificate_registry": self.certificate_registry,
            "from_block": self.from_block,
        }


class ResumableScan:
    """Events from ``identity.from_block`` to a target block, resumed from a file when given."""

    def __init__(
        self, scanner: LogScanner, identity: ScanIdentity, cache: Path | None = None
    ) -> None:
        self._scanner = scanner
        self._identity = identity
        self._cache = cache

    def events(self, to_block: BlockRef, progress: Progress | None = None) -> Iterator[ChainEvent]:
        """Every event of the contracts from the first block to ``to_block``, in chain order.

        Events come from the file up to its checkpoint, then from the chain, each
        chunk appended to the file before its checkpoint is written.
        """
        advance = progress or (lambda _blocks: None)
        first = self._identity.from_block
        if self._cache is None:
            for chunk in self._scanner.chunks(first, to_block.number):
                advance(chunk.last - chunk.first + 1)
                yield from chunk.events
            return
        checkpoint, offset = self._checkpoint()
        if checkpoint is not None and checkpoint > to_block.number:
            log.info("the scan file goes past block %d; reading the chain", to_block.number)
            yield from ResumableScan(self._scanner, self._identity).events(to_block, progress)
            return
        if checkpoint is not None:
            yield from self._replay(offset)
            advance(checkpoint - first + 1)
            first = checkpoint + 1
        try:
            with self._open(offset) as out:
                for chunk in self._scanner.chunks(first, to_block.number):
                    for event in chunk.events:
                        out.write(json.dumps(event_json(event), separators=(",", ":")) + "\n")
                    last = self._scanner.block(chunk.last)
                    mark = {"checkpoint": last.number, "hash": "0x" + last.hash.hex()}
                    out.write(json.dumps(mark) + "\n")
                    out.flush()
                    advance(chunk.last - chunk.first + 1)
                    yield from chunk.events
        except OSError as exc:
            raise ScanCacheError(f"cannot write the scan file {self._cache}: {exc}") from exc

    def _checkpoint(self) -> tuple[int | None, int]:
        """The last checkpoint of a usable file and the byte offset after it (0: start anew)."""
        assert self._cache is not None
        try:
            with self._cache.open("rb") as source:
                header = json.loads(source.readline())
                if header != self._identity.header():
                    return None, 0
                checkpoint: int | None = None
                block_hash = b""
                offset = end = source.tell()
                for line in source:
                    end += len(line)
                    if not line.endswith(b"\n"):
                        break  # torn by an interrupted write
                    if line.startswith(b'{"checkpoint"'):
                        mark = json.loads(line)
                        checkpoint, block_hash = mark["checkpoint"], bytes.fromhex(mark["hash"][2:])
                        offset = end
        except FileNotFoundError:
            return None, 0
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("the scan file %s is unreadable (%s); scanning anew", self._cache, exc)
            return None, 0
        if checkpoint is None:
            return None, offset
        if self._scanner.block(checkpoint).hash != block_hash:
            log.warning("block %d of the scan file was reorganised away; scanning anew", checkpoint)
            return None, 0
        return checkpoint, offset

    def _replay(self, offset: int) -> Iterator[ChainEvent]:
        assert self._cache is not None
        with self._cache.open("rb") as source:
            source.readline()
            while source.tell() < offset:
                line = source.readline()
                if not line.startswith(b'{"checkpoint"'):
                    yield event_of(json.loads(line))

    def _open(self, offset: int) -> IO[str]:
        """The file for appending after ``offset`` (a fresh file with its header at 0)."""
        assert self._cache is not None
        if offset == 0:
            self._cache.parent.mkdir(parents=True, exist_ok=True)
            out = self._cache.open("w", encoding="utf-8")
            out.write(json.dumps(self._identity.header()) + "\n")
            return out
        with self._cache.open("r+b") as cut:
            cut.truncate(offset)
        return self._cache.open("a", encoding="utf-8")


def event_json(event: ChainEvent) -> dict[str, Any]:
    """An event as a JSON object: its class name, then every field (bytes as 0x hex)."""
    body: dict[str, Any] = {"event": type(event).__name__}
    for item in fields(event):
        value = getattr(event, item.name)
        body[item.name] = "0x" + value.hex() if isinstance(value, bytes) else value
    return body


def event_of(body: dict[str, Any]) -> ChainEvent:
    """The event of :func:`event_json`'s object."""
    event_class = ChainEvent.registry[body["event"]]
    return event_class(**{name: read(body[name]) for name, read in _readers(event_class).items()})


_READERS: dict[type[ChainEvent], dict[str, Callable[[Any], Any]]] = {}


def _readers(event_class: type[ChainEvent]) -> dict[str, Callable[[Any], Any]]:
    """How to read each field back: bytes from hex, the rest by its type (int, str, an enum)."""
    if event_class not in _READERS:
        hints = get_type_hints(event_class)
        _READERS[event_class] = {
            item.name: _hex if hints[item.name] is bytes else hints[item.name]
            for item in fields(event_class)
        }
    return _READERS[event_class]


def _hex(text: str) -> bytes:
    return bytes.fromhex(text[2:])
