"""The explorer in a real browser: Debian's Chromium, driven by Playwright, against a real
``provgraph explore`` process on 127.0.0.1, as a user would walk it.

Required where ``PROVGRAPH_REQUIRE_BROWSER=1`` (.ci/run; scripts/test installs chromium with
apt-get), skipped with the reason otherwise. Every page's screenshot is saved under the test's
own folder (``tmp_path``), for a person to look at when a step fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web.explorer_graph import PNG, XSS_LABEL
from tests.web.test_explore_cli import _fetch, _free_port

from provgraph import orm
from provgraph.common.links import LinkType
from provgraph.config.profile import Profile
from provgraph.provenance.example import record_example_workflow

_ENTRY = "from provgraph.cli.entry import main; main()"
_CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
#: Chromium talks to 127.0.0.1 only: no background services, and no host name resolves.
LOCAL_ONLY = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def _chromium() -> str:
    """Debian's chromium, and Playwright to drive it; required in CI, else a skip that says why."""
    found = next((path for path in _CHROMIUM if Path(path).is_file()), shutil.which("chromium"))
    problem = None
    if found is None:
        problem = "no chromium (apt-get install chromium; scripts/test installs it)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "no playwright (pip install playwright: the test extra has it)"
    if problem is None:
        assert found is not None
        return found
    if os.environ.get("PROVGRAPH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"the browser tests are required (PROVGRAPH_REQUIRE_BROWSER=1): {problem}")
    pytest.skip(problem)


@pytest.fixture
def server(registered_profile: Profile) -> Iterator[tuple[str, dict[str, int]]]:
    """``provgraph explore`` on a free port over the quickstart workflow, a node with files and an
    XSS probe; stopped with Ctrl-C (SIGINT) afterwards."""
    workflow = record_example_workflow()
    folder = orm.FolderData()
    folder.base.repository.put_object_from_bytes(b"hello from the browser test\n", "notes/readme.txt")
    folder.base.repository.put_object_from_bytes(PNG, "plot.png")
    folder.label = "files"
    folder.store()
    probe = orm.Int(424242)
    probe.label = XSS_LABEL
    probe.store()
    port = _free_port()
    child = subprocess.Popen(
        [sys.executable, "-c", _ENTRY, "explore", "--port", str(port), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _fetch(url + "/", time.monotonic() + 60)
        mean = workflow.base.links.get_outgoing(link_label_filter="mean").one().node
        creator = mean.base.links.get_incoming(link_type=LinkType.CREATE).one().node
        known = {
            "workflow": workflow.pk,
            "files": folder.pk,
            "probe": probe.pk,
            "mean": mean.pk,
            "creator": creator.pk,
        }
        yield url, known  # type: ignore[misc]
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()


def _zoom_and_reset(page: Any) -> None:
    """The mouse wheel zooms the picture (static/graph.js), a double click shows all of it again."""
    picture = page.locator(".graph svg")
    before = picture.get_attribute("viewBox")
    picture.hover()
    page.mouse.wheel(0, -300)
    page.wait_for_function(f"document.querySelector('.graph svg').getAttribute('viewBox') !== {before!r}")
    page.dblclick(".graph svg", position={"x": 2, "y": 2})
    after = picture.get_attribute("viewBox")
    assert before is not None
    assert after is not None
    assert [float(part) for part in after.split()] == [float(part) for part in before.split()]


def _search_with_two_wheres(page: Any, url: str, probe: int) -> None:
    """Two where expressions through the search form (no script): each search adds an empty input."""
    page.goto(url + "/search")
    page.fill("input[name=where]", "attributes.value>424241")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.locator("input[name=where]").last.fill("attributes.value<424243")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("input[name=where]").count() == 3
    assert page.locator(f"a[href='/node/{probe}']").count() == 1


def test_a_user_walks_the_explorer_in_chromium(server: tuple[str, dict[str, int]], tmp_path: Path) -> None:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    url, pks = server
    dialogs: list[str] = []
    shots = tmp_path / "screenshots"
    shots.mkdir()

    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable, headless=True, args=LOCAL_ONLY)
        try:
            page = browser.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(url + "/")
            assert "Nodes by type" in page.content()
            shot(page, "1-home")

            # search for a node by attribute: the probe's value
            page.goto(url + "/search?attr=value&value=424242")
            shot(page, "2-search")
            _search_with_two_wheres(page, url, pks["probe"])
            page.click(f"a[href='/node/{pks['probe']}']")
            page.wait_for_url(f"{url}/node/{pks['probe']}")
            assert page.get_by_text(XSS_LABEL).first.is_visible()  # the script tag shows as text
            shot(page, "3-probe")

            # from the workflow to what it returned, then to the calculation that created it
            page.goto(url + f"/node/{pks['workflow']}")
            page.click(f"a[href='/node/{pks['mean']}']")
            page.wait_for_url(f"{url}/node/{pks['mean']}")
            page.click(f"a[href='/node/{pks['creator']}']")
            page.wait_for_url(f"{url}/node/{pks['creator']}")
            assert "summarise" in page.content()
            shot(page, "4-creator")

            # the graph around the workflow; click a node of the picture
            page.goto(url + f"/node/{pks['workflow']}/graph?ancestors=1&descendants=2")
            picture = page.locator(".graph svg")
            assert picture.is_visible()
            shot(page, "5-graph")
            _zoom_and_reset(page)
            page.locator("svg a").first.click()
            page.wait_for_load_state()
            assert "/node/" in page.url
            assert "/graph" not in page.url
            shot(page, "6-graph-click")

            # a file preview
            page.goto(url + f"/node/{pks['files']}")
            page.click("a:has-text('readme.txt')")
            page.wait_for_load_state()
            assert page.get_by_text("hello from the browser test").first.is_visible()
            shot(page, "7-preview")
        finally:
            browser.close()
    assert dialogs == []  # no script ran: the probe's alert never opened
    assert len(list(shots.glob("*.png"))) == 7
