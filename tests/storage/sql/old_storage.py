"""Storages at an old schema revision, full of data, and a snapshot of everything they hold.

Imported as ``tests.storage.sql.old_storage`` by the migration tests. The rows are written with
SQL, as the code of that revision would have left them (no ORM: the ORM only opens storages at
the head revision), and cover every table: users, a computer and its authinfo, nodes with
attributes, extras and files, links of several types, groups with members and extras,
comments, logs, settings. Three CalcJobNodes carry an ``_aiida_hash`` extra (the hash
``main_0002`` drops); other nodes carry one too, which must stay.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, Engine, insert, inspect, select, text

from provgraph.config.profile import Profile
from provgraph.repository.disk_objectstore import DiskObjectStoreRepository
from provgraph.storage import get_storage_class
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sql.dos import write_repository_uuid
from provgraph.storage.sql.location import DosLocation
from provgraph.storage.sql.migrator import Migrator
from provgraph.storage.sql.tables import (
    authinfos,
    comments,
    computers,
    group_nodes,
    groups,
    links,
    logs,
    nodes,
    settings,
    users,
)

__all__ = [
    "CALCJOB",
    "ENTITY_TABLES",
    "FILES",
    "OldStorage",
    "create_at_revision",
    "create_old_storage",
    "location_of",
    "schema_of",
    "snapshot",
]

CALCJOB = "process.calculation.calcjob.CalcJobNode."
CALCFUNCTION = "process.calculation.calcfunction.CalcFunctionNode."
WORKCHAIN = "process.workflow.workchain.WorkChainNode."
ENTITY_TABLES = (users, computers, authinfos, nodes, links, groups, group_nodes, comments, logs, settings)

#: The node files: path in the node -> content.
FILES = {"a.txt": b"alpha\n", "sub/b.bin": bytes(range(256)), "retrieved/out.log": "ünïcode ✓\n".encode()}

_T0 = datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)


def location_of(profile: Profile) -> DosLocation:
    cls = get_storage_class(profile.storage_backend)
    assert issubclass(cls, SqlDosBackend)
    return cls.location(profile)


Filler = Callable[[Connection, DiskObjectStoreRepository], None]


def create_at_revision(profile: Profile, revision: str, then: Filler | None = None) -> None:
    """A storage whose schema stops at ``revision``, paired with its container; ``then`` fills it
    in the same transaction."""
    location = location_of(profile)
    location.create_database()
    repository = DiskObjectStoreRepository(location.container_path)
    repository.initialise()

    def pair_and_fill(connection: Connection) -> None:
        write_repository_uuid(connection, repository.uuid)
        if then is not None:
            then(connection, repository)

    engine = location.create_engine()
    try:
        Migrator(engine, location.describe()).upgrade(revision, then=pair_and_fill)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class OldStorage:
    """Ids of what :func:`create_old_storage` wrote, for the checks after a migration."""

    hashed_calcjobs: tuple[int, ...]
    """CalcJobNodes with an ``_aiida_hash`` extra: the rows ``main_0002`` changes."""
    other_calcjobs: tuple[int, ...]
    """CalcJobNodes without the extra (one with NULL extras): unchanged."""
    other_hashed: tuple[int, ...]
    """Other nodes with an ``_aiida_hash`` extra: unchanged."""
    file_node: int
    keys: dict[str, str]


def _file_tree(keys: dict[str, str], paths: list[str]) -> dict[str, Any]:
    """AiiDA's ``repository_metadata`` for ``paths`` (``{"o": {name: {"k": key} or {"o": ...}}}``)."""
    root: dict[str, Any] = {}
    for path in paths:
        folder = root
        *parents, name = path.split("/")
        for parent in parents:
            folder = folder.setdefault("o", {}).setdefault(parent, {})
        folder.setdefault("o", {})[name] = {"k": keys[path]}
    return root


def create_old_storage(profile: Profile, revision: str = "main_0001") -> OldStorage:
    """A storage at ``revision`` holding one of everything (see the module docstring)."""
    written: dict[str, Any] = {}

    def fill(connection: Connection, repository: DiskObjectStoreRepository) -> None:
        keys = {
            path: repository.put_object_from_filelike(io.BytesIO(content)) for path, content in FILES.items()
        }
        written.update(_fill(connection, keys, profile.default_user_email), keys=keys)

    create_at_revision(profile, revision, fill)
    return OldStorage(**written)


def _insert(connection: Connection, table: Any, **values: Any) -> int:
    return int(connection.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())


def _fill(connection: Connection, keys: dict[str, str], email: str) -> dict[str, Any]:
    me = _insert(connection, users, email=email, first_name="Ada", last_name="L.", institution="Lab")
    other = _insert(connection, users, email="other@lab.org", first_name="", last_name="", institution="")
    computer = _insert(
        connection,
        computers,
        uuid="2b0e0d70-6bd5-4d4f-9f0e-2d8c1b6a1a01",
        label="cluster",
        hostname="cluster.lab.org",
        description="the big one",
        scheduler_type="core.slurm",
        transport_type="core.ssh",
        metadata={
            "workdir": "/scratch/{username}",
            "mpirun_command": ["mpirun", "-np", "{tot_num_mpiprocs}"],
        },
    )
    _insert(
        connection,
        authinfos,
        aiidauser_id=me,
        dbcomputer_id=computer,
        metadata={"safe_interval": 5.5},
        auth_params={"username": "ada", "port": 22},
        enabled=True,
    )

    def node(index: int, node_type: str, **values: Any) -> int:
        row = {
            "uuid": f"00000000-0000-4000-8000-{index:012d}",
            "node_type": node_type,
            "process_type": None,
            "label": f"node {index}",
            "description": "",
            "ctime": _T0 + timedelta(seconds=index, microseconds=index),
            "mtime": _T0 + timedelta(hours=1, seconds=index),
            "attributes": {},
            "extras": {},
            "repository_metadata": {},
            "dbcomputer_id": None,
            "user_id": me,
        }
        row.update(values)
        return _insert(connection, nodes, **row)

    number = node(
        1, "data.core.int.Int.", attributes={"value": 5}, extras={"_aiida_hash": "int-hash", "n": 1}
    )
    text_node = node(
        2,
        "data.core.dict.Dict.",
        label="ünïcode ✓ label",
        description="a description\nwith lines",
        attributes={"nested": {"list": [1, 2.5, None, True, "x"], "empty": {}}, "big": 2**53 + 1},
        extras={"tags": ["a", "b"], "deep": {"x": {"y": [{"z": None}]}}},
    )
    files = node(
        3,
        "data.core.folder.FolderData.",
        repository_metadata=_file_tree(keys, ["a.txt", "sub/b.bin"]),
        extras={"_aiida_hash": "folder-hash"},
    )
    job_attributes = {
        "process_state": "finished",
        "exit_status": 0,
        "sealed": True,
        "resources": {"num_machines": 1},
        "parser_name": "core.arithmetic.add",
    }
    job = node(
        4,
        CALCJOB,
        process_type="aiida.calculations:core.arithmetic.add",
        attributes=job_attributes,
        extras={"_aiida_hash": "calcjob-hash", "_aiida_cached_from": "x", "kept": {"a": 1}},
        repository_metadata=_file_tree(keys, ["retrieved/out.log"]),
        dbcomputer_id=computer,
    )
    job_only_hash = node(5, CALCJOB, attributes=job_attributes, extras={"_aiida_hash": "only"}, user_id=other)
    job_unhashed = node(6, CALCJOB, attributes=job_attributes, extras={"kept": True})
    job_null_extras = node(7, CALCJOB, attributes=job_attributes, extras=None)
    function = node(
        8,
        CALCFUNCTION,
        process_type="math.add",
        attributes={"process_state": "finished", "sealed": True},
        extras={"_aiida_hash": "calcfunction-hash"},
    )
    workflow = node(
        9,
        WORKCHAIN,
        process_type="aiida.workflows:core.arithmetic.add_multiply",
        attributes={"process_state": "finished", "sealed": True},
        extras={"_aiida_hash": "workchain-hash"},
    )
    output = node(10, "data.core.int.Int.", attributes={"value": 8}, extras={"_aiida_hash": "output-hash"})

    for source, target, link_type, label in [
        (number, job, "input_calc", "x"),
        (text_node, job, "input_calc", "parameters"),
        (job, files, "create", "retrieved"),
        (job, output, "create", "sum"),
        (workflow, job, "call_calc", "CALL"),
        (workflow, function, "call_calc", "CALL"),
        (number, function, "input_calc", "x"),
        (number, workflow, "input_work", "x"),
        (output, workflow, "return", "result"),
    ]:
        _insert(connection, links, input_id=source, output_id=target, type=link_type, label=label)

    group = _insert(
        connection,
        groups,
        uuid="3c1f1e81-7ce6-4e5a-8a1f-3e9d2c7b2b02",
        label="results",
        type_string="core",
        time=_T0,
        description="what we got",
        extras={"project": "x", "_private": [1]},
        user_id=me,
    )
    auto = _insert(
        connection,
        groups,
        uuid="4d2a2f92-8df7-4f6b-9b2a-4fae3d8c3c03",
        label="2024-03-01",
        type_string="core.auto",
        time=_T0 + timedelta(days=1),
        description="",
        extras={},
        user_id=other,
    )
    for group_id, node_id in [(group, output), (group, files), (auto, job), (auto, number)]:
        _insert(connection, group_nodes, dbgroup_id=group_id, dbnode_id=node_id)

    for index, (node_id, user, content) in enumerate(
        [(job, me, "looks right"), (output, other, "ünïcode ✓")]
    ):
        _insert(
            connection,
            comments,
            uuid=f"5e3b3fa3-9e08-4a7c-8c3b-{index:012d}",
            dbnode_id=node_id,
            ctime=_T0 + timedelta(minutes=index),
            mtime=_T0 + timedelta(minutes=index, seconds=30),
            user_id=user,
            content=content,
        )
    for index, (level, message) in enumerate([("REPORT", "submitted"), ("WARNING", "slow\nqueue")]):
        _insert(
            connection,
            logs,
            uuid=f"6f4c4ab4-af19-4b8d-9d4c-{index:012d}",
            time=_T0 + timedelta(minutes=index),
            loggername="aiida.orm.nodes.process.calculation.calcjob.CalcJobNode",
            levelname=level,
            dbnode_id=job,
            message=message,
            metadata={"exc_info": None, "args": [index]},
        )
    _insert(
        connection,
        settings,
        key="process|state_change|calculation",
        val="2024-03-01T12:00:00+00:00",
        description="",
        time=_T0,
    )
    return {
        "hashed_calcjobs": (job, job_only_hash),
        "other_calcjobs": (job_unhashed, job_null_extras),
        "other_hashed": (number, files, function, workflow, output),
        "file_node": files,
    }


def _engine(profile: Profile) -> Engine:
    return location_of(profile).create_engine()


def snapshot(profile: Profile) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (decoded by the column types), by table, ordered by id; plus the revision."""
    engine = _engine(profile)
    try:
        with engine.connect() as connection:
            tables = {table.name: _rows(connection, table) for table in ENTITY_TABLES}
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    finally:
        engine.dispose()
    return {**tables, "alembic_version": [{"version_num": value} for value in version]}


def _rows(connection: Connection, table: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in connection.execute(select(table).order_by(table.c.id))]


def schema_of(profile: Profile) -> dict[str, Any]:
    """Tables, columns (name, type, nullability), indexes, unique and foreign keys, for comparisons."""
    engine = _engine(profile)
    try:
        found = inspect(engine)
        return {name: _table_schema(found, name) for name in sorted(found.get_table_names())}
    finally:
        engine.dispose()


def _table_schema(found: Any, name: str) -> dict[str, Any]:
    indexes = found.get_indexes(name)
    uniques = found.get_unique_constraints(name)
    keys = found.get_foreign_keys(name)
    return {
        "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(name)],
        "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in indexes),
        "unique": sorted((u["name"], tuple(u["column_names"])) for u in uniques),
        "foreign_keys": sorted(
            (tuple(k["constrained_columns"]), k["referred_table"], str(k.get("options", {}))) for k in keys
        ),
    }
