"""``provgraph node ...`` on real storages of both SQL backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provgraph.cli.node import node
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.process import CalcFunctionNode
from provgraph.storage import EntityTypes


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(node, list(args), input=input)


@pytest.fixture
def registered(registered_profile: Profile) -> Profile:
    """The loaded test profile (see ``registered_profile`` in tests/conftest.py)."""
    return registered_profile


def _graph() -> tuple[Data, CalcFunctionNode, Data]:
    source = Data(label="input").store()
    calc = CalcFunctionNode(label="calc")
    calc.base.links.add_incoming(source, LinkType.INPUT_CALC, "x")
    calc.store()
    out = Data(label="output")
    out.base.links.add_incoming(calc, LinkType.CREATE, "result")
    out.base.attributes.set("value", {"a": [1, 2]})
    out.base.extras.set("tag", "ünï")
    out.base.repository.put_object_from_bytes(b"\x00\x01binary", "sub/blob.bin")
    out.base.repository.put_object_from_bytes(b"hello", "hello.txt")
    return source, calc, out.store()


def test_show(registered: Profile) -> None:
    source, calc, out = _graph()
    result = run("show", str(calc.pk))
    assert result.exit_code == 0, result.output
    assert "CalcFunctionNode" in result.output
    assert calc.uuid in result.output
    assert "Incoming links:" in result.output
    assert "input_calc" in result.output
    assert "create" in result.output
    assert registered.default_user_email in result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    assert lines["pk"].split()[1] == str(calc.pk)
    result = run("show", out.uuid[:12], source.uuid)
    assert result.exit_code == 0, result.output
    assert "Outgoing links: none" in result.output
    assert result.output.count("Property") == 2


def test_show_errors(registered: Profile) -> None:
    result = run("show", "999999")
    assert result.exit_code == 1
    assert result.output.startswith("Error: no Node with pk")
    backend = get_manager().get_profile_storage()
    user_id = backend.get_rows(EntityTypes.USER)[0]["id"]
    uuids = ["0123abcd-0000-4000-8000-000000000001", "0123abcd-0000-4000-8000-000000000002"]
    backend.bulk_insert(
        EntityTypes.NODE,
        [{"uuid": u, "node_type": "data.Data.", "user_id": user_id} for u in uuids],
        allow_defaults=True,
    )
    result = run("show", "0123abcd")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1  # one line
    assert all(u in result.output for u in uuids)


def test_attributes_and_extras(registered: Profile) -> None:
    *_, out = _graph()
    result = run("attributes", str(out.pk))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"value": {"a": [1, 2]}}
    result = run("extras", out.uuid)
    assert json.loads(result.output) == {"tag": "ünï", "_aiida_hash": out.base.caching.get_hash()}
    result = run("attributes", str(out.pk), "-k", "value")
    assert json.loads(result.output) == {"value": {"a": [1, 2]}}
    result = run("attributes", str(out.pk), "-k", "missing")
    assert result.exit_code != 0


def test_repo_ls_cat_dump(registered: Profile, tmp_path: Path) -> None:
    *_, out = _graph()
    result = run("repo", "ls", str(out.pk))
    assert result.output.split() == ["hello.txt", "sub"]
    assert run("repo", "ls", str(out.pk), "sub").output.split() == ["blob.bin"]
    result = CliRunner().invoke(node, ["repo", "cat", str(out.pk), "sub/blob.bin"])
    assert result.exit_code == 0
    assert result.stdout_bytes == b"\x00\x01binary"
    assert run("repo", "cat", str(out.pk), "nope.txt").exit_code == 1
    dest = tmp_path / "dump"
    result = run("repo", "dump", str(out.pk), str(dest))
    assert result.exit_code == 0, result.output
    assert (dest / "sub" / "blob.bin").read_bytes() == b"\x00\x01binary"
    assert (dest / "hello.txt").read_bytes() == b"hello"
    result = run("repo", "dump", str(out.pk), str(dest))
    assert result.exit_code == 1
    assert "not empty" in result.output


def test_comments(registered: Profile) -> None:
    source, *_ = _graph()
    result = run("comment", "add", str(source.pk), "first note")
    assert result.exit_code == 0, result.output
    (comment,) = source.base.comments.all()
    result = run("comment", "show", str(source.pk))
    assert "first note" in result.output
    assert registered.default_user_email in result.output
    assert run("comment", "update", str(comment.pk), "changed").exit_code == 0
    assert [c.content for c in source.base.comments.all()] == ["changed"]
    assert run("comment", "remove", str(comment.pk)).exit_code == 2  # not a terminal: needs --force
    assert run("comment", "remove", str(comment.pk), "--force").exit_code == 0
    assert source.base.comments.all() == []
    assert "no comments" in run("comment", "show", str(source.pk)).output
    assert run("comment", "update", "99999", "x").exit_code == 1


def test_every_command_has_help() -> None:
    for args in (
        ["--help"],
        ["show", "--help"],
        ["repo", "--help"],
        ["repo", "dump", "--help"],
        ["comment", "--help"],
    ):
        result = CliRunner().invoke(node, args)
        assert result.exit_code == 0
        assert "Usage" in result.output
