"""``create_archive`` on each SQL backend: what the zip holds, in which form, and what it refuses."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import zipfile
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from tests.data_files import SMALL_ARCHIVE
from tests.tools.archive.archive_graph import (
    FOLDER_FILES,
    ArchiveGraph,
    add,
    build_graph,
    profile_links,
    read_archive,
)

from provgraph import orm
from provgraph.common.archive_format import ARCHIVE_SCHEMA
from provgraph.common.version import installed_version
from provgraph.exceptions import (
    ArchiveExportError,
    ExportValidationError,
    InputValidationError,
    LicensingException,
)
from provgraph.repository.tree import Repository
from provgraph.storage.abstract import StorageBackend
from provgraph.tools.archive import create as create_module
from provgraph.tools.archive import writer as writer_module
from provgraph.tools.archive.create import create_archive
from provgraph.tools.archive.summary import ArchiveSummary
from provgraph.tools.graph import RULE_NAMES, GraphTraversalRules, get_nodes_export, validate_traversal_rules

pytestmark = pytest.mark.usefixtures("loaded_profile")

TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")


@pytest.fixture
def graph() -> ArchiveGraph:
    return build_graph()


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty folder for the archives (tmp_path also holds the profile's storage)."""
    path = tmp_path / "archives"
    path.mkdir()
    return path


class Recorder:
    """An ArchiveReporter that keeps what it is told."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, int | None]] = []
        self.steps = 0
        self.summary: ArchiveSummary | None = None

    def start(self, description: str, total: int | None) -> None:
        self.phases.append((description, total))

    def advance(self, count: int) -> None:
        self.steps += count

    def finish(self, summary: ArchiveSummary) -> None:
        self.summary = summary


def all_uuids(cls: type[Any]) -> set[str]:
    return set(orm.QueryBuilder().append(cls, project=["uuid"]).all(flat=True))


def referenced_keys(nodes: list[orm.Node]) -> set[str]:
    keys = set()
    for node in nodes:
        keys |= {key for key in Repository.flatten(node.repository_metadata).values() if key}
    return keys


def test_everything(graph: ArchiveGraph, backend: StorageBackend, out: Path) -> None:
    recorder = Recorder()
    path = create_archive(None, out / "all.aiida", reporter=recorder)
    assert path == out / "all.aiida"
    contents = read_archive(path, out / "read")

    # members: metadata first and stored, then the database, then objects, in file order too
    names = [info.filename for info in contents.infos]
    assert names[:2] == ["metadata.json", "db.sqlite3"]
    assert all(name.startswith("repo/") for name in names[2:])
    assert [info.compress_type for info in contents.infos[:2]] == [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]
    assert {info.compress_type for info in contents.infos[2:]} == {zipfile.ZIP_DEFLATED}
    offsets = [info.header_offset for info in contents.infos]
    assert offsets == sorted(offsets)

    metadata = contents.metadata
    assert list(metadata) == [
        "export_version",
        "aiida_version",
        "provgraph_version",
        "key_format",
        "compression",
        "ctime",
        "creation_parameters",
    ]
    assert metadata["export_version"] == "main_0001"
    assert metadata["aiida_version"] == "2.9.4"
    assert metadata["provgraph_version"] == installed_version()
    assert (metadata["key_format"], metadata["compression"]) == ("sha256", 6)
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+$", metadata["ctime"])
    assert metadata["creation_parameters"] == {
        "entities_starting_set": None,
        "include_authinfos": False,
        "include_comments": True,
        "include_logs": True,
        "graph_traversal_rules": dict(validate_traversal_rules(GraphTraversalRules.EXPORT).rules),
    }
    assert list(metadata["creation_parameters"]["graph_traversal_rules"]) == list(RULE_NAMES)

    # rows: everything, ids and uuids as in the profile
    assert contents.column("db_dbnode", "uuid") == all_uuids(orm.Node)
    assert contents.column("db_dbuser", "email") == set(
        orm.QueryBuilder().append(orm.User, project="email").all(flat=True)
    )
    assert contents.column("db_dbgroup", "uuid") == all_uuids(orm.Group)
    assert contents.column("db_dbcomputer", "uuid") == {graph.computer.uuid}
    assert contents.column("db_dbcomment", "content") == {"first comment on x", "the result, by someone else"}
    assert "a log" in contents.column("db_dblog", "message")
    assert contents.count("db_dblog") == 2  # the explicit one and the excepted calculation's
    assert contents.count("db_dbauthinfo") == 0
    assert contents.links() == profile_links(backend)
    assert contents.memberships() == {
        ("archive/inputs", graph.x.uuid),
        ("archive/inputs", graph.y.uuid),
        ("archive/results", graph.result.uuid),
        ("archive/results", graph.summary.uuid),
    }
    ids = dict(contents.database.execute("SELECT uuid, id FROM db_dbnode"))
    assert ids[graph.result.uuid] == graph.result.pk

    # objects: every referenced content once, named by its sha256
    nodes = orm.QueryBuilder().append(orm.Node).all(flat=True)
    assert set(contents.objects) == referenced_keys(nodes)
    assert all(hashlib.sha256(content).hexdigest() == key for key, content in contents.objects.items())
    assert len(contents.objects) == len(set(contents.objects.values()))

    summary = recorder.summary
    assert summary is not None
    assert summary.counts["nodes"] == len(nodes)
    assert summary.counts["links"] == len(contents.links())
    assert summary.counts["group_nodes"] == 4
    assert summary.objects == len(contents.objects)
    assert summary.object_bytes == sum(len(content) for content in contents.objects.values())
    assert summary.archive_bytes == path.stat().st_size
    assert not summary.test_run
    assert recorder.steps == sum(summary.counts.values()) + summary.objects
    assert ("Archiving nodes", summary.counts["nodes"]) in recorder.phases
    assert ("Archiving users", summary.counts["users"]) in recorder.phases
    assert ("Archiving links", None) in recorder.phases
    assert recorder.phases[-1] == ("Archiving files", summary.objects)


def test_values_are_written_as_aiida_writes_them(graph: ArchiveGraph, out: Path) -> None:
    contents = read_archive(create_archive(None, out / "a.aiida"), out / "read")
    database = contents.database
    row = database.execute(
        "SELECT uuid, ctime, mtime, attributes, extras, repository_metadata, dbcomputer_id, user_id "
        "FROM db_dbnode WHERE uuid = ?",
        (graph.folder.uuid,),
    ).fetchone()
    uuid, ctime, mtime, attributes, extras, repository_metadata, computer, user = row
    assert uuid == graph.folder.uuid
    assert TIME.match(ctime)
    assert TIME.match(mtime)
    assert ctime == graph.folder.ctime.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    assert json.loads(repository_metadata) == graph.folder.repository_metadata
    assert json.loads(extras)["_aiida_hash"] == graph.folder.base.extras.get("_aiida_hash")
    assert json.loads(attributes) == graph.folder.base.attributes.all
    assert computer is None
    assert user == graph.folder.user.pk
    # JSON as json.dumps writes it (ASCII escapes), as aiida-core's SQLAlchemy JSON columns do
    log_time, metadata = database.execute(
        "SELECT time, metadata FROM db_dblog WHERE message = 'a log'"
    ).fetchone()
    assert log_time == "2024-01-02 03:04:05.000000"
    assert metadata == "{}"
    group_time, group_extras = database.execute(
        "SELECT time, extras FROM db_dbgroup WHERE label = 'archive/inputs'"
    ).fetchone()
    assert TIME.match(group_time)
    assert group_extras == '{"group_extra": 1}'
    (computer_metadata,) = database.execute("SELECT metadata FROM db_dbcomputer").fetchone()
    assert json.loads(computer_metadata) == graph.computer.metadata
    types = database.execute(
        "SELECT typeof(uuid), typeof(ctime), typeof(attributes), typeof(dbcomputer_id) "
        "FROM db_dbnode WHERE id = ?",
        (graph.code.pk,),
    ).fetchone()
    assert types == ("text", "text", "text", "integer")


def test_checkpoints_are_stripped_unless_asked(graph: ArchiveGraph, out: Path) -> None:
    query = "SELECT attributes FROM db_dbnode WHERE uuid = ?"
    stripped = read_archive(create_archive([graph.checkpointed], out / "s.aiida"), out / "s")
    (attributes,) = stripped.database.execute(query, (graph.checkpointed.uuid,)).fetchone()
    assert "checkpoints" not in json.loads(attributes)
    assert json.loads(attributes)["sealed"] is True
    kept = read_archive(
        create_archive([graph.checkpointed], out / "k.aiida", strip_checkpoints=False), out / "k"
    )
    (attributes,) = kept.database.execute(query, (graph.checkpointed.uuid,)).fetchone()
    assert json.loads(attributes)["checkpoints"] == "serialised state"


def test_a_group_takes_its_nodes_and_their_users(graph: ArchiveGraph, out: Path) -> None:
    contents = read_archive(create_archive([graph.inputs], out / "g.aiida"), out / "g")
    # inputs are not followed forward by default: the group's two nodes only
    assert contents.column("db_dbnode", "uuid") == {graph.x.uuid, graph.y.uuid}
    assert contents.column("db_dbgroup", "label") == {"archive/inputs"}
    assert contents.memberships() == {("archive/inputs", graph.x.uuid), ("archive/inputs", graph.y.uuid)}
    assert contents.count("db_dblink") == 0
    assert contents.column("db_dbcomment", "content") == {"first comment on x"}
    assert contents.column("db_dbuser", "email") == {graph.x.user.email}
    assert contents.count("db_dbcomputer") == 0
    assert contents.objects == {}
    assert contents.metadata["creation_parameters"]["entities_starting_set"] == {"group": [graph.inputs.uuid]}


def test_a_result_takes_its_provenance(graph: ArchiveGraph, backend: StorageBackend, out: Path) -> None:
    contents = read_archive(create_archive([graph.result], out / "r.aiida"), out / "r")
    expected = get_nodes_export([graph.result.pk])["nodes"]
    uuids = {orm.load_node(pk).uuid for pk in expected}
    assert contents.column("db_dbnode", "uuid") == uuids
    roles = (graph.x, graph.y, graph.z, graph.workflow, graph.sum_calc, graph.product_calc, graph.result)
    assert uuids == {node.uuid for node in roles} | {
        link.node.uuid for link in graph.sum_calc.base.links.get_outgoing(link_type=orm.LinkType.CREATE).all()
    }
    assert contents.links() == {
        link for link in profile_links(backend) if link[0] in uuids and link[1] in uuids
    }
    # the other user commented on the result: comment and user come along
    assert contents.column("db_dbcomment", "content") == {"first comment on x", "the result, by someone else"}
    assert graph.other_user.email in contents.column("db_dbuser", "email")
    assert contents.column("db_dblog", "message") == {"a log"}
    assert contents.count("db_dbgroup") == 0
    assert contents.metadata["creation_parameters"]["entities_starting_set"] == {"node": [graph.result.uuid]}


def test_toggles(graph: ArchiveGraph, out: Path) -> None:
    alone = read_archive(
        create_archive(
            [graph.result],
            out / "alone.aiida",
            create_backward=False,
            include_comments=False,
            include_logs=False,
        ),
        out / "alone",
    )
    assert alone.column("db_dbnode", "uuid") == {graph.result.uuid}
    assert alone.count("db_dbcomment") == 0
    assert alone.column("db_dbuser", "email") == {graph.result.user.email}
    rules = alone.metadata["creation_parameters"]
    assert rules["graph_traversal_rules"]["create_backward"] is False
    assert (rules["include_comments"], rules["include_logs"]) == (False, False)

    forward = read_archive(
        create_archive([graph.text], out / "forward.aiida", input_calc_forward=True),
        out / "forward",
    )
    assert {graph.summary_calc.uuid, graph.summary.uuid, graph.folder.uuid} <= forward.column(
        "db_dbnode", "uuid"
    )
    files = {hashlib.sha256(content).hexdigest() for content in FOLDER_FILES.values()}
    assert files <= set(forward.objects)

    no_callers = read_archive(
        create_archive([graph.sum_calc], out / "nc.aiida", call_calc_backward=False), out / "nc"
    )
    assert graph.workflow.uuid not in no_callers.column("db_dbnode", "uuid")
    with_callers = read_archive(create_archive([graph.sum_calc], out / "wc.aiida"), out / "wc")
    assert graph.workflow.uuid in with_callers.column("db_dbnode", "uuid")


def test_authinfos_and_computers(graph: ArchiveGraph, out: Path) -> None:
    with_auth = read_archive(
        create_archive([graph.code], out / "code.aiida", include_authinfos=True), out / "code"
    )
    assert with_auth.column("db_dbnode", "uuid") == {graph.code.uuid}
    assert with_auth.column("db_dbcomputer", "label") == {"archive-computer"}
    assert with_auth.count("db_dbauthinfo") == 1
    (user_id, computer_id, enabled) = with_auth.database.execute(
        "SELECT aiidauser_id, dbcomputer_id, enabled FROM db_dbauthinfo"
    ).fetchone()
    assert (computer_id, enabled) == (graph.computer.pk, 1)
    assert user_id in with_auth.column("db_dbuser", "id")

    computer_only = read_archive(create_archive([graph.computer], out / "c.aiida"), out / "c")
    assert computer_only.column("db_dbcomputer", "uuid") == {graph.computer.uuid}
    assert computer_only.count("db_dbnode") == 0
    assert computer_only.count("db_dbuser") == 0  # users of nodes, groups, comments, authinfos only
    assert computer_only.metadata["creation_parameters"]["entities_starting_set"] == {
        "computer": [graph.computer.uuid]
    }

    user_only = read_archive(create_archive([graph.other_user], out / "u.aiida"), out / "u")
    assert user_only.column("db_dbuser", "email") == {graph.other_user.email}
    assert user_only.metadata["creation_parameters"]["entities_starting_set"] == {
        "user": [graph.other_user.email]
    }


def test_unsealed_processes_are_refused(graph: ArchiveGraph, out: Path) -> None:
    running = orm.WorkflowNode().store()
    with pytest.raises(ExportValidationError, match=rf"PK\(s\): {running.pk} is/are not sealed"):
        create_archive(None, out / "x.aiida")
    with pytest.raises(ExportValidationError):
        create_archive([running], out / "x.aiida", test_run=True)
    assert list(out.iterdir()) == []
    create_archive([graph.result], out / "fine.aiida")  # not reachable from the result


def test_licenses(graph: ArchiveGraph, out: Path) -> None:
    target = out / "l.aiida"
    with pytest.raises(LicensingException, match=rf"Node {graph.licensed.pk} is licensed under 'CC-BY-4.0'"):
        create_archive([graph.licensed], target, forbidden_licenses=["CC-BY-4.0"])
    with pytest.raises(LicensingException, match="not in the list of allowed licenses"):
        create_archive([graph.licensed], target, allowed_licenses=["MIT"])
    with pytest.raises(LicensingException, match="allowed_licenses function error"):
        create_archive([graph.licensed], target, allowed_licenses=lambda name: 1 / 0)
    with pytest.raises(TypeError):
        create_archive([graph.licensed], target, allowed_licenses=5)  # type: ignore[arg-type]
    assert not target.exists()
    create_archive([graph.licensed, graph.x], target, allowed_licenses=lambda name: name.startswith("CC"))
    create_archive([graph.x], target, overwrite=True, forbidden_licenses=["CC-BY-4.0"])  # unlicensed: fine


def test_existing_files_need_overwrite(graph: ArchiveGraph, out: Path) -> None:
    target = out / "a.aiida"
    target.write_bytes(b"precious")
    with pytest.raises(ArchiveExportError, match="already exists"):
        create_archive(None, target)
    assert target.read_bytes() == b"precious"
    create_archive(None, target, overwrite=True)
    assert zipfile.is_zipfile(target)
    (out / "folder.aiida").mkdir()
    with pytest.raises(ArchiveExportError, match="exists as a directory"):
        create_archive(None, out / "folder.aiida", overwrite=True)


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failure_midway_leaves_nothing_behind(
    graph: ArchiveGraph, out: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    target = out / "a.aiida"
    target.write_bytes(b"the previous archive")
    copied: list[str] = []
    real_copy = writer_module._copy_member

    def copy_then_fail(archive: zipfile.ZipFile, name: str, stream: Any) -> int:
        if copied:
            raise error
        copied.append(name)
        return real_copy(archive, name, stream)

    monkeypatch.setattr(writer_module, "_copy_member", copy_then_fail)
    with pytest.raises(type(error)):
        create_archive(None, target, overwrite=True)
    assert copied
    assert list(target.parent.iterdir()) == [target]
    assert target.read_bytes() == b"the previous archive"


def test_a_missing_object_leaves_nothing_behind(
    graph: ArchiveGraph, backend: StorageBackend, out: Path
) -> None:
    key = next(iter(referenced_keys([graph.text])))
    backend.get_repository().delete_objects([key])
    with pytest.raises(FileNotFoundError):
        create_archive(None, out / "a.aiida")
    assert list(out.iterdir()) == []


def test_dry_run_writes_nothing(graph: ArchiveGraph, out: Path) -> None:
    recorder = Recorder()
    target = out / "dry.aiida"
    assert create_archive(None, target, test_run=True, reporter=recorder) == target
    assert list(out.iterdir()) == []
    summary = recorder.summary
    assert summary is not None
    assert summary.test_run
    nodes = orm.QueryBuilder().append(orm.Node).all(flat=True)
    assert summary.counts["nodes"] == len(nodes)
    assert summary.counts["groups"] == 3
    assert summary.counts["comments"] == 2
    assert summary.objects == len(referenced_keys(nodes))
    assert summary.object_bytes == 0
    assert summary.archive_bytes is None
    assert ("repository objects", str(summary.objects)) in summary.table()


def test_compression_levels(graph: ArchiveGraph, out: Path) -> None:
    stored = create_archive(None, out / "0.aiida", compression=0)
    with zipfile.ZipFile(stored) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
        assert json.loads(archive.read("metadata.json"))["compression"] == 0
    best = create_archive(None, out / "9.aiida", compression=9)
    assert best.stat().st_size < stored.stat().st_size


def test_parameters_are_checked(graph: ArchiveGraph, out: Path) -> None:
    target = out / "a.aiida"
    with pytest.raises(ArchiveExportError, match="compression must be an integer between 0 and 9"):
        create_archive(None, target, compression=10)
    with pytest.raises(ArchiveExportError, match="archive_format"):
        create_archive(None, target, archive_format="zip")
    with pytest.raises(InputValidationError, match="batch_size"):
        create_archive(None, target, batch_size=0)
    with pytest.raises(ValueError, match="input rule create_forward is not toggleable"):
        create_archive([graph.x], target, create_forward=False)
    with pytest.raises(InputValidationError, match="unknown graph traversal rules: nonsense"):
        create_archive([graph.x], target, nonsense=True)
    with pytest.raises(ArchiveExportError, match="not a User, Node, Computer, or Group"):
        create_archive([graph.x, "x"], target)
    with pytest.raises(TypeError):
        create_archive("x", target)  # type: ignore[arg-type]
    assert list(out.iterdir()) == []
    # unstored entities are skipped, as aiida-core does
    create_archive([orm.Int(1), graph.x], target)
    assert read_archive(target, out / "r").column("db_dbnode", "uuid") == {graph.x.uuid}


def test_small_batches_give_the_same_archive(
    graph: ArchiveGraph, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = read_archive(create_archive([graph.result, graph.results], out / "big.aiida"), out / "big")
    small = read_archive(
        create_archive([graph.result, graph.results], out / "small.aiida", batch_size=2, filter_size=2),
        out / "small",
    )
    for table in ("db_dbnode", "db_dbuser", "db_dbcomment", "db_dblog", "db_dbgroup"):
        assert small.column(table, "id") == big.column(table, "id")
    assert small.links() == big.links()
    assert small.memberships() == big.memberships()
    assert small.objects == big.objects


def test_the_schema_is_the_fixture_archives(graph: ArchiveGraph, out: Path) -> None:
    ours = read_archive(create_archive(None, out / "a.aiida"), out / "ours").database
    with zipfile.ZipFile(SMALL_ARCHIVE) as archive:
        archive.extract("db.sqlite3", out / "theirs")
    theirs = sqlite3.connect(out / "theirs" / "db.sqlite3")

    def schema(database: sqlite3.Connection) -> dict[tuple[str, str], str]:
        rows = database.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        return {(kind, name): re.sub(r"\s+", "", sql or "") for kind, name, sql in rows}

    assert schema(ours) == schema(theirs)
    assert len(ARCHIVE_SCHEMA) == len(schema(theirs))


def test_rows_written_meanwhile_stay_out(
    graph: ArchiveGraph, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_check = create_module.check_node_licenses
    late: list[orm.Node] = []

    def check_after_a_late_write(*args: Any, **kwargs: Any) -> Any:
        # runs once the selection is made, before any row is read
        late.append(add(graph.x, orm.Int(100)))  # a node, a calculation, links, after selecting
        graph.results.add_nodes([late[0]])
        late[0].base.comments.add("late comment")
        return real_check(*args, **kwargs)

    monkeypatch.setattr(create_module, "check_node_licenses", check_after_a_late_write)
    contents = read_archive(create_archive(None, out / "a.aiida"), out / "read")
    assert late
    nodes = contents.column("db_dbnode", "id")
    assert late[0].pk not in nodes
    assert "late comment" not in contents.column("db_dbcomment", "content")
    for table, column in (
        ("db_dblink", "input_id"),
        ("db_dblink", "output_id"),
        ("db_dbgroup_dbnodes", "dbnode_id"),
        ("db_dbcomment", "dbnode_id"),
        ("db_dblog", "dbnode_id"),
    ):
        assert contents.column(table, column) <= nodes, (table, column)
