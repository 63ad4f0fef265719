"""Pages of query results: 50 rows at a time, read with LIMIT/OFFSET, never the whole result."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException

from provgraph.orm import QueryBuilder

__all__ = ["PAGE_SIZE", "Page", "fetch_page", "page_number"]

PAGE_SIZE = 50
_MAX_PAGE = 10_000_000


@dataclass(frozen=True, slots=True)
class Page:
    """One page of rows (plain dicts) and whether another page follows."""

    number: int
    rows: list[dict[str, Any]]
    has_next: bool


def page_number(params: Mapping[str, str]) -> int:
    """The ``?page=N`` of a request (1 when absent); a 400 for anything but a positive integer."""
    raw = params.get("page", "1").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= _MAX_PAGE:
        raise HTTPException(400, f"page must be a whole number from 1 to {_MAX_PAGE}, not {raw!r}.")
    return int(raw)


def fetch_page(
    query: QueryBuilder,
    number: int,
    columns: Sequence[str],
    convert: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Page:
    """Rows ``(number - 1) * 50`` to ``number * 50`` of ``query``, keyed by ``columns``.

    One row more than a page is read to know whether a next page exists without counting.
    """
    query.offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    rows = [dict(zip(columns, row, strict=True)) for row in query.all()]
    if convert is not None:
        rows = [convert(row) for row in rows]
    return Page(number=number, rows=rows[:PAGE_SIZE], has_next=len(rows) > PAGE_SIZE)
