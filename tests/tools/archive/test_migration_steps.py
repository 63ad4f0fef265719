"""The migration steps on small hand-made inputs: what the fixture archives do not exercise."""

from __future__ import annotations

import sqlite3
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from provgraph.exceptions import ArchiveMigrationError, CorruptArchive
from provgraph.tools.archive.migrations import legacy_steps
from provgraph.tools.archive.migrations.main_steps import (
    MAIN_0000_SCHEMA,
    create_main_0000_database,
    main_pathway,
    replace_nulls,
)
from provgraph.tools.archive.migrations.repository_tree import RepositoryTree


def _data(nodes: dict[str, Any], attributes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"export_data": {"Node": nodes}, "node_attributes": attributes, "node_extras": {}, **extra}


def test_datetimes_get_their_utc_offset_back_along_the_conversion_tree() -> None:
    data = _data(
        {},
        {
            "1": {
                "when": "2015-06-04T13:18:42.000000",
                "nested": [{"at": "2015-01-01T00:00:00.000000"}, 3],
                "n": 1,
            }
        },
        node_attributes_conversion={"1": {"when": "date", "nested": [{"at": "date"}, None]}},
        node_extras_conversion={},
    )
    legacy_steps.v05_to_v06({}, data)
    assert data["node_attributes"]["1"] == {
        "when": "2015-06-04T13:18:42.000000+00:00",
        "nested": [{"at": "2015-01-01T00:00:00.000000+00:00"}, 3],
        "n": 1,
    }
    assert "node_attributes_conversion" not in data
    assert "node_extras_conversion" not in data


def test_unknown_conversion_is_refused() -> None:
    data = _data({}, {"1": {"x": 1}}, node_attributes_conversion={"1": {"x": "bogus"}})
    with pytest.raises(ArchiveMigrationError, match="unknown convert_type 'bogus'"):
        legacy_steps.v05_to_v06({}, data)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("FINISHED", {"process_state": "finished", "exit_status": 0}),
        ("FAILED", {"process_state": "finished", "exit_status": 2}),
        (
            "PARSINGFAILED",
            {
                "process_state": "excepted",
                "process_status": "Legacy `JobCalculation` with state `PARSINGFAILED`",
            },
        ),
        ("NEW", {"process_state": "killed", "process_status": "Legacy `JobCalculation` with state `NEW`"}),
    ],
)
def test_legacy_job_states_become_process_states(state: str, expected: dict[str, Any]) -> None:
    data = _data({"1": {"node_type": "process.calculation.calcjob.CalcJobNode."}}, {"1": {"state": state}})
    legacy_steps.v05_to_v06({}, data)
    assert data["node_attributes"]["1"] == {**expected, "process_label": "Legacy JobCalculation"}


def test_process_nodes_are_sealed_and_lose_their_old_flags() -> None:
    data = _data(
        {"1": {"node_type": "process.workflow.WorkflowNode."}, "2": {"node_type": "data.int.Int."}},
        {"1": {"_sealed": True, "_finished": True, "process_state": "finished"}, "2": {"_sealed": 1}},
    )
    metadata = {"unique_identifiers": {"Link": None, "Node": "uuid"}, "all_fields_info": {"Attribute": {}}}
    legacy_steps.v06_to_v07(metadata, data)
    assert data["node_attributes"] == {
        "1": {"sealed": True, "process_state": "finished"},
        "2": {"_sealed": 1},
    }
    assert metadata == {"unique_identifiers": {"Node": "uuid"}, "all_fields_info": {}}


def test_an_exported_active_process_is_refused() -> None:
    data = _data(
        {"1": {"node_type": "process.workflow.WorkflowNode.", "uuid": "u-1"}},
        {"1": {"process_state": "running"}},
    )
    with pytest.raises(CorruptArchive, match=r"still active when exported: u-1 \(running\)"):
        legacy_steps.v06_to_v07({}, data)


def test_small_renames() -> None:
    data = {
        "export_data": {
            "Group": {"1": {"type_string": "auto.run"}, "2": {"type_string": "mine"}},
            "Computer": {"1": {"name": "c", "scheduler_type": "slurm", "transport_type": "ssh"}},
            "Node": {
                "1": {"node_type": "data.int.Int.", "process_type": "aiida.workflows:arithmetic.add_multiply"}
            },
        },
        "links_uuid": [{"label": "_return"}, {"label": "x"}],
    }
    for step in (legacy_steps.v07_to_v08, legacy_steps.v08_to_v09, legacy_steps.v10_to_v11):
        step({}, data)
    legacy_steps.v11_to_v12({}, data)
    legacy_steps.v12_to_v13({}, data)
    assert [link["label"] for link in data["links_uuid"]] == ["result", "x"]
    assert data["export_data"]["Group"] == {"1": {"type_string": "core.auto"}, "2": {"type_string": "mine"}}
    assert data["export_data"]["Computer"]["1"] == {
        "label": "c",
        "scheduler_type": "core.slurm",
        "transport_type": "core.ssh",
    }
    assert data["export_data"]["Node"]["1"] == {
        "node_type": "data.core.int.Int.",
        "process_type": "aiida.workflows:core.arithmetic.add_multiply",
    }


def test_legacy_pathway_and_main_pathway() -> None:
    assert [step[:2] for step in legacy_steps.legacy_pathway("0.11")] == [("0.11", "0.12"), ("0.12", "0.13")]
    assert legacy_steps.legacy_pathway("0.13") == []
    assert [step[:2] for step in main_pathway("main_0000", "main_0000b")] == [
        ("main_0000", "main_0000a"),
        ("main_0000a", "main_0000b"),
    ]
    with pytest.raises(ArchiveMigrationError, match="backwards"):
        main_pathway("main_0001", "main_0000")


def test_repository_tree_layout() -> None:
    tree = RepositoryTree()
    tree.add_file(PurePosixPath("b/c.txt"), "k1")
    tree.add_folder(PurePosixPath("empty"))
    tree.add_file(PurePosixPath("a.txt"), "k2")
    assert tree.serialize() == {"o": {"a.txt": {"k": "k2"}, "b": {"o": {"c.txt": {"k": "k1"}}}, "empty": {}}}
    assert RepositoryTree().serialize() == {}
    with pytest.raises(CorruptArchive, match="both a file and a folder"):
        tree.add_folder(PurePosixPath("a.txt/d"))
    with pytest.raises(CorruptArchive, match="both a file and a folder"):
        tree.add_file(PurePosixPath("b"), "k3")


def test_main_0000_schema_relaxes_exactly_the_legacy_nullable_columns() -> None:
    joined = "\n".join(MAIN_0000_SCHEMA)
    assert "label VARCHAR(255) NOT NULL" in joined  # computer and group labels stay required
    assert "first_name VARCHAR(254)," in joined


def test_replace_nulls_deletes_orphan_rows_and_fills_defaults(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    connection = create_main_0000_database(database)
    connection.execute("INSERT INTO db_dbuser (id, email) VALUES (1, 'a@b')")
    connection.execute("INSERT INTO db_dbcomputer (id, uuid, label) VALUES (1, 'c', 'comp')")
    connection.execute(
        "INSERT INTO db_dbauthinfo (id, aiidauser_id, dbcomputer_id, metadata, auth_params, enabled) "
        "VALUES (1, NULL, 1, NULL, NULL, NULL), (2, 1, 1, NULL, NULL, NULL)"
    )
    connection.close()
    replace_nulls(database, tmp_path)
    connection = sqlite3.connect(database)
    try:
        assert connection.execute("SELECT first_name, last_name, institution FROM db_dbuser").fetchall() == [
            ("", "", "")
        ]
        assert connection.execute("SELECT hostname, metadata FROM db_dbcomputer").fetchall() == [("", "{}")]
        assert connection.execute(
            "SELECT id, metadata, auth_params, enabled FROM db_dbauthinfo"
        ).fetchall() == [(2, "{}", "{}", 1)]
    finally:
        connection.close()
