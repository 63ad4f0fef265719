"""The storage's integrity queries (``iter_dangling_links`` ... ``iter_duplicate_uuids``) on both
SQL backends, against rows broken on purpose with plain SQL."""

from __future__ import annotations

import pytest
from tests.broken_rows import duplicate_uuid, insert_link
from tests.storage.sql.rowdata import add_computer, add_group, add_nodes, add_user

from provgraph.exceptions import InputValidationError
from provgraph.storage import EntityTypes
from provgraph.storage.abstract import StorageBackend
from provgraph.storage.sql.backend import SqlDosBackend

DATA = "data.core.int.Int."
CALC = "process.calculation.calcfunction.CalcFunctionNode."


def _link(storage: StorageBackend, source: int, target: int, link_type: str, label: str) -> int:
    (link_id,) = storage.bulk_insert(
        EntityTypes.LINK, [{"input_id": source, "output_id": target, "type": link_type, "label": label}]
    )
    return link_id


@pytest.fixture
def graph(storage: SqlDosBackend) -> tuple[int, int, int]:
    """``x -input_calc-> calc -create-> out``: a healthy graph."""
    user = add_user(storage)
    (x,) = add_nodes(storage, user, 1, node_type=DATA)
    (calc,) = add_nodes(storage, user, 1, node_type=CALC)
    (out,) = add_nodes(storage, user, 1, node_type=DATA)
    _link(storage, x, calc, "input_calc", "x")
    _link(storage, calc, out, "create", "result")
    return x, calc, out


def test_a_healthy_graph_has_no_problem_rows(storage: SqlDosBackend, graph: tuple[int, int, int]) -> None:
    x, calc, out = graph
    assert list(storage.iter_dangling_links()) == []
    assert (
        list(storage.iter_link_clashes([("create", ("output_id",)), ("input_calc", ("output_id", "label"))]))
        == []
    )
    for entity_type in (EntityTypes.NODE, EntityTypes.GROUP, EntityTypes.COMPUTER):
        assert list(storage.iter_duplicate_uuids(entity_type)) == []
    shapes = sorted(storage.iter_link_shapes())
    assert [shape[:5] for shape in shapes] == [
        ("create", CALC, DATA, False, 1),
        ("input_calc", DATA, CALC, False, 1),
    ]
    assert sorted(storage.iter_link_ends(["create", "input_calc"])) == [(x, calc), (calc, out)]
    assert list(storage.iter_link_ends(["return"])) == []


def test_links_to_missing_nodes(storage: SqlDosBackend, graph: tuple[int, int, int]) -> None:
    x, calc, _ = graph
    to_nowhere = insert_link(storage, calc, 10_000, "create", "lost")
    from_nowhere = insert_link(storage, 10_001, x, "create", "ghost")
    between_nothing = insert_link(storage, 10_002, 10_003, "create", "void")
    assert list(storage.iter_dangling_links()) == [
        (to_nowhere, calc, 10_000, False, True),
        (from_nowhere, 10_001, x, True, False),
        (between_nothing, 10_002, 10_003, True, True),
    ]
    # the shapes only group links between existing nodes
    assert sum(shape[4] for shape in storage.iter_link_shapes()) == 2


def test_link_shapes_group_wrong_kinds_and_self_links(
    storage: SqlDosBackend, graph: tuple[int, int, int]
) -> None:
    x, calc, out = graph
    first = _link(storage, x, out, "create", "a")
    _link(storage, out, x, "create", "b")
    selfish = _link(storage, calc, calc, "bogus", "me")
    shapes = set(storage.iter_link_shapes())
    assert ("create", DATA, DATA, False, 2, first) in shapes
    assert ("bogus", CALC, CALC, True, 1, selfish) in shapes


def test_link_clashes_in_one_query(storage: SqlDosBackend, graph: tuple[int, int, int]) -> None:
    _, calc, out = graph
    user = add_user(storage, "other@x")
    (calc2,) = add_nodes(storage, user, 1, node_type=CALC)
    second_creator = _link(storage, calc2, out, "create", "result")
    (y,) = add_nodes(storage, user, 1, node_type=DATA)
    same_label = _link(storage, y, calc, "input_calc", "x")
    groupings = [
        ("create", ("output_id",)),
        ("input_calc", ("output_id", "label")),
        ("input_calc", ("input_id", "output_id", "label")),
    ]
    clashes = list(storage.iter_link_clashes(groupings))
    creates = storage.get_rows(EntityTypes.LINK, {"output_id": out, "type": "create"}, columns=["id"])
    inputs = storage.get_rows(EntityTypes.LINK, {"output_id": calc, "label": "x"}, columns=["id"])
    assert second_creator in [row["id"] for row in creates]
    assert same_label in [row["id"] for row in inputs]
    assert clashes == [(0, out, 2, creates[0]["id"]), (1, calc, 2, inputs[0]["id"])]
    assert list(storage.iter_link_clashes([])) == []


@pytest.mark.parametrize("columns", [("label",), ("type",), ()])
def test_link_clashes_refuse_other_columns(storage: SqlDosBackend, columns: tuple[str, ...]) -> None:
    with pytest.raises(InputValidationError, match="link clash columns"):
        storage.iter_link_clashes([("create", columns)])


@pytest.mark.parametrize(
    ("table", "entity_type"),
    [
        ("db_dbnode", EntityTypes.NODE),
        ("db_dbgroup", EntityTypes.GROUP),
        ("db_dbcomputer", EntityTypes.COMPUTER),
    ],
)
def test_duplicate_uuids(storage: SqlDosBackend, table: str, entity_type: EntityTypes) -> None:
    user = add_user(storage)
    ids = {
        EntityTypes.NODE: lambda: add_nodes(storage, user, 2)[0],
        EntityTypes.GROUP: lambda: add_group(storage, user),
        EntityTypes.COMPUTER: lambda: add_computer(storage),
    }
    pk = ids[entity_type]()
    (row,) = storage.get_rows(entity_type, {"id": pk}, columns=["uuid"])
    duplicate_uuid(storage, table, pk)
    assert list(storage.iter_duplicate_uuids(entity_type)) == [(str(row["uuid"]).lower(), 2, pk)]


def test_duplicate_uuids_need_a_uuid_column(storage: SqlDosBackend) -> None:
    with pytest.raises(InputValidationError, match="no UUID"):
        storage.iter_duplicate_uuids(EntityTypes.LINK)


def test_streams_see_the_open_transaction(storage: SqlDosBackend, graph: tuple[int, int, int]) -> None:
    _, calc, out = graph
    with storage.transaction():
        _link(storage, out, calc, "input_calc", "back")
        assert (out, calc) in set(storage.iter_link_ends(["input_calc"]))
    assert (out, calc) in set(storage.iter_link_ends(["input_calc"]))
