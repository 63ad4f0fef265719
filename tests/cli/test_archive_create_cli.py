"""``provgraph archive create`` through click, on a real default profile of each SQL backend."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from tests.cli_assertions import assert_one_line_error
from tests.tools.archive.archive_graph import ArchiveGraph, build_graph, read_archive

from provgraph import orm
from provgraph.cli import output
from provgraph.cli.archive_create import create
from provgraph.cli.context import ProvgraphGroup
from provgraph.config.profile import Profile


@click.group(cls=ProvgraphGroup)
def archive() -> None:
    """The archive group as the lead registers it (the command is added to ``provgraph archive``)."""


archive.add_command(create)


@pytest.fixture
def graph(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> ArchiveGraph:
    monkeypatch.setenv("COLUMNS", "200")
    return build_graph()


@pytest.fixture
def out(tmp_path: Path) -> Path:
    path = tmp_path / "archives"
    path.mkdir()
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(archive, ["create", *args], catch_exceptions=False)


def uuids(path: Path, workdir: Path) -> set[str]:
    return read_archive(path, workdir).column("db_dbnode", "uuid")


def test_all(graph: ArchiveGraph, out: Path) -> None:
    target = out / "all.aiida"
    result = run("--all", str(target))
    assert result.exit_code == 0, result.output
    contents = read_archive(target, out / "read")
    assert contents.count("db_dbnode") == orm.QueryBuilder().append(orm.Node).count()
    assert contents.metadata["creation_parameters"]["entities_starting_set"] is None
    lines = result.output.splitlines()
    assert lines[0].split() == ["entity", "count"]
    assert any(line.split()[:2] == ["nodes", str(contents.count("db_dbnode"))] for line in lines)
    assert "repository objects" in result.output
    assert f"Success: wrote {target}" in result.output


def test_choosing_entities(graph: ArchiveGraph, out: Path) -> None:
    target = out / "some.aiida"
    result = run(
        str(target),
        "-N",
        str(graph.x.pk),
        graph.y.uuid,
        "-G",
        "archive/results",
        "-X",
        "bash@archive-computer",
        "-Y",
        "archive-computer",
        "--no-create-backward",
        "--exclude-comments",
        "--exclude-logs",
    )
    assert result.exit_code == 0, result.output
    contents = read_archive(target, out / "read")
    assert contents.column("db_dbnode", "uuid") == {
        graph.x.uuid,
        graph.y.uuid,
        graph.result.uuid,
        graph.summary.uuid,
        graph.code.uuid,
    }
    assert contents.count("db_dbcomment") == 0
    assert contents.count("db_dblog") == 0
    parameters = contents.metadata["creation_parameters"]
    assert parameters["graph_traversal_rules"]["create_backward"] is False
    assert sorted(parameters["entities_starting_set"]) == ["computer", "group", "node"]
    assert len(parameters["entities_starting_set"]["node"]) == 3


def test_codes_by_pk_and_label(graph: ArchiveGraph, out: Path) -> None:
    assert run(str(out / "a.aiida"), "-X", str(graph.code.pk)).exit_code == 0
    assert uuids(out / "a.aiida", out / "a") == {graph.code.uuid}
    assert run(str(out / "b.aiida"), "-X", "bash").exit_code == 0
    assert uuids(out / "b.aiida", out / "b") == {graph.code.uuid}
    assert_one_line_error(run(str(out / "c.aiida"), "-X", "nocode"), "no code", "'nocode'")
    assert_one_line_error(run(str(out / "c.aiida"), "-X", str(graph.x.pk)), "not one of: AbstractCode")


def test_defaults_are_verdis(graph: ArchiveGraph, out: Path) -> None:
    target = out / "d.aiida"
    assert run(str(target), "-N", str(graph.sum_calc.pk)).exit_code == 0
    contents = read_archive(target, out / "read")
    parameters = contents.metadata["creation_parameters"]
    assert (parameters["include_comments"], parameters["include_logs"], parameters["include_authinfos"]) == (
        True,
        True,
        False,
    )
    assert parameters["graph_traversal_rules"] == {
        "input_calc_forward": False,
        "input_calc_backward": True,
        "create_forward": True,
        "create_backward": True,
        "return_forward": True,
        "return_backward": False,
        "input_work_forward": False,
        "input_work_backward": True,
        "call_calc_forward": True,
        "call_calc_backward": True,
        "call_work_forward": True,
        "call_work_backward": True,
    }
    assert contents.metadata["compression"] == 6
    assert graph.workflow.uuid in contents.column("db_dbnode", "uuid")
    toggled = out / "t.aiida"
    result = run(
        str(toggled),
        "-N",
        str(graph.text.pk),
        "--input-calc-forward",
        "--input-work-forward",
        "--return-backward",
        "--no-call-calc-backward",
        "--no-call-work-backward",
        "--include-authinfos",
        "--compress",
        "0",
        "-b",
        "2",
    )
    assert result.exit_code == 0, result.output
    contents = read_archive(toggled, out / "toggled")
    rules = contents.metadata["creation_parameters"]["graph_traversal_rules"]
    assert [rules[name] for name in ("input_calc_forward", "input_work_forward", "return_backward")] == [
        True
    ] * 3
    assert [rules[name] for name in ("call_calc_backward", "call_work_backward")] == [False, False]
    assert contents.metadata["creation_parameters"]["include_authinfos"] is True
    assert {graph.summary.uuid, graph.folder.uuid} <= contents.column("db_dbnode", "uuid")
    with zipfile.ZipFile(toggled) as written:
        assert {info.compress_type for info in written.infolist()} == {zipfile.ZIP_STORED}


def test_nothing_chosen_is_an_error(graph: ArchiveGraph, out: Path) -> None:
    assert_one_line_error(run(str(out / "x.aiida")), "nothing to archive", "--all")
    assert list(out.iterdir()) == []


def test_existing_file_needs_force(graph: ArchiveGraph, out: Path) -> None:
    target = out / "x.aiida"
    target.write_text("keep me")
    assert_one_line_error(run("--all", str(target)), "already exists", "--force")
    assert target.read_text() == "keep me"
    assert run("--all", "-f", str(target)).exit_code == 0
    assert zipfile.is_zipfile(target)


def test_unsealed_process_is_one_line(graph: ArchiveGraph, out: Path) -> None:
    running = orm.WorkflowNode().store()
    assert_one_line_error(run("-a", str(out / "x.aiida")), "must be sealed", str(running.pk))
    assert list(out.iterdir()) == []


def test_unknown_entities_are_one_line(graph: ArchiveGraph, out: Path) -> None:
    assert_one_line_error(run(str(out / "x.aiida"), "-N", "999999"), "999999")
    assert_one_line_error(run(str(out / "x.aiida"), "-G", "no-such-group"), "no-such-group")


def test_dry_run(graph: ArchiveGraph, out: Path) -> None:
    result = run("--all", "--dry-run", str(out / "x.aiida"))
    assert result.exit_code == 0, result.output
    assert list(out.iterdir()) == []
    assert "Dry run: nothing written" in result.output
    assert "repository objects" in result.output
    assert "archive bytes" not in result.output


def test_repeated_and_multiple_values(graph: ArchiveGraph, out: Path) -> None:
    target = out / "m.aiida"
    result = run("-N", str(graph.x.pk), "-N", str(graph.y.pk), str(graph.z.pk), "--", str(target))
    assert result.exit_code == 0, result.output
    assert uuids(target, out / "read") == {graph.x.uuid, graph.y.uuid, graph.z.uuid}
    metadata = json.loads(zipfile.ZipFile(target).read("metadata.json"))
    assert len(metadata["creation_parameters"]["entities_starting_set"]["node"]) == 3


def test_help_lists_verdis_options(graph: ArchiveGraph) -> None:
    result = CliRunner().invoke(archive, ["create", "--help"])
    assert result.exit_code == 0
    for option in (
        "--all",
        "--nodes",
        "--groups",
        "--codes",
        "--computers",
        "--input-calc-forward / --no-input-calc-forward",
        "--input-work-forward",
        "--create-backward",
        "--return-backward",
        "--call-calc-backward",
        "--call-work-backward",
        "--include-comments / --exclude-comments",
        "--include-logs",
        "--include-authinfos",
        "--compress",
        "--batch-size",
        "--dry-run",
        "--force",
    ):
        assert option in result.output, option


def test_progress_on_a_terminal(graph: ArchiveGraph, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "stderr_is_terminal", lambda: True)
    result = run("--all", str(out / "p.aiida"))
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(out / "p.aiida")
    assert "Success" in result.output
