"""Solidity names to Python names."""

from __future__ import annotations

import re


def snake_case(name: str) -> str:
    """``recordDigest`` → ``record_digest``; already snake_case names pass unchanged."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
