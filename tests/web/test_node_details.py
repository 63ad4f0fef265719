"""The node page's notes and link paging, and the graph's refusals (too large, no graphviz)."""

from __future__ import annotations

import importlib
from datetime import datetime, timezone

import pytest
from tests.web.explorer_graph import XSS_LABEL, Explored

from provgraph import orm
from provgraph.web import graph_view


def test_comments_and_logs_are_shown_escaped(explored: Explored) -> None:
    node = orm.load_node(explored.workflow)
    node.base.comments.add(f"checked {XSS_LABEL}")
    orm.Log(
        datetime.now(timezone.utc), "provgraph.test", "WARNING", message="step two was slow", node=node
    ).store()
    page = explored.client.get(f"/node/{explored.workflow}").text
    assert "checked &lt;script&gt;" in page
    assert "WARNING" in page
    assert "step two was slow" in page


def test_links_are_paged_by_fifty(explored: Explored) -> None:
    source = orm.load_node(explored.xss)
    for value in range(55):
        calculation = orm.CalcFunctionNode()
        calculation.base.links.add_incoming(source, orm.LinkType.INPUT_CALC, f"x{value}")
        calculation.store()
    first = explored.client.get(f"/node/{explored.xss}").text
    assert first.count('<li><a href="/node/') == 50
    assert "?page=2" in first
    second = explored.client.get(f"/node/{explored.xss}?page=2").text
    assert second.count('<li><a href="/node/') == 5


def test_a_graph_too_large_is_refused_with_the_limit(
    explored: Explored, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graph_view, "MAX_NODES", 2)
    page = explored.client.get(f"/node/{explored.workflow}/graph?ancestors=2&descendants=2")
    assert page.status_code == 200
    assert "too large" in page.text or "more than 2" in page.text
    assert "<svg" not in page.text


def test_without_dot_the_dot_text_is_shown(explored: Explored, monkeypatch: pytest.MonkeyPatch) -> None:
    render_module = importlib.import_module("provgraph.tools.visualization.render")
    monkeypatch.setattr(render_module.shutil, "which", lambda name: None)
    page = explored.client.get(f"/node/{explored.workflow}/graph")
    assert page.status_code == 200
    assert "dot program" in page.text
    assert f"N{explored.workflow} [" in page.text
