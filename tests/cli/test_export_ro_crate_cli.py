"""``provgraph export ro-crate`` through click, on a real default profile of each SQL backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.cli_assertions import assert_one_line_error
from tests.tools.prov.test_rocrate import BIG, Graph, build_graph, by_identifier
from tests.tools.prov.test_rocrate_rules import Crate, profile_violations

from provgraph import orm
from provgraph.cli import output
from provgraph.cli.export import export
from provgraph.cli.export_ro_crate import ByteSize
from provgraph.config.profile import Profile


@pytest.fixture
def graph(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Graph:
    monkeypatch.setenv("COLUMNS", "200")
    return build_graph()


def run(*args: str) -> Result:
    return CliRunner().invoke(export, ["ro-crate", *args], catch_exceptions=False)


def test_all_to_a_folder(graph: Graph, tmp_path: Path) -> None:
    target = tmp_path / "crate"
    result = run(
        "--all", str(target), "--max-file-size", "50k", "--license", "https://spdx.org/licenses/CC0-1.0"
    )
    assert result.exit_code == 0, result.output
    crate = Crate.load(target)
    assert profile_violations(crate) == []
    assert set(orm.QueryBuilder().append(orm.Node, project="uuid").all(flat=True)) <= set(
        by_identifier(crate)
    )
    assert crate.root["license"] == "https://spdx.org/licenses/CC0-1.0"
    assert any(line.split()[:3] == ["processes", "6"] for line in result.output.splitlines())
    referenced = next(line for line in result.output.splitlines() if "files referenced by hash" in line)
    assert referenced.split()[-3:] == ["1", f"({len(BIG)}", "bytes)"]
    assert f"Success: wrote {target}" in result.output


def test_nodes_and_groups_to_a_zip(graph: Graph, tmp_path: Path) -> None:
    group = orm.Group("crate/inputs").store()
    group.add_nodes([graph.unrelated])
    target = tmp_path / "some.zip"
    result = run(str(target), "-N", str(graph.result.pk), graph.settings.uuid, "-G", "crate/inputs")
    assert result.exit_code == 0, result.output
    crate = Crate.load(target)
    assert profile_violations(crate) == []
    chosen = set(by_identifier(crate))
    assert {graph.result.uuid, graph.sum_calc.uuid, graph.settings.uuid, graph.unrelated.uuid} <= chosen
    assert graph.folder.uuid not in chosen
    assert graph.excepted.uuid not in chosen


def test_traversal_flags_are_followed(graph: Graph, tmp_path: Path) -> None:
    target = tmp_path / "alone"
    result = run(str(target), "-N", str(graph.result.pk), "--no-create-backward", "--no-return-backward")
    assert result.exit_code == 0, result.output
    assert set(by_identifier(Crate.load(target))) == {graph.result.uuid}


def test_progress_on_a_terminal(graph: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "stderr_is_terminal", lambda: True)
    result = run("--all", str(tmp_path / "p.zip"))
    assert result.exit_code == 0, result.output
    assert profile_violations(Crate.load(tmp_path / "p.zip")) == []
    assert "Success" in result.output


def test_existing_destination_needs_force(graph: Graph, tmp_path: Path) -> None:
    target = tmp_path / "crate.zip"
    target.write_bytes(b"not mine to lose")
    assert_one_line_error(run(str(target), "-N", str(graph.x.pk)), "already exists", "--force")
    assert target.read_bytes() == b"not mine to lose"
    result = run(str(target), "-N", str(graph.x.pk), "-f")
    assert result.exit_code == 0, result.output
    assert profile_violations(Crate.load(target)) == []


def test_nothing_chosen_is_one_line(graph: Graph, tmp_path: Path) -> None:
    assert_one_line_error(run(str(tmp_path / "crate")), "nothing to export", "--all")
    orm.Group("crate/empty").store()
    assert_one_line_error(run(str(tmp_path / "crate"), "-G", "crate/empty"), "holds no nodes")
    assert not (tmp_path / "crate").exists()


def test_missing_node_is_one_line(graph: Graph, tmp_path: Path) -> None:
    assert_one_line_error(run(str(tmp_path / "crate"), "-N", "999999"), "999999")
    assert not (tmp_path / "crate").exists()


@pytest.mark.parametrize(
    ("text", "size"), [("0", 0), ("500", 500), ("512k", 512 * 1024), ("10MB", 10 << 20), ("1GiB", 1 << 30)]
)
def test_sizes(text: str, size: int) -> None:
    assert ByteSize().convert(text, None, None) == size


def test_a_bad_size_is_a_usage_error(graph: Graph, tmp_path: Path) -> None:
    result = run(str(tmp_path / "crate"), "--all", "--max-file-size", "ten")
    assert result.exit_code == 2
    assert "'ten' is not a size" in result.output
