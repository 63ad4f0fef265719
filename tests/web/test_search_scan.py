"""A search on values reads the nodes window by window within a time budget, and goes on below.

On a million nodes a value no index serves takes longer to find than a page may take; the search
answers with what it found in its budget and a link to search older nodes. These tests shrink the
windows and the budget so that a handful of nodes spans many of them.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.web.explorer_graph import Explored

from provgraph import orm
from provgraph.manager import get_manager
from provgraph.web import search

_NEXT = re.compile(r'<a rel="next" href="([^"]+)">search older nodes</a>')


def _pks(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr><td><a href="/node/(\d+)">', html)]


@pytest.fixture
def tagged(explored: Explored) -> list[int]:
    """Sixty Ints, every fifth tagged: the search finds twelve among many windows."""
    nodes = [orm.Int(value) for value in range(60)]
    for node in nodes[::5]:
        node.base.extras.set("pick", True)
    orm.store_many(nodes)
    return sorted((node.pk for node in nodes[::5] if node.pk is not None), reverse=True)


def test_every_match_is_found_by_going_on_below(
    explored: Explored, tagged: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "_FIRST_WINDOW", 4)
    monkeypatch.setattr(search, "SCAN_BUDGET_SECONDS", 0.0)  # one window per request
    url: str | None = "/search?" + "type=Int&where=extras.pick%3D%3Dtrue"
    found: list[int] = []
    requests = 0
    while url is not None:
        page = explored.client.get(url)
        assert page.status_code == 200, page.text
        found += _pks(page.text)
        requests += 1
        link = _NEXT.search(page.text)
        url = None if link is None else "/search" + link.group(1).replace("&amp;", "&")
        if url is not None:
            assert "makes such a search an index lookup" in page.text or len(_pks(page.text)) == 50
    assert found == tagged  # newest first, each once, none missed
    assert requests > 10  # it did go window by window
    assert "all of them" in page.text


def test_a_budget_large_enough_answers_in_one_page(explored: Explored, tagged: list[int]) -> None:
    page = explored.client.get("/search", params={"type": "Int", "where": "extras.pick==true"})
    assert _pks(page.text) == tagged
    assert _NEXT.search(page.text) is None
    assert "the newest nodes, all of them" in page.text


def test_a_full_page_goes_on_below_its_last_row(explored: Explored) -> None:
    orm.store_many([orm.Int(1000 + value) for value in range(70)])
    first = explored.client.get("/search", params={"type": "Int", "where": "attributes.value>=1000"})
    shown = _pks(first.text)
    assert len(shown) == 50
    link = _NEXT.search(first.text)
    assert link is not None
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query["before"] == [str(shown[-1])]
    second = explored.client.get("/search", params=query)
    assert len(_pks(second.text)) == 20
    assert set(shown).isdisjoint(_pks(second.text))


def test_a_declared_index_serves_the_search(explored: Explored) -> None:
    storage = get_manager().get_profile_storage()
    orm.store_many([orm.Int(5000 + value) for value in range(30)])
    storage.indexes.add("attributes.value", value_type="int")
    page = explored.client.get("/search", params={"type": "Int", "attr": "value", "value": "5007"})
    assert len(_pks(page.text)) == 1


@pytest.mark.parametrize("before", ["-1", "x", "1.5", str(2**64)])
def test_a_bad_before_is_a_400(explored: Explored, before: str) -> None:
    page = explored.client.get("/search", params={"where": "attributes.value>1", "before": before})
    assert page.status_code == 400
    assert "before must be a node pk" in page.text
