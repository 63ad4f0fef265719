"""Query-description vertices written by hand, for the compiler tests (docs/querybuilder.md)."""

from __future__ import annotations

from typing import Any


def vertex(
    tag: str,
    base: str = "node",
    keyword: str | None = None,
    joined: str | None = None,
    *,
    edge: str | None = None,
    outer: bool = False,
) -> dict[str, Any]:
    """One path vertex: ``tag`` of ORM base ``base``, joined to ``joined`` by ``keyword``."""
    return {
        "entity_type": "",
        "orm_base": base,
        "tag": tag,
        "joining_keyword": keyword,
        "joining_value": joined,
        "edge_tag": edge,
        "outerjoin": outer,
    }
