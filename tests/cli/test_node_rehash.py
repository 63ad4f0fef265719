"""``provgraph node rehash`` on real storages of both SQL backends."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from provgraph.cli import prompts
from provgraph.cli.node import node
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.orm.nodes.data.core import Dict
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.node import Node
from provgraph.storage import EntityTypes


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(node, list(args), input=input)


@pytest.fixture
def registered(registered_profile: Profile) -> Profile:
    """The loaded test profile (see ``registered_profile`` in tests/conftest.py)."""
    return registered_profile


def _stored_hash(node: Node) -> str | None:
    (row,) = (
        get_manager().get_profile_storage().get_rows(EntityTypes.NODE, {"id": node.pk}, columns=["extras"])
    )
    value = row["extras"].get("_aiida_hash")
    return None if value is None else str(value)


def _cleared(*nodes: Node) -> None:
    for item in nodes:
        item.base.caching.clear_hash()
        assert _stored_hash(item) is None


def test_rehash_all_with_force(registered: Profile) -> None:
    nodes = [Dict({"i": 1}).store(), Data().store()]
    _cleared(*nodes)
    result = run("rehash", "--force")
    assert result.exit_code == 0, result.output
    assert "Rehashed 2 nodes" in result.output
    for item in nodes:
        assert _stored_hash(item) == item.base.caching.compute_hash()


def test_rehash_given_nodes_and_prefix(registered: Profile) -> None:
    first, second, data = Dict({"i": 1}).store(), Dict({"i": 2}).store(), Data().store()
    _cleared(first, second, data)
    result = run("rehash", "-f", str(first.pk), data.uuid)
    assert result.exit_code == 0, result.output
    assert "Rehashed 2 nodes" in result.output
    assert (_stored_hash(first) is not None, _stored_hash(second), _stored_hash(data) is not None) == (
        True,
        None,
        True,
    )
    result = run("rehash", "-f", "--entry-point", "data.core.dict.")
    assert "Rehashed 2 nodes" in result.output
    assert _stored_hash(second) == second.base.caching.compute_hash()
    result = run("rehash", "-f", "-e", "process.")
    assert result.exit_code == 0, result.output
    assert "No nodes to rehash" in result.output


def test_rehash_needs_confirmation_without_terminal(registered: Profile) -> None:
    item = Data().store()
    _cleared(item)
    result = run("rehash")
    assert result.exit_code == 2
    assert "needs confirmation: pass --force" in result.output
    assert _stored_hash(item) is None


def test_rehash_asks_on_a_terminal(registered: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    item = Data().store()
    _cleared(item)
    result = run("rehash", input="n\n")
    assert result.exit_code == 1
    assert _stored_hash(item) is None
    result = run("rehash", input="y\n")
    assert result.exit_code == 0, result.output
    assert _stored_hash(item) == item.base.caching.compute_hash()


def test_rehash_unknown_node(registered: Profile) -> None:
    result = run("rehash", "-f", "999999")
    assert result.exit_code == 1
    assert "999999" in result.output
