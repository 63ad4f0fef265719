"""``/search`` with several ``where`` expressions: ANDed, each one checked, kept in the form and paging."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from tests.web.explorer_graph import Explored

from provgraph import orm


def _pks(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'<tr><td><a href="/node/(\d+)">', html)}


def _where_inputs(html: str) -> list[str]:
    return re.findall(r'<input name="where" value="([^"]*)"', html)


def test_repeated_where_expressions_are_anded(explored: Explored) -> None:
    ints = {value: orm.Int(value) for value in range(10, 16)}
    for value, node in ints.items():
        node.base.extras.set("tag", "x" if value % 2 else "y")
        node.store()
    one = explored.client.get("/search?type=Int&where=attributes.value%3E11")
    assert one.status_code == 200
    assert _pks(one.text) == {ints[value].pk for value in (12, 13, 14, 15)}
    two = explored.client.get(
        "/search?type=Int&where=attributes.value%3E11&where=attributes.value%3C15&where=extras.tag%3D%3D%22x%22"
    )
    assert two.status_code == 200
    assert _pks(two.text) == {ints[13].pk}
    same_field = explored.client.get("/search?where=attributes.value%3E%3D12&where=attributes.value%3C%3D12")
    assert _pks(same_field.text) == {ints[12].pk}


def test_a_bad_expression_is_a_400_that_names_it(explored: Explored) -> None:
    page = explored.client.get("/search?where=attributes.value%3E2&where=attributes.value%20%3E%3E%202")
    assert page.status_code == 400
    assert "cannot read where &#39;attributes.value &gt;&gt; 2&#39; at position" in page.text
    assert "&#39;attributes.value&gt;2&#39;" not in page.text


def test_the_form_has_an_input_per_expression_and_one_empty(explored: Explored) -> None:
    assert _where_inputs(explored.client.get("/search").text) == [""]
    page = explored.client.get(
        "/search?where=attributes.value%3E2&where=&where=label%20like%20%22%3Cb%3E%25%22"
    ).text
    assert _where_inputs(page) == ["attributes.value&gt;2", "label like &#34;&lt;b&gt;%&#34;", ""]


def test_paging_links_keep_every_expression(explored: Explored) -> None:
    for value in range(100, 160):
        orm.Int(value).store()
    wheres = ["attributes.value>=100", "attributes.value<200"]
    first = explored.client.get("/search", params={"type": "Int", "where": wheres})
    assert len(_pks(first.text)) == 50
    link = re.search(r'<a rel="next" href="([^"]+)"', first.text)
    assert link is not None
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    # a search on values goes on below the last pk shown (pages of a scan within a time budget)
    assert query == {"type": ["Int"], "where": wheres, "before": [str(min(_pks(first.text)))]}
    second = explored.client.get("/search", params=query)
    assert len(_pks(second.text)) == 10
    assert _pks(first.text).isdisjoint(_pks(second.text))
    newest = re.search(r'<a href="([^"]+)">newest</a>', second.text)
    assert newest is not None
    back = parse_qs(urlsplit(newest.group(1).replace("&amp;", "&")).query)
    assert back == {"type": ["Int"], "where": wheres}
