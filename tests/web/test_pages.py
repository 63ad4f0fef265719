"""Every page of the explorer over a small graph: content, paging, errors, escaping."""

from __future__ import annotations

import pytest
from starlette.exceptions import HTTPException
from tests.web.explorer_graph import XSS_LABEL, Explored

from provgraph import orm
from provgraph.web.files import checked_path


def test_home_counts_nodes_by_type(explored: Explored) -> None:
    page = explored.client.get("/")
    assert page.status_code == 200
    assert "data.core.int.Int." in page.text
    assert 'href="/search?type=data.core.int.Int.' in page.text
    assert page.headers["content-security-policy"]


def test_node_page_shows_properties_links_and_files(explored: Explored) -> None:
    page = explored.client.get(f"/node/{explored.workflow}")
    assert page.status_code == 200
    assert "process.workflow.workfunction.WorkFunctionNode." in page.text
    assert "<details" in page.text
    assert "call_calc" in page.text
    assert "input_work" in page.text
    files = explored.client.get(f"/node/{explored.files}").text
    assert "notes/readme.txt" in files
    assert f"/node/{explored.files}/file/plot.png" in files


def test_node_by_uuid(explored: Explored) -> None:
    uuid = orm.load_node(explored.xss).uuid
    assert explored.client.get(f"/node/{uuid}").status_code == 200


def test_xss_label_renders_as_text(explored: Explored) -> None:
    for url in (f"/node/{explored.xss}", "/search?label=script", f"/node/{explored.xss}/graph"):
        page = explored.client.get(url)
        assert page.status_code == 200, url
        assert XSS_LABEL not in page.text, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text, url


def test_unknown_node_and_group_are_404(explored: Explored) -> None:
    page = explored.client.get("/node/999999")
    assert page.status_code == 404
    assert "There is no node with pk or UUID &#39;999999&#39;." in page.text
    assert explored.client.get("/group/nothing").status_code == 404
    assert explored.client.get("/nowhere").status_code == 404


def test_bad_parameters_are_400(explored: Explored) -> None:
    for url in (
        "/search?value=5",
        "/search?attr=value&value=five",
        "/search?since=the-day-before",
        "/search?where=attributes.value%20%3E%3E%202",
        "/search?type=NoSuchType",
        "/search?type=%3Cx%3E",
        "/processes?state=sleeping",
        "/groups?page=0",
        f"/node/{explored.workflow}/graph?ancestors=-1",
    ):
        page = explored.client.get(url)
        assert page.status_code == 400, url
        assert '<p class="error">' in page.text, url


def test_search_by_type_label_and_attribute(explored: Explored) -> None:
    page = explored.client.get("/search?type=data.core.int.&attr=value&value=7")
    assert page.status_code == 200
    assert f'href="/node/{explored.xss}"' in page.text
    text = explored.client.get('/search?attr=value&value="7"').text
    assert f'href="/node/{explored.xss}"' not in text
    since = explored.client.get("/search?since=2000-01-01&until=2999-01-01&label=files").text
    assert f'href="/node/{explored.files}"' in since


def test_search_reads_the_command_lines_filter_language(explored: Explored) -> None:
    """type as `node list --type` reads it, where as `--where`, times as `ctime>-3d`."""
    for type_name in ("Int", "orm.Int", "core.int", "data.core.int.Int."):
        page = explored.client.get(f"/search?type={type_name}&where=attributes.value%3E6")
        assert page.status_code == 200, type_name
        assert f'href="/node/{explored.xss}"' in page.text, type_name
    assert (
        f'href="/node/{explored.xss}"' not in explored.client.get("/search?where=attributes.value%3E7").text
    )
    recent = explored.client.get("/search?type=Int&since=-1d").text
    assert f'href="/node/{explored.xss}"' in recent
    assert f'href="/node/{explored.xss}"' not in explored.client.get("/search?type=Int&until=-1d").text
    wrong = explored.client.get("/search?where=attributes.value%20%3E%3E%202")
    assert "at position" in wrong.text
    unknown = explored.client.get("/search?type=Itn")
    assert "did you mean" in unknown.text.lower()


def test_search_pages_by_fifty(explored: Explored) -> None:
    for value in range(60):
        orm.Int(value).store()
    first = explored.client.get("/search?type=data.core.int.").text
    assert first.count('<tr><td><a href="/node/') == 50
    assert "page=2" in first
    assert "next page" in first
    second = explored.client.get("/search?type=data.core.int.&page=2").text
    assert 0 < second.count('<tr><td><a href="/node/') < 50
    assert "next page" not in second


def test_processes_show_state_and_filter(explored: Explored) -> None:
    page = explored.client.get("/processes")
    assert page.status_code == 200
    assert "Finished [0]" in page.text
    assert "Finished [0]" not in explored.client.get("/processes?state=killed").text


def test_groups_and_members(explored: Explored) -> None:
    page = explored.client.get("/groups")
    assert "results/&lt;b&gt;1&lt;/b&gt;" in page.text
    members = explored.client.get("/group/results/<b>1</b>")
    assert members.status_code == 200
    assert f'href="/node/{explored.files}"' in members.text


def test_text_preview_image_and_download(explored: Explored) -> None:
    preview = explored.client.get(f"/node/{explored.files}/preview/notes/readme.txt")
    assert preview.status_code == 200
    assert "hello &lt;b&gt;world&lt;/b&gt;" in preview.text
    image = explored.client.get(f"/node/{explored.files}/preview/plot.png").text
    assert f'<img src="/node/{explored.files}/file/plot.png?inline=1"' in image
    inline = explored.client.get(f"/node/{explored.files}/file/plot.png?inline=1")
    assert inline.headers["content-type"] == "image/png"
    download = explored.client.get(f"/node/{explored.files}/file/notes/readme.txt")
    assert download.status_code == 200
    assert download.content == b"hello <b>world</b>\n"
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["content-type"] == "application/octet-stream"
    assert "not text" in explored.client.get(f"/node/{explored.files}/preview/data.bin").text


def test_file_paths_stay_inside_the_repository(explored: Explored) -> None:
    base = f"/node/{explored.files}"
    # httpx removes a literal "/../" before sending; the encoded forms reach the server
    assert explored.client.get(f"{base}/file/notes/%2E%2E/plot.png").status_code == 400
    assert explored.client.get(f"{base}/file/notes%2F..%2Fplot.png").status_code == 400
    node = orm.load_node(explored.files)
    for path in ("../plot.png", "/plot.png", "notes//readme.txt", "notes/./readme.txt", "notes\\readme.txt"):
        with pytest.raises(HTTPException) as refused:
            checked_path(node, path)
        assert refused.value.status_code == 400, path
    assert explored.client.get(f"{base}/file/missing.txt").status_code == 404
    assert explored.client.get(f"{base}/file/notes").status_code == 400


def test_graph_links_nodes_to_their_pages(explored: Explored) -> None:
    page = explored.client.get(f"/node/{explored.workflow}/graph?ancestors=1&descendants=2")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert f'href="/node/{explored.workflow}"' in page.text
    folded = explored.client.get(f"/node/{explored.workflow}/graph?descendants=3&fold=1").text
    assert "folded" in folded


def test_home_shows_the_repository_sizes_when_asked(explored: Explored) -> None:
    home = explored.client.get("/").text
    assert "Size (MB)" not in home
    assert 'href="/?sizes=1"' in home
    sized = explored.client.get("/?sizes=1").text
    assert "Size (MB)" in sized
    assert "total_size_loose" in sized
