"""The hash chain of the event log: how an entry's hash is made and how a chain is checked.

``hash = keccak256(prev_hash || JCS({seq, at, actor, action, subject, details}))``
with ``at`` in ISO 8601 UTC and ``prev_hash`` of the first entry 32 zero bytes.
Pure functions, shared by the SQL event log and its in-memory fake.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from node.documents.canonical import canonical_json, keccak256
from node.domain.frozen_json import JsonValue, freeze_mapping, thaw
from node.store.digests import ZERO_HASH
from node.store.records import EventEntry


def plain_details(details: Mapping[str, object]) -> dict[str, JsonValue]:
    """A deep, plain-dict copy of ``details``; TypeError when a value is not JSON-like."""
    plain = thaw(freeze_mapping(details))
    assert isinstance(plain, dict)
    return plain


def entry_hash(
    prev_hash: bytes,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, JsonValue],
) -> bytes:
    """The hash of one entry chained to ``prev_hash``."""
    body: dict[str, JsonValue] = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(),
        "actor": actor,
        "action": action,
        "subject": subject,
        "details": details,
    }
    return keccak256(prev_hash + canonical_json(body))


def first_break(entries: Iterable[EventEntry], anchored: Mapping[int, bytes]) -> int | None:
    """The first seq at which the chain of ``entries`` (in seq order) is broken, or None.

    Broken means: a seq missing from 1, 2, 3, ... (the missing seq is returned),
    an entry whose ``prev_hash`` is not its predecessor's hash, an entry whose
    hash does not match its content, or an entry whose hash differs from the
    one recorded when the head was anchored. A head anchor past the last entry
    means the tail was cut off; the first missing seq is returned.
    """
    expected = 1
    previous = ZERO_HASH
    for entry in entries:
        if entry.seq != expected:
            return expected
        recomputed = entry_hash(
            entry.prev_hash,
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.subject,
            entry.details,
        )
        if entry.prev_hash != previous or entry.hash != recomputed:
            return entry.seq
        if anchored.get(entry.seq, entry.hash) != entry.hash:
            return entry.seq
        previous = entry.hash
        expected += 1
    if any(seq >= expected for seq in anchored):
        return expected
    return None
