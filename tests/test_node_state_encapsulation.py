"""A node's state has one owner: nothing outside ``orm/nodes/node.py`` touches it directly.

The views (``node.base.attributes``, ``links``, ``repository``, ``caching``), the store path
(``orm/batch.py``) and the process runner go through the node's state protocol
(``_column``, ``_row_for_store``, ``_mark_stored``, ``_pending_links``, ``_file_state``, ...).
This test reads the source with ``ast``, so a new shortcut fails here before it spreads.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "provgraph"
NODE_MODULE = PACKAGE / "orm" / "nodes" / "node.py"
ENTITY_MODULE = PACKAGE / "orm" / "entities.py"

# The node's own state: only node.py reads or writes these (AuthInfo has a _user and a _computer
# of its own, so those two count only inside orm/nodes/).
NODE_STATE = frozenset({"_incoming_links", "_repository_state"})
NODE_ONLY_STATE = frozenset({"_user", "_computer"})


def _offences(path: Path) -> list[str]:
    found = []
    in_node_package = (PACKAGE / "orm" / "nodes") in path.parents
    in_orm = (PACKAGE / "orm") in path.parents
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Attribute):
            continue
        own = isinstance(node.value, ast.Name) and node.value.id == "self"
        node_state = node.attr in NODE_STATE and (in_node_package or not own)
        node_only_state = node.attr in NODE_ONLY_STATE and in_node_package
        # Entity rows: a non-node entity may use its own row; nodes and other layers may not.
        foreign_row = node.attr == "_row" and (in_node_package or not in_orm or not own)
        if node_state or node_only_state or foreign_row:
            found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
    return found


def test_only_node_py_touches_node_state() -> None:
    offences = [
        offence
        for path in sorted(PACKAGE.rglob("*.py"))
        if path not in (NODE_MODULE, ENTITY_MODULE)
        for offence in _offences(path)
    ]
    assert not offences, "use the node's state protocol instead:\n" + "\n".join(offences)


def test_the_check_sees_an_offence() -> None:
    """Guards the guard: node.py itself is full of what the check looks for."""
    assert len(_offences(NODE_MODULE)) > 5
