"""How a calcfunction call is written: one transaction after the function returned, inputs fixed before it."""

from __future__ import annotations

import io
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from calls_until_killed import call_forever
from sqlalchemy import event
from tests.child_processes import kill_child, spawn_child, wait_for_rows

import provgraph
from provgraph import orm
from provgraph.config.profile import Profile
from provgraph.exceptions import InputValidationError, LinkValidationError, ModificationNotAllowed
from provgraph.manager import get_manager
from provgraph.orm import LinkType
from provgraph.provenance import calcfunction, current_process, workfunction
from provgraph.storage.abstract import EntityTypes


@calcfunction
def add(x: Any, y: Any) -> Any:
    return x + y


@calcfunction
def explode(x: Any) -> Any:
    raise ValueError("deliberate")


@contextmanager
def counted_commits() -> Iterator[list[int]]:
    """Count the commits of the loaded storage's engine inside the block."""
    engine = get_manager().get_profile_storage().sql.engine  # type: ignore[attr-defined]
    commits: list[int] = []

    def on_commit(connection: Any) -> None:
        commits.append(1)

    event.listen(engine, "commit", on_commit)
    try:
        yield commits
    finally:
        event.remove(engine, "commit", on_commit)


def _last_process() -> orm.ProcessNode:
    node = max(orm.ProcessNode.collection.all(), key=lambda node: node.pk or 0)
    assert isinstance(node, orm.ProcessNode)
    return node


def _load(pk: int | None) -> Any:
    """The stored node ``pk`` (typed ``Any``: its class is known only at run time)."""
    return orm.load_node(pk)


def test_a_call_is_one_transaction_written_after_the_function() -> None:
    before = orm.Node.collection.count()
    seen: dict[str, Any] = {}

    @calcfunction
    def look(x: Any) -> Any:
        seen["count"] = orm.Node.collection.count()
        seen["node"] = current_process()
        seen["stored"] = (x.is_stored, current_process().is_stored)  # type: ignore[union-attr]
        return orm.Int(x.value + 1)

    with counted_commits() as commits:
        result, node = look.run_get_node(orm.Int(1))
    assert len(commits) == 1
    assert seen == {"count": before, "node": node, "stored": (False, False)}
    assert orm.Node.collection.count() == before + 3
    assert result.is_stored
    assert node.is_sealed
    assert node.is_finished_ok
    assert "def look" in _load(node.pk).get_source_code_file()


def test_a_failed_call_is_one_transaction_too() -> None:
    before = orm.Node.collection.count()
    with counted_commits() as commits, pytest.raises(ValueError, match="deliberate"):
        explode(orm.Int(1))
    assert len(commits) == 1
    assert orm.Node.collection.count() == before + 2
    node = _last_process()
    assert node.is_excepted
    assert node.is_sealed
    assert node.exit_status is None
    assert len(orm.Log.collection.get_logs_for(node)) == 1
    assert [t.link_label for t in node.base.links.get_incoming(link_type=LinkType.INPUT_CALC)] == ["x"]


def test_stored_hashes_equal_recomputed_ones() -> None:
    stored_input = orm.Int(5).store()
    files = orm.SinglefileData(io.BytesIO(b"content"), filename="a.txt")

    @calcfunction
    def combine(x: Any, y: Any, f: Any) -> Any:
        return {"sum": x + y, "copy": orm.SinglefileData(io.BytesIO(f.get_content("rb")), filename="b.txt")}

    result, node = combine.run_get_node(orm.Int(2), stored_input, files)
    for each in (node, files, result["sum"], result["copy"]):
        caching = orm.load_node(each.pk).base.caching
        assert caching.get_hash() is not None
        assert caching.get_hash() == caching.compute_hash()
    assert _load(files.pk).get_content("rb") == b"content"


def test_an_input_changed_by_the_function_is_refused_and_stored_as_given() -> None:
    @calcfunction
    def meddle(d: Any) -> Any:
        d["a"] = 2
        return orm.Int(1)

    given = orm.Dict({"a": 1})
    before = orm.Node.collection.count()
    with pytest.raises(ModificationNotAllowed, match="inputs are immutable"):
        meddle(given)
    assert orm.Node.collection.count() == before + 2  # the input and the excepted node
    assert _load(given.pk).get_dict() == {"a": 1}
    assert _last_process().is_excepted


def test_an_input_given_new_files_by_the_function_is_refused() -> None:
    @calcfunction
    def scribble(f: Any) -> Any:
        f.base.repository.put_object_from_bytes(b"more", "other.txt")
        return orm.Int(1)

    given = orm.SinglefileData(io.BytesIO(b"content"), filename="a.txt")
    with pytest.raises(ModificationNotAllowed, match="files"):
        scribble(given)
    assert orm.load_node(given.pk).base.repository.list_object_names() == ["a.txt"]


def test_extras_and_label_set_on_an_input_during_the_call_are_kept() -> None:
    @calcfunction
    def annotate(x: Any) -> Any:
        x.base.extras.set("seen", True)
        x.label = "annotated"
        return orm.Int(1)

    given = orm.Int(3)
    annotate(given)
    loaded = orm.load_node(given.pk)
    assert loaded.label == "annotated"
    assert loaded.base.extras.get("seen") is True
    assert loaded.base.caching.get_hash() == loaded.base.caching.compute_hash()


def test_an_input_the_function_stores_itself_is_linked() -> None:
    @calcfunction
    def keep(x: Any) -> Any:
        x.store()
        return orm.Int(x.value)

    given = orm.Int(4)
    _, node = keep.run_get_node(given)
    inputs = node.base.links.get_incoming(link_type=LinkType.INPUT_CALC).all()
    assert [(t.link_label, t.node.pk) for t in inputs] == [("x", given.pk)]


def test_returning_an_unstored_input_is_refused() -> None:
    @calcfunction
    def same(x: Any) -> Any:
        return {"out": x}

    before = orm.Node.collection.count()
    with pytest.raises(LinkValidationError, match="returned its input"):
        same(orm.Int(1))
    assert orm.Node.collection.count() == before + 2


def test_an_output_that_cannot_be_stored_leaves_no_output() -> None:
    @calcfunction
    def unserialisable(x: Any) -> Any:
        good, bad = orm.Int(1), orm.Dict({"a": []})
        bad.base.attributes.get("a").append(object())  # through a reference: caught at the store
        return {"good": good, "bad": bad}

    before = orm.Node.collection.count()
    with pytest.raises(InputValidationError, match="not a JSON value"):
        unserialisable(orm.Int(1))
    assert orm.Node.collection.count() == before + 2
    node = _last_process()
    assert node.is_excepted
    assert not node.base.links.get_outgoing().all()


def test_an_interrupt_records_a_killed_node() -> None:
    @calcfunction
    def interrupted(x: Any) -> Any:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted(orm.Int(1))
    node = _last_process()
    assert node.is_killed
    assert node.is_sealed
    assert node.process_status == "Killed by KeyboardInterrupt"
    (log,) = orm.Log.collection.get_logs_for(node)
    assert "|interrupted|on_kill]" in log.message


def test_calcfunctions_in_a_workfunction_link_to_it() -> None:
    @workfunction
    def twice(a: Any) -> Any:
        return {"result": add(add(a, a), a)}

    result, workflow = twice.run_get_node(orm.Int(1))
    assert result["result"].value == 3
    calls = workflow.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all()
    assert len(calls) == 2
    assert all(isinstance(t.node, orm.CalcFunctionNode) and t.node.is_sealed for t in calls)


def test_a_cache_hit_keeps_the_source_file() -> None:
    a, b = orm.Int(6).store(), orm.Int(7).store()
    _, first = add.run_get_node(a, b)
    with provgraph.enable_caching():
        _, second = add.run_get_node(orm.Int(6), orm.Int(7))  # new inputs, equal content
    assert second.base.extras.get("_aiida_cached_from") == first.uuid
    assert "def add" in _load(second.pk).get_source_code_file()
    assert second.base.caching.get_hash() == first.base.caching.get_hash()


def test_a_writer_killed_mid_call_leaves_no_half_stored_call(registered_profile: Profile) -> None:
    """SIGKILL a process calling a calcfunction in a loop at two moments; every call is whole."""
    storage = get_manager().get_profile_storage()
    for pause in (0.0, 0.009):
        before = storage.count_rows(EntityTypes.NODE)
        process = spawn_child(call_forever, registered_profile.name)
        try:
            wait_for_rows(lambda: storage.count_rows(EntityTypes.NODE), before + 40, process, "caller")
            time.sleep(pause)
        finally:
            kill_child(process)
        _check_whole_calls()
    add(orm.Int(1), orm.Int(2))  # the storage still takes calls after the crashes


def _check_whole_calls() -> None:
    """Every calcfunction node is sealed and finished, with two inputs and one output."""
    storage = get_manager().get_profile_storage()
    rows = storage.get_rows(EntityTypes.NODE, columns=["id", "node_type", "attributes"])
    links = storage.get_rows(EntityTypes.LINK, columns=["input_id", "output_id", "type"])
    incoming = Counter((link["output_id"], link["type"]) for link in links)
    outgoing = Counter((link["input_id"], link["type"]) for link in links)
    calcs = [row for row in rows if row["node_type"].startswith("process.calculation.calcfunction.")]
    for row in calcs:
        assert row["attributes"]["sealed"] is True, row
        assert row["attributes"]["process_state"] == "finished", row
        assert incoming[(row["id"], "input_calc")] == 2, row
        assert outgoing[(row["id"], "create")] == 1, row
    assert len(rows) == 4 * len(calcs)
