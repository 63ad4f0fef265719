"""``provgraph node ...`` on real storages of both SQL backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from provgraph.cli.listing import format_time
from provgraph.cli.main import cli
from provgraph.cli.node import node
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.orm.groups import Group
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
    fields = {}
    for line in result.output.split("\n\n")[0].splitlines():
        key, _, value = line.partition(" ")
        fields[key] = value.strip()
    assert fields["pk"] == str(calc.pk)
    assert fields["ctime"] == format_time(calc.ctime)  # local time to the second, as every command
    assert "Groups" not in result.output
    result = run("show", out.uuid[:12], source.uuid)
    assert result.exit_code == 0, result.output
    assert "Outgoing links: none" in result.output
    assert result.output.count("node_type") == 2
    raw = run("show", str(calc.pk), "--raw-times")
    assert calc.ctime.isoformat() in raw.output


def test_show_structured_and_groups(registered: Profile) -> None:
    source, calc, out = _graph()
    first, second = Group("first").store(), Group("second", type_string="core.import").store()
    first.add_nodes(calc)
    second.add_nodes(calc)
    result = run("show", str(calc.pk), "--print-groups")
    assert result.exit_code == 0, result.output
    groups = result.output.split("Groups:\n")[1].splitlines()
    assert groups[0].split() == ["pk", "label", "type_string"]
    assert [line.split() for line in groups[1:]] == [
        [str(first.pk), "first", "core"],
        [str(second.pk), "second", "core.import"],
    ]
    assert "Groups: none" in run("show", str(source.pk), "--print-groups").output
    record = json.loads(run("show", str(calc.pk), "--print-groups", "--json").output)
    assert record["pk"] == calc.pk
    assert record["ctime"] == calc.ctime.isoformat()
    assert record["incoming"] == [
        {"pk": source.pk, "type": "Data", "link_type": "input_calc", "link_label": "x"}
    ]
    assert record["outgoing"] == [
        {"pk": out.pk, "type": "Data", "link_type": "create", "link_label": "result"}
    ]
    assert [group["label"] for group in record["groups"]] == ["first", "second"]
    several = yaml.safe_load(run("show", str(calc.pk), str(out.pk), "-F", "yaml").output)
    assert [item["pk"] for item in several] == [calc.pk, out.pk]
    assert "groups" not in several[0]
    tsv = run("show", str(out.pk), "-F", "tsv").output.splitlines()
    assert tsv[0] == "key\tvalue"
    assert f"uuid\t{out.uuid}" in tsv


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
    result = run("attributes", str(out.pk), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"value": {"a": [1, 2]}}
    assert run("attributes", str(out.pk)).output.splitlines() == ["value:", "  a: [1, 2]"]
    result = run("extras", out.uuid, "-F", "json")
    assert json.loads(result.output) == {"tag": "ünï", "_aiida_hash": out.base.caching.get_hash()}
    assert yaml.safe_load(run("extras", out.uuid, "-k", "tag", "-F", "yaml").output) == {"tag": "ünï"}
    result = run("attributes", str(out.pk), "-k", "value", "--json")
    assert json.loads(result.output) == {"value": {"a": [1, 2]}}
    result = run("extras", str(out.pk), "-k", "tag", "_aiida_hash", "--json")
    assert list(json.loads(result.output)) == ["tag", "_aiida_hash"]


def test_attributes_and_extras_of_several_nodes(registered: Profile) -> None:
    """As verdi: each node headed by its pk; json/yaml one mapping keyed by pk; tsv a pk column."""
    source = Data(label="a")
    source.base.attributes.set("value", 1)
    source.store()
    *_, out = _graph()
    pks = [str(source.pk), str(out.pk)]
    assert run("attributes", *pks).output.splitlines() == [
        f"PK: {source.pk}",
        "value  1",
        "",
        f"PK: {out.pk}",
        "value:",
        "  a: [1, 2]",
    ]
    result = run("attributes", *pks, "-k", "value", "--json")
    assert json.loads(result.stdout) == {str(source.pk): {"value": 1}, str(out.pk): {"value": {"a": [1, 2]}}}
    result = run("attributes", *pks, "-F", "tsv")
    assert result.stdout.splitlines() == [
        "pk\tkey\tvalue",
        f"{source.pk}\tvalue\t1",
        f"{out.pk}\tvalue.a\t[1, 2]",
    ]
    assert list(yaml.safe_load(run("extras", *pks, "-F", "yaml").stdout)[str(source.pk)]) == ["_aiida_hash"]
    missing = CliRunner().invoke(cli, ["node", "attributes", *pks, "-k", "value", "nosuch"])
    assert missing.exit_code == 1
    assert missing.output == f"Error: node {source.pk} has no attribute 'nosuch'\n"  # before any output
    assert run("attributes").exit_code == 2


@pytest.mark.parametrize("command", ["attributes", "extras"])
def test_missing_key_is_one_line(registered: Profile, command: str) -> None:
    *_, out = _graph()
    kind, present = {"attributes": ("attribute", "value"), "extras": ("extra", "tag")}[command]
    for args in (["-k", "nosuch"], ["-k", present, "-k", "nosuch"], ["-k", present, "nosuch"]):
        result = CliRunner().invoke(cli, ["node", command, str(out.pk), *args])
        assert result.exit_code == 1, result.output
        assert result.output == f"Error: node {out.pk} has no {kind} 'nosuch'\n"


def test_repo_ls_cat_dump(registered: Profile, tmp_path: Path) -> None:
    *_, out = _graph()
    result = run("repo", "ls", str(out.pk))
    assert result.output.splitlines() == ["name       type", "hello.txt  file", "sub        directory"]
    assert run("repo", "ls", str(out.pk), "sub", "-F", "tsv").output == "name\ttype\nblob.bin\tfile\n"
    assert json.loads(run("repo", "ls", str(out.pk), "sub", "--json").output) == [
        {"name": "blob.bin", "type": "file"}
    ]
    missing = run("repo", "ls", str(out.pk), "nope")
    assert missing.exit_code == 1
    assert missing.output.startswith(f"Error: node {out.pk} has no folder 'nope'")
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
    assert result.output.splitlines()[0].split() == ["pk", "user", "ctime", "content"]
    assert result.output.splitlines()[1].split() == [
        str(comment.pk),
        registered.default_user_email,
        *format_time(comment.ctime).split(),
        "first",
        "note",
    ]
    (shown,) = json.loads(run("comment", "show", str(source.pk), "--json").output)
    assert shown == {
        "pk": comment.pk,
        "user": registered.default_user_email,
        "ctime": comment.ctime.isoformat(),
        "content": "first note",
    }
    assert run("comment", "update", str(comment.pk), "changed").exit_code == 0
    assert [c.content for c in source.base.comments.all()] == ["changed"]
    assert run("comment", "remove", str(comment.pk)).exit_code == 2  # not a terminal: needs --force
    assert run("comment", "remove", str(comment.pk), "--force").exit_code == 0
    assert source.base.comments.all() == []
    assert run("comment", "show", str(source.pk)).output == f"Node {source.pk} has no comments.\n"
    assert json.loads(run("comment", "show", str(source.pk), "--json").stdout) == []
    assert run("comment", "update", "99999", "x").exit_code == 1


def test_every_command_has_help() -> None:
    for args in (
        ["--help"],
        ["show", "--help"],
        ["repo", "--help"],
        ["repo", "dump", "--help"],
        ["comment", "--help"],
        ["label", "--help"],
        ["description", "--help"],
    ):
        result = CliRunner().invoke(node, args)
        assert result.exit_code == 0
        assert "Usage" in result.output
