"""The plain row API of the SQL backends: get_rows, count_rows and delete_rows."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from tests.storage.sql.rowdata import add_computer, add_group, add_links, add_nodes, add_user

from provgraph.exceptions import InputValidationError
from provgraph.storage import EntityTypes
from provgraph.storage.abstract import Above, Between, In, Like
from provgraph.storage.sql.backend import SqlDosBackend

NODE = EntityTypes.NODE


def labels(rows: list[dict[str, object]]) -> list[object]:
    return [row["label"] for row in rows]


# -- filters -----------------------------------------------------------------------------------


def test_equality_and_none_filters(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    plain = add_nodes(storage, user, 2, process_type=None)
    typed = add_nodes(storage, user, 3, process_type="aiida.calculations:core.arithmetic.add")
    assert [r["id"] for r in storage.get_rows(NODE, {"process_type": None})] == plain
    found = storage.get_rows(NODE, {"process_type": "aiida.calculations:core.arithmetic.add"})
    assert [r["id"] for r in found] == typed
    assert [r["id"] for r in storage.get_rows(NODE, {"label": "n1", "process_type": None})] == [plain[1]]
    assert storage.get_rows(NODE, {"label": "absent"}) == []


def test_in_filter_matches_any_value_and_empty_matches_nothing(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    ids = add_nodes(storage, user, 5)
    found = storage.get_rows(NODE, {"id": In((ids[3], ids[1], ids[1], 10**9))})
    assert [row["id"] for row in found] == [ids[1], ids[3]]
    assert storage.get_rows(NODE, {"id": In(())}) == []
    assert storage.count_rows(NODE, {"id": In(())}) == 0
    assert storage.count_rows(NODE, {"label": In(("n0", "n4"))}) == 2


def test_in_filter_with_more_values_than_bound_parameters(storage: SqlDosBackend) -> None:
    """70,000 values exceed PostgreSQL's 65,535 bound parameters: the list must go as one."""
    user = add_user(storage)
    ids = add_nodes(storage, user, 20)
    many = (*range(10**8, 10**8 + 70_000), ids[5], ids[7])
    assert [row["id"] for row in storage.get_rows(NODE, {"id": In(many)})] == [ids[5], ids[7]]
    uuids = [row["uuid"] for row in storage.get_rows(NODE, columns=["uuid"])]
    fake = tuple(f"00000000-0000-4000-8000-{index:012d}" for index in range(6000))
    assert storage.count_rows(NODE, {"uuid": In((*fake, *uuids[:3]))}) == 3
    labels_in = (*(f"x{index}" for index in range(6000)), "n2")
    assert labels(storage.get_rows(NODE, {"label": In(labels_in)})) == ["n2"]


def test_uuid_filters_are_canonical_and_tolerate_non_uuids(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    add_nodes(storage, user, 3)
    uuid = storage.get_rows(NODE, {"label": "n1"})[0]["uuid"]
    assert labels(storage.get_rows(NODE, {"uuid": uuid.upper()})) == ["n1"]
    assert storage.get_rows(NODE, {"uuid": "not-a-uuid"}) == []
    assert labels(storage.get_rows(NODE, {"uuid": In(("nope", uuid))})) == ["n1"]


def test_like_filter_is_case_sensitive_and_works_on_uuids(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    add_nodes(storage, user, 12)
    assert labels(storage.get_rows(NODE, {"label": Like("n1%")})) == ["n1", "n10", "n11"]
    assert labels(storage.get_rows(NODE, {"label": Like("n_")}))[:2] == ["n0", "n1"]
    assert storage.get_rows(NODE, {"label": Like("N1%")}) == []
    uuid = storage.get_rows(NODE, {"label": "n5"})[0]["uuid"]
    assert labels(storage.get_rows(NODE, {"uuid": Like(uuid[:13] + "%")})) == ["n5"]
    assert labels(storage.get_rows(NODE, {"uuid": Like(uuid[:13] + "%"), "label": "n5"})) == ["n5"]


def test_above_filter_reads_what_came_after(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    add_nodes(storage, user, 5)
    rows = storage.get_rows(NODE, columns=("id", "label", "ctime"))
    third = rows[2]
    assert labels(storage.get_rows(NODE, {"id": Above(third["id"])})) == ["n3", "n4"]
    assert storage.count_rows(NODE, {"id": Above(rows[-1]["id"])}) == 0
    later = storage.get_rows(NODE, {"ctime": Above(third["ctime"])}, columns=("label",))
    assert {row["label"] for row in later} <= {"n3", "n4"}
    assert labels(storage.get_rows(NODE, {"id": Above(third["id"]), "label": In(("n0", "n4"))})) == ["n4"]


def test_between_filter_reads_a_run_of_ids(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    add_nodes(storage, user, 6)
    ids = [row["id"] for row in storage.get_rows(NODE, columns=("id",))]
    assert labels(storage.get_rows(NODE, {"id": Between(ids[1], ids[3])})) == ["n1", "n2", "n3"]
    assert storage.count_rows(NODE, {"id": Between(ids[3], ids[1])}) == 0
    assert storage.count_rows(NODE, {"id": Between(ids[5], ids[5])}) == 1


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"colour": 1}, "db_dbnode has no column 'colour'"),
        ({"attributes": {}}, "JSON columns cannot be filtered"),
        ({"id": "1"}, "db_dbnode.id needs a value of type int"),
        ({"label": 3}, "db_dbnode.label needs a value of type str"),
        ({"ctime": "2024-01-01"}, "db_dbnode.ctime needs a value of type datetime"),
        ({"id": [1, 2]}, "wrap several values in In"),
        ({"label": Like(3)}, "needs a str pattern"),  # type: ignore[arg-type]
        ({"id": Above("3")}, "db_dbnode.id needs a value of type int"),
        ({"id": Between(1, "3")}, "db_dbnode.id needs a value of type int"),
    ],
)
def test_malformed_filters_are_refused(
    storage: SqlDosBackend, filters: dict[str, object], message: str
) -> None:
    with pytest.raises(InputValidationError, match=message):
        storage.get_rows(NODE, filters)
    with pytest.raises(InputValidationError, match=message):
        storage.count_rows(NODE, filters)


def test_unknown_column_error_names_table_and_column(storage: SqlDosBackend) -> None:
    with pytest.raises(InputValidationError, match=r"db_dbuser has no column 'name'.*'email'"):
        storage.get_rows(EntityTypes.USER, {"name": "x"})
    with pytest.raises(InputValidationError, match="db_dbgroup has no column 'nodes'"):
        storage.get_rows(EntityTypes.GROUP, columns=["nodes"])
    with pytest.raises(InputValidationError, match="db_dblink has no column 'source'"):
        storage.get_rows(EntityTypes.LINK, order_by=["-source"])


# -- shape of the result, ordering and paging --------------------------------------------------


def test_rows_come_back_as_python_values(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    moment = datetime(2024, 5, 6, 7, 8, 9, 101112, tzinfo=timezone.utc)
    add_nodes(storage, user, 1, ctime=moment, attributes={"a": [1, None, {"b": 2.5}]})
    (row,) = storage.get_rows(NODE)
    assert set(row) == {
        "id", "uuid", "node_type", "process_type", "label", "description", "ctime", "mtime",
        "attributes", "extras", "repository_metadata", "dbcomputer_id", "user_id",
    }  # fmt: skip
    assert isinstance(row["uuid"], str)
    assert len(row["uuid"]) == 36
    assert row["ctime"] == moment
    assert row["ctime"].tzinfo is not None
    assert row["attributes"] == {"a": [1, None, {"b": 2.5}]}
    assert row["dbcomputer_id"] is None
    assert storage.get_rows(NODE, columns=["label", "user_id"]) == [{"label": "n0", "user_id": user}]


def test_order_by_with_direction_and_id_tie_break(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    first = add_nodes(storage, user, 2, label="b")
    second = add_nodes(storage, user, 2, label="a")
    third = add_nodes(storage, user, 1, label="c")
    assert [r["id"] for r in storage.get_rows(NODE, order_by=["label"])] == second + first + third
    assert [r["id"] for r in storage.get_rows(NODE, order_by=["-label"])] == third + first + second
    assert [r["id"] for r in storage.get_rows(NODE, order_by=["-id"])] == sorted(first + second + third)[::-1]
    assert [r["id"] for r in storage.get_rows(NODE)] == first + second + third


def test_limit_and_offset_page_through_every_row_once(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    ids = add_nodes(storage, user, 10, label="same")
    pages = [storage.get_rows(NODE, order_by=["label"], limit=3, offset=start) for start in range(0, 12, 3)]
    assert [[row["id"] for row in page] for page in pages] == [ids[0:3], ids[3:6], ids[6:9], ids[9:]]
    assert storage.get_rows(NODE, limit=0) == []
    assert [r["id"] for r in storage.get_rows(NODE, offset=8)] == ids[8:]
    with pytest.raises(InputValidationError, match="limit must be a non-negative int"):
        storage.get_rows(NODE, limit=-1)


def test_count_rows(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    add_nodes(storage, user, 7)
    assert storage.count_rows(NODE) == 7
    assert storage.count_rows(NODE, {"label": Like("n%"), "id": In((1, 2, 3, 999))}) == 3
    assert storage.count_rows(EntityTypes.LINK) == 0


# -- transactions ------------------------------------------------------------------------------


def test_reads_inside_a_transaction_see_its_own_writes(storage: SqlDosBackend) -> None:
    user = add_user(storage)

    def write_read_then_fail() -> None:
        with storage.transaction():
            ids = add_nodes(storage, user, 3)
            assert [row["id"] for row in storage.get_rows(NODE)] == ids
            assert storage.count_rows(NODE, {"id": In(tuple(ids))}) == 3
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError, match="roll back"):
        write_read_then_fail()
    assert storage.count_rows(NODE) == 0


# -- deletion ----------------------------------------------------------------------------------


def test_deleting_nodes_as_rows_is_refused(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    ids = add_nodes(storage, user, 1)
    with pytest.raises(InputValidationError, match="delete_nodes_and_connections"):
        storage.delete_rows(NODE, ids)
    assert storage.count_rows(NODE) == 1


def test_deleting_a_referenced_user_is_refused_and_deletes_nothing(storage: SqlDosBackend) -> None:
    user = add_user(storage, "busy@x")
    free = add_user(storage, "free@x")
    add_nodes(storage, user, 12)
    expected = r"user 'busy@x' \(pk \d+\) is still referenced by 12 nodes"
    with pytest.raises(InputValidationError, match=expected):
        storage.delete_rows(EntityTypes.USER, [free, user])
    assert storage.count_rows(EntityTypes.USER) == 2


def test_refused_delete_leaves_an_outer_transaction_usable(storage: SqlDosBackend) -> None:
    user = add_user(storage, "busy@x")
    computer = add_computer(storage, "cluster")
    add_nodes(storage, user, 2, dbcomputer_id=computer)
    with storage.transaction():
        extra = add_user(storage, "late@x")
        with pytest.raises(InputValidationError, match=r"computer 'cluster'.* still referenced by 2 nodes"):
            storage.delete_rows(EntityTypes.COMPUTER, [computer])
        with pytest.raises(InputValidationError, match="user 'busy@x'"):
            storage.delete_rows(EntityTypes.USER, [user])
        add_nodes(storage, extra, 1)
    assert storage.count_rows(EntityTypes.COMPUTER) == 1
    assert storage.count_rows(EntityTypes.USER) == 2
    assert storage.count_rows(NODE) == 3


def test_deleting_unreferenced_rows(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    computer = add_computer(storage)
    nodes = add_nodes(storage, user, 2)
    add_links(storage, [(nodes[0], nodes[1])])
    (link,) = [row["id"] for row in storage.get_rows(EntityTypes.LINK)]
    storage.delete_rows(EntityTypes.LINK, [link, link, 10**9])
    storage.delete_rows(EntityTypes.COMPUTER, [computer])
    storage.delete_rows(EntityTypes.USER, [])
    assert storage.count_rows(EntityTypes.LINK) == 0
    assert storage.count_rows(EntityTypes.COMPUTER) == 0
    assert storage.count_rows(NODE) == 2


def test_deleting_a_group_removes_its_memberships_not_its_nodes(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    nodes = add_nodes(storage, user, 4)
    doomed, kept = add_group(storage, user, "doomed"), add_group(storage, user, "kept")
    storage.add_group_nodes(doomed, nodes)
    storage.add_group_nodes(kept, nodes[:1])
    storage.delete_rows(EntityTypes.GROUP, [doomed])
    assert [row["label"] for row in storage.get_rows(EntityTypes.GROUP)] == ["kept"]
    assert storage.get_rows(EntityTypes.GROUP_NODE, columns=["dbgroup_id", "dbnode_id"]) == [
        {"dbgroup_id": kept, "dbnode_id": nodes[0]}
    ]
    assert storage.count_rows(NODE) == 4


def test_deleting_a_user_takes_their_groups_and_memberships(storage: SqlDosBackend) -> None:
    """A user's groups go by cascade; their memberships of someone else's nodes must go first."""
    owner, leaver = add_user(storage, "owner@x"), add_user(storage, "leaver@x")
    nodes = add_nodes(storage, owner, 3)
    group = add_group(storage, leaver)
    storage.add_group_nodes(group, nodes)
    storage.delete_rows(EntityTypes.USER, [leaver])
    assert storage.count_rows(EntityTypes.GROUP) == 0
    assert storage.count_rows(EntityTypes.GROUP_NODE) == 0
    assert [row["email"] for row in storage.get_rows(EntityTypes.USER)] == ["owner@x"]


def test_deleting_group_node_rows_directly(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    nodes = add_nodes(storage, user, 3)
    group = add_group(storage, user)
    storage.add_group_nodes(group, nodes)
    first = storage.get_rows(EntityTypes.GROUP_NODE, {"dbnode_id": nodes[0]})[0]["id"]
    storage.delete_rows(EntityTypes.GROUP_NODE, [first])
    assert storage.count_rows(EntityTypes.GROUP_NODE, {"dbgroup_id": group}) == 2


def test_delete_rows_refuses_ids_that_are_not_ints(storage: SqlDosBackend) -> None:
    with pytest.raises(InputValidationError, match="must be ints"):
        storage.delete_rows(EntityTypes.USER, ["1"])  # type: ignore[list-item]
