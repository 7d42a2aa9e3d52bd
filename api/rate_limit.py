"""Requests per key (or per client address, for anonymous writes) over a moving window."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from node.errors import NodeError


class RateLimitedError(NodeError):
    """The key sent more requests than its limit allows; retry after ``retry_after`` seconds."""

    code = "rate_limited"

    def __init__(self, limit: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"more than {limit} requests; retry in {retry_after} s")


class RateLimiter:
    """One moving window per caller, in this process's memory.

    Several API processes each count their own requests: run one per machine,
    or divide the limit by their number.
    """

    def __init__(self, limit: str) -> None:
        self._text = limit
        self._item: RateLimitItem = parse(limit)
        self._storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)

    def hit(self, caller: str) -> None:
        """Count a request of ``caller``; RateLimitedError when it is over the limit."""
        if not self._limiter.hit(self._item, caller):
            reset = self._limiter.get_window_stats(self._item, caller).reset_time
            raise RateLimitedError(self._text, max(1, math.ceil(reset - time.time())))
