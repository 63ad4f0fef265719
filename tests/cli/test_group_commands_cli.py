"""verdi's group commands beside the basic ones: list filters, show formats, copy, move-nodes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import yaml
from click.testing import CliRunner, Result

from provgraph.cli import prompts
from provgraph.cli.main import cli
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.orm.groups import Group, load_group
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.users import User
from provgraph.storage import EntityTypes


@pytest.fixture(autouse=True)
def registered(registered_profile: Profile) -> Profile:
    return registered_profile


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["group", *args], input=input)


def labels(result: Result) -> list[str]:
    """The label column of a `group list --format tsv`."""
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split("\t")[:5] == ["pk", "label", "type_string", "user", "nodes"]
    return [line.split("\t")[1] for line in lines[1:]]


def members(group: Group) -> list[int]:
    return sorted(node.pk for node in group.nodes)


def test_list_label_filters_order_and_description() -> None:
    for label in ("run_a", "run%b", "zeta", "alpha_run"):
        Group(label, description=f"about {label}").store()
    assert labels(run("list", "-F", "tsv")) == ["alpha_run", "run%b", "run_a", "zeta"]
    assert labels(run("list", "-F", "tsv", "-s", "run_")) == ["run_a"]  # '_' is literal, not a wildcard
    assert labels(run("list", "-F", "tsv", "-s", "run%")) == ["run%b"]
    assert labels(run("list", "-F", "tsv", "-e", "run")) == ["alpha_run"]
    assert labels(run("list", "-F", "tsv", "-c", "un")) == ["alpha_run", "run%b", "run_a"]
    assert labels(run("list", "-F", "tsv", "-s", "zet", "-e", "_a")) == ["run_a", "zeta"]  # OR, as verdi
    assert labels(run("list", "-F", "tsv", "-O", "label", "-D", "desc")) == [
        "zeta",
        "run_a",
        "run%b",
        "alpha_run",
    ]
    assert labels(run("list", "-F", "tsv", "-O", "id")) == ["run_a", "run%b", "zeta", "alpha_run"]
    assert labels(run("list", "-F", "tsv", "-O", "ctime", "-D", "desc"))[0] == "alpha_run"
    (record,) = json.loads(run("list", "--json", "-d", "-s", "zeta").output)
    assert record["description"] == "about zeta"
    assert record["nodes"] == 0


def test_list_types_users_days_and_node() -> None:
    mine = Group("mine").store()
    auto = Group("tooling", type_string="core.auto").store()
    Group("imported", type_string="core.import").store()
    held = Data().store()
    mine.add_nodes([held, Data().store()])
    auto.add_nodes(held)
    other = User(email="other@example.org").store()
    theirs = Group("theirs", user=other).store()
    assert labels(run("list", "-F", "tsv")) == ["mine"]
    assert labels(run("list", "-F", "tsv", "-a")) == ["imported", "mine", "tooling"]
    assert labels(run("list", "-F", "tsv", "--all-types")) == ["imported", "mine", "tooling"]
    assert labels(run("list", "-F", "tsv", "-T", "core.auto")) == ["tooling"]
    assert labels(run("list", "-F", "tsv", "-T", "core.%")) == ["imported", "tooling"]
    assert labels(run("list", "-F", "tsv", "-A")) == ["mine", "theirs"]
    assert labels(run("list", "-F", "tsv", "-u", "other@example.org")) == ["theirs"]
    assert labels(run("list", "-F", "tsv", "-N", str(held.pk), "-a")) == ["mine", "tooling"]
    assert labels(run("list", "-F", "tsv", "--node", held.uuid)) == ["mine"]
    row = run("list", "-F", "tsv", "-C").stdout.splitlines()[1].split("\t")
    assert row[1:] == ["mine", "core", get_manager().get_profile().default_user_email, "2"]
    backend = get_manager().get_profile_storage()
    backend.bulk_update(EntityTypes.GROUP, [{"id": theirs.pk, "time": theirs.time - timedelta(days=10)}])
    assert labels(run("list", "-F", "tsv", "-A", "-p", "3")) == ["mine"]
    assert labels(run("list", "-F", "tsv", "-A", "-p", "30")) == ["mine", "theirs"]
    unknown = run("list", "-u", "nobody@example.org")
    assert (unknown.exit_code, unknown.output) == (1, "Error: no user with email 'nobody@example.org'\n")
    empty = run("list", "-u", "")
    assert (empty.exit_code, empty.output) == (1, "Error: no user with email ''\n")
    assert run("list", "-A", "-u", "other@example.org").exit_code == 2
    assert run("list", "-a", "-T", "").exit_code == 2
    assert run("list", "-p", "-1").exit_code == 2
    assert run("list", "-O", "size").exit_code == 2


def test_show_formats_limit_and_raw() -> None:
    chosen = Group("shown", description="what it holds").store()
    nodes = [Data(label=f"n{index}").store() for index in range(5)]
    chosen.add_nodes(nodes)
    document = json.loads(run("show", "shown", "--json").stdout)
    assert document["group"]["label"] == "shown"
    assert document["group"]["nodes"] == 5
    assert document["group"]["created"] == chosen.time.isoformat()
    assert [row["pk"] for row in document["nodes"]] == [node.pk for node in nodes]
    assert document["nodes"][0] == {
        "pk": nodes[0].pk,
        "uuid": nodes[0].uuid,
        "type": "Data",
        "label": "n0",
        "ctime": nodes[0].ctime.isoformat(),
    }
    loaded = yaml.safe_load(run("show", "shown", "-F", "yaml", "-l", "2").stdout)
    assert [row["label"] for row in loaded["nodes"]] == ["n0", "n1"]
    tsv = run("show", "shown", "-F", "tsv", "--limit", "3")
    assert tsv.stdout.splitlines()[0] == "pk\tuuid\ttype\tlabel\tctime"
    assert len(tsv.stdout.splitlines()) == 4
    assert "2 more members not shown" in tsv.stderr
    assert "more member" not in run("show", "shown", "-l", "3", "-a").output
    assert run("show", "shown", "-r").output == " ".join(str(node.pk) for node in nodes) + "\n"
    assert run("show", "shown", "-r", "-u", "-l", "2").output == f"{nodes[0].uuid} {nodes[1].uuid}\n"
    Group("empty").store()
    assert json.loads(run("show", "empty", "--json").stdout)["nodes"] == []
    assert yaml.safe_load(run("show", "empty", "-F", "yaml").stdout)["nodes"] == []
    assert run("show", "empty", "-r").output == "\n"


def test_copy_creates_or_asks() -> None:
    source = Group("source").store()
    first, second = Data().store(), Data().store()
    source.add_nodes([first, second])
    result = run("copy", "source", "copied")
    assert result.exit_code == 0, result.output
    assert result.output == "Copied 2 nodes from group 'source' to group 'copied' (created); it has 2 now.\n"
    assert members(load_group("copied")) == sorted([first.pk, second.pk])
    filled = Group("filled").store()
    third = Data().store()
    filled.add_nodes([third, first])
    refused = run("copy", str(source.pk), "filled")
    assert refused.exit_code == 2
    assert "pass --force" in refused.output
    assert members(filled) == sorted([third.pk, first.pk])
    result = run("copy", source.uuid, "filled", "--force")
    assert result.exit_code == 0, result.output
    assert "it has 3 now" in result.output
    assert members(filled) == sorted([first.pk, second.pk, third.pk])
    empty = Group("empty-target").store()
    assert run("copy", "source", "empty-target").exit_code == 0  # an empty destination needs no question
    assert members(empty) == sorted([first.pk, second.pk])
    same = run("copy", "source", "source")
    assert (same.exit_code, same.output) == (
        1,
        "Error: source and destination are the same group, 'source'\n",
    )
    missing = run("copy", "ghost", "x")
    assert missing.exit_code == 1
    assert "no Group with label 'ghost'" in missing.output
    assert Group.collection.count({"label": "x"}) == 0


def test_copy_asks_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    Group("a").store().add_nodes(Data().store())
    target = Group("b").store()
    target.add_nodes(Data().store())
    assert run("copy", "a", "b", input="n\n").exit_code == 1
    assert target.count() == 1
    assert run("copy", "a", "b", input="y\n").exit_code == 0
    assert target.count() == 2


def test_move_nodes() -> None:
    inbox, done = Group("inbox").store(), Group("done").store()
    nodes = [Data().store() for _ in range(4)]
    outsider = Data().store()
    inbox.add_nodes(nodes)
    done.add_nodes(nodes[1])
    refused = run("move-nodes", "-s", "inbox", "-t", "done", str(nodes[0].pk))
    assert refused.exit_code == 2
    assert "pass --force" in refused.output
    result = run(
        "move-nodes", "-s", "inbox", "-t", "done", str(nodes[0].pk), nodes[1].uuid, str(outsider.pk), "-f"
    )
    assert result.exit_code == 0, result.output
    assert "Moved 2 nodes from group 'inbox' to group 'done'." in result.stdout
    assert f"1 node not in 'inbox', skipped: {outsider.pk}" in result.stderr
    assert "1 node already in 'done'; they still leave 'inbox'." in result.stderr
    assert members(inbox) == sorted(node.pk for node in nodes[2:])
    assert members(done) == sorted(node.pk for node in nodes[:2])
    none_in = run("move-nodes", "-s", "inbox", "-t", "done", str(outsider.pk), "-f")
    assert (none_in.exit_code, none_in.output) == (1, "Error: none of the given nodes is in group 'inbox'\n")
    result = run("move-nodes", "--source-group", "inbox", "--target-group", "done", "--all", "--force")
    assert result.exit_code == 0, result.output
    assert "Moved 2 nodes" in result.output
    assert inbox.count() == 0
    assert done.count() == 4
    assert "nothing to move" in run("move-nodes", "-s", "inbox", "-t", "done", "-a", "-f").output
    same = run("move-nodes", "-s", "done", "-t", "done", "-a", "-f")
    assert (same.exit_code, same.output) == (1, "Error: source and target are the same group, 'done'\n")
    assert run("move-nodes", "-s", "done", "-t", "inbox", "-f").exit_code == 2  # neither NODES nor --all
    assert run("move-nodes", "-s", "done", "-t", "inbox", "-a", str(nodes[0].pk), "-f").exit_code == 2
    assert run("move-nodes", "-t", "inbox", "-a").exit_code == 2  # -s is required
    assert run("move-nodes", "-s", "ghost", "-t", "inbox", "-a").exit_code == 1
