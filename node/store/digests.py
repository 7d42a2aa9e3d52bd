"""The hash-chain origin of the store's event log."""

from __future__ import annotations

ZERO_HASH = bytes(32)
"""The ``prev_hash`` of the first event-log entry."""
