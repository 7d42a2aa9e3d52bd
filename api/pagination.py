"""Every list is paged: ``limit`` and ``offset`` in, the page and where the next starts out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

MAX_LIMIT = 100


@dataclass(frozen=True)
class PageRequest:
    """One page of a list."""

    limit: int
    offset: int


def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")] = 0,
) -> PageRequest:
    return PageRequest(limit, offset)


PageDep = Annotated[PageRequest, Depends(page_request)]


S = TypeVar("S")
T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A page of items; ``next_offset`` is null on the last page."""

    items: list[T]
    limit: int
    offset: int
    next_offset: int | None


def paged(
    page: PageRequest, fetch: Callable[[int, int], Sequence[S]], view: Callable[[S], T]
) -> Page[T]:
    """The page ``fetch(limit, offset)`` gives, read one item further to know if more follow."""
    found = fetch(page.limit + 1, page.offset)
    more = len(found) > page.limit
    return Page[T](
        items=[view(item) for item in found[: page.limit]],
        limit=page.limit,
        offset=page.offset,
        next_offset=page.offset + page.limit if more else None,
    )
