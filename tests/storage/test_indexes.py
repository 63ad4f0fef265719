"""Declared attribute indexes on both SQL backends: built, recorded, used by the planner, kept.

Every test stores enough nodes that a planner prefers an index where one fits (PostgreSQL scans
a table of a few hundred rows whatever its indexes), and checks the plan by the index's name.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from tests.data_files import SMALL_ARCHIVE
from tests.storage.backup_helpers import open_profile_storage, restore_options
from tests.storage.conftest import ROWS
from tests.storage.sql.descriptions import vertex
from tests.storage.sql.test_qb_compiler import query
from tests.storage.sqlite_zip.conftest import profile_for

from provgraph.config.profile import Profile
from provgraph.exceptions import InputValidationError, InvalidOperation, StorageError
from provgraph.storage import EntityTypes, get_storage_class
from provgraph.storage.indexes import IndexDeclaration
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sql.indexes import SETTING_KEY
from provgraph.storage.sqlite_zip.backend import SqliteZipBackend
from provgraph.tools.archive import create_archive
from provgraph.tools.backup import restore_profile


def _query(filters: dict[str, Any], node_type: str = "data.core.dict.%") -> dict[str, Any]:
    """A QueryBuilder description: ids of the nodes of ``node_type`` matching ``filters``."""
    return query(
        vertex("n"),
        filters={"n": {"node_type": {"like": node_type}, **filters}},
        project={"n": ["id"]},
    )


def _ids(storage: SqlDosBackend, filters: dict[str, Any], node_type: str = "data.core.dict.%") -> set[int]:
    return {row[0] for row in storage.query_rows(_query(filters, node_type))}


def _plan(storage: SqlDosBackend, filters: dict[str, Any], node_type: str = "data.core.dict.%") -> str:
    return storage.query_plan(_query(filters, node_type), execute=False)


def test_an_index_is_built_recorded_and_used(filled: SqlDosBackend) -> None:
    storage = filled
    before = _ids(storage, {"attributes.k": "key-42"})
    assert len(before) == ROWS // 100
    assert "ix_pg_" not in _plan(storage, {"attributes.k": "key-42"})
    shares: list[float] = []
    declaration = storage.indexes.add("attributes.k", progress=shares.append)
    assert shares
    assert shares[-1] == 1.0
    assert declaration == IndexDeclaration("attributes", ("k",))
    assert declaration.name in _plan(storage, {"attributes.k": "key-42"})
    assert _ids(storage, {"attributes.k": "key-42"}) == before
    (status,) = storage.indexes.status()
    assert status.present
    assert status.declaration == declaration
    assert status.size_bytes is not None
    assert status.size_bytes > 0
    if storage.sql.dialect.name == "postgresql":  # the planner's use is counted by PostgreSQL only
        assert status.scans is not None
    # recorded in the settings: a storage opened anew plans with it at once
    assert storage.get_global_variable(SETTING_KEY) == [declaration.to_json()]
    again = get_storage_class(storage.profile.storage_backend)(storage.profile)
    try:
        assert again.indexes.declared() == [declaration]
        assert declaration.name in _plan(again, {"attributes.k": "key-42"})  # type: ignore[arg-type]
    finally:
        again.close()


def test_ranges_strings_and_extras_use_their_indexes(filled: SqlDosBackend) -> None:
    storage = filled
    questions: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("attributes.x", {"value_type": "float"}, {"attributes.x": {"and": [{">=": 20.0}, {"<": 30.0}]}}),
        ("extras.tag", {"value_type": "str"}, {"extras.tag": "e7"}),
        ("attributes.k", {"value_type": "str"}, {"attributes.k": {"<": "key-10"}}),
    ]
    for path, options, filters in questions:
        expected = _ids(storage, filters)
        declaration = storage.indexes.add(path, **options)
        assert declaration.name in _plan(storage, filters), (path, _plan(storage, filters))
        assert _ids(storage, filters) == expected
    assert len(storage.indexes.status()) == 3


def test_a_postgresql_gin_index_serves_containment(filled: SqlDosBackend) -> None:
    storage = filled
    filters = {"attributes.tags": {"contains": ["t3"]}}
    if storage.sql.dialect.name != "postgresql":
        with pytest.raises(InputValidationError, match="PostgreSQL's"):
            storage.indexes.add("attributes.tags", kind="gin")
        assert storage.indexes.declared() == []
        return
    expected = _ids(storage, filters)
    declaration = storage.indexes.add("attributes.tags", kind="gin")
    assert declaration.name in _plan(storage, filters)
    assert _ids(storage, filters) == expected


def test_a_partial_index_serves_its_node_type_only(filled: SqlDosBackend) -> None:
    storage = filled
    declaration = storage.indexes.add("attributes.k", node_type="data.core.dict.")
    dicts = {"attributes.k": "key-5"}
    assert declaration.name in _plan(storage, dicts)
    assert declaration.name not in _plan(storage, dicts, node_type="data.core.int.%")
    assert len(_ids(storage, dicts)) == ROWS // 100
    assert len(_ids(storage, dicts, node_type="data.core.int.%")) == 2000


@pytest.mark.parametrize(
    ("path", "options", "message"),
    [
        ("energy", {}, "must start with attributes. or extras."),
        ("attributes.", {}, "must start with attributes. or extras."),
        ("attributes.a..b", {}, "must be non-empty printable ASCII"),
        ("attributes.é", {}, "must be non-empty printable ASCII"),
        ("attributes.it's", {}, "must be non-empty printable ASCII"),
        ("attributes.x", {"value_type": "complex"}, "index type must be one of"),
        ("attributes.x", {"kind": "hash"}, "index kind must be one of"),
        ("attributes.x", {"kind": "gin", "value_type": "str"}, "give no --type"),
        ("attributes.x", {"node_type": "data.core.dict"}, "ending with a dot"),
    ],
)
def test_bad_declarations_are_refused_before_any_change(
    storage: SqlDosBackend, path: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputValidationError, match=message):
        storage.indexes.add(path, **options)
    assert storage.indexes.declared() == []


def test_a_second_declaration_of_the_same_index_is_refused(storage: SqlDosBackend) -> None:
    declaration = storage.indexes.add("attributes.k", value_type="text")  # an alias of str
    assert declaration.value_type == "str"
    with pytest.raises(InputValidationError, match="declared already, as ix_pg_"):
        storage.indexes.add("attributes.k", value_type="str")
    storage.indexes.add("attributes.k")  # another kind of index on the same path is another index
    assert len(storage.indexes.declared()) == 2


def test_drop_by_name_or_path(filled: SqlDosBackend) -> None:
    storage = filled
    energy = storage.indexes.add("attributes.x", value_type="float")
    tag = storage.indexes.add("extras.tag")
    with pytest.raises(InputValidationError, match=f"no declared index 'nothing'; declared: {energy.name}"):
        storage.indexes.drop("nothing")
    assert storage.indexes.drop("extras.tag") == tag
    assert storage.indexes.drop(energy.name) == energy
    assert storage.indexes.status() == []
    assert "ix_pg_" not in _plan(storage, {"attributes.x": 5.0})
    with storage.sql.connection() as conn:
        assert storage.sql.dialect.index_details(conn, [energy.name, tag.name]) == {}


def test_indexes_cannot_change_inside_a_transaction(storage: SqlDosBackend) -> None:
    with storage.transaction(), pytest.raises(InvalidOperation, match="inside a transaction"):
        storage.indexes.add("attributes.k")
    assert storage.indexes.declared() == []


def _drop_behind_the_storage(storage: SqlDosBackend, name: str) -> None:
    with storage.sql.engine.connect() as conn:
        conn.execute(text(f'DROP INDEX "{name}"'))
        conn.commit()


def test_maintenance_and_migration_build_a_missing_declared_index(filled: SqlDosBackend) -> None:
    storage = filled
    declaration = storage.indexes.add("attributes.k")
    _drop_behind_the_storage(storage, declaration.name)
    (status,) = storage.indexes.status()
    assert not status.present
    report = storage.maintain(dry_run=True)
    assert any(step.detail == "would build 1 missing: attributes.k" for step in report.steps)
    assert not storage.indexes.status()[0].present
    report = storage.maintain()
    assert any(step.detail == "built 1 missing: attributes.k" for step in report.steps)
    assert storage.indexes.status()[0].present
    _drop_behind_the_storage(storage, declaration.name)
    type(storage).migrate(storage.profile)
    assert storage.indexes.status()[0].present
    assert any(step.detail == "all 1 present" for step in storage.maintain().steps)


def test_a_backup_restores_with_its_indexes(
    filled: SqlDosBackend, registered_profile: Profile, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    storage = filled
    declaration = storage.indexes.add("attributes.x", value_type="float")
    backup = storage.backup(tmp_path / "backups")
    options = restore_options(storage.profile.storage_backend, tmp_path, request, "indexed")
    restore_profile(backup.folder, "indexed", storage_options=options)
    restored = open_profile_storage("indexed")
    try:
        (status,) = restored.indexes.status()
        assert status.declaration == declaration
        assert status.present
        assert declaration.name in _plan(restored, {"attributes.x": {">": 1990.0}})
    finally:
        restored.close()


def test_an_archive_of_an_indexed_profile_carries_no_index(
    filled: SqlDosBackend, registered_profile: Profile, tmp_path: Path
) -> None:
    """Declared indexes are the storage's own: AiiDA's archive format holds neither them nor
    their declaration, and the archive opens (read-only) without any."""
    declaration = filled.indexes.add("attributes.k")
    archive = create_archive(None, tmp_path / "indexed.aiida")
    with zipfile.ZipFile(archive) as opened:
        (tmp_path / "db.sqlite3").write_bytes(opened.read("db.sqlite3"))
    database = sqlite3.connect(tmp_path / "db.sqlite3")
    try:
        names = [row[0] for row in database.execute("SELECT name FROM sqlite_master")]
        tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        settings = (
            [] if "db_dbsetting" not in tables else list(database.execute("SELECT key FROM db_dbsetting"))
        )
    finally:
        database.close()
    assert declaration.name not in names
    assert not [name for name in names if name.startswith("ix_pg_")]
    assert (SETTING_KEY,) not in settings
    opened_archive = SqliteZipBackend(profile_for(Path(archive)))
    try:
        assert opened_archive.indexes.status() == []
    finally:
        opened_archive.close()


def test_an_archive_has_no_indexes_and_takes_none(tmp_path: Path) -> None:
    archive = SqliteZipBackend(profile_for(Path(SMALL_ARCHIVE)))
    try:
        assert archive.indexes.status() == []
        with pytest.raises(InvalidOperation, match="read-only"):
            archive.indexes.add("attributes.value")
    finally:
        archive.close()


def test_statistics_are_refreshed_after_a_large_batch(storage: SqlDosBackend) -> None:
    (user,) = storage.bulk_insert(EntityTypes.USER, [{"email": "s@x"}], allow_defaults=True)
    storage.bulk_insert(EntityTypes.NODE, [{"user_id": user} for _ in range(100)], allow_defaults=True)
    assert not _analysed(storage)  # a small batch: not worth it
    storage.bulk_insert(EntityTypes.NODE, [{"user_id": user} for _ in range(10_000)], allow_defaults=True)
    assert _analysed(storage)


def _analysed(storage: SqlDosBackend) -> bool:
    with storage.sql.engine.connect() as conn:
        if storage.sql.dialect.name == "postgresql":
            query = "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'db_dbnode'"
            return bool(conn.execute(text(query)).scalar_one())
        exists = conn.execute(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        ).scalar_one()
        if not exists:
            return False
        return bool(
            conn.execute(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'db_dbnode'")).scalar_one()
        )


_BUILD_CHILD = """
import sys
from pathlib import Path
from provgraph.config.profile import Profile
from provgraph.storage import get_storage_class
profile = Profile.new("killed", "core.sqlite_dos", {"filepath": sys.argv[1]}, test_profile=True)
storage = get_storage_class("core.sqlite_dos")(profile)
def report(share):
    Path(sys.argv[2]).touch()
storage.indexes.add("attributes.k", progress=report)
print("built", flush=True)
"""


@pytest.fixture
def sqlite_storage(make_profile: Any) -> Iterator[SqlDosBackend]:
    profile = make_profile("core.sqlite_dos")
    get_storage_class("core.sqlite_dos").initialise(profile)
    storage = get_storage_class("core.sqlite_dos")(profile)
    assert isinstance(storage, SqlDosBackend)
    try:
        yield storage
    finally:
        storage.close()


def test_a_build_killed_midway_leaves_no_index_and_no_declaration(
    sqlite_storage: SqlDosBackend, tmp_path: Path
) -> None:
    """SIGKILL while SQLite builds the index: its transaction never committed, so neither the
    index nor the declaration exists, and a new ``add`` builds it."""
    storage = sqlite_storage
    (user,) = storage.bulk_insert(EntityTypes.USER, [{"email": "k@x"}], allow_defaults=True)
    for start in range(0, 300_000, 20_000):  # in batches: the test process's peak RSS stays small
        rows = [{"user_id": user, "attributes": {"k": f"v{i}" * 20}} for i in range(start, start + 20_000)]
        storage.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True)
    started = tmp_path / "started"
    command = [sys.executable, "-c", _BUILD_CHILD, storage.profile.storage_config["filepath"], str(started)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as child:
        deadline = time.monotonic() + 60
        while not started.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(child.pid, signal.SIGKILL)
        output, _ = child.communicate()
    assert started.exists(), f"the child never reported progress: {output}"
    assert child.returncode == -signal.SIGKILL, output
    assert storage.indexes.declared() == []
    name = IndexDeclaration("attributes", ("k",)).name
    with storage.sql.connection() as conn:
        assert storage.sql.dialect.index_details(conn, [name]) == {}
    storage.indexes.add("attributes.k")
    assert storage.indexes.status()[0].present


def test_a_postgresql_build_cancelled_midway_leaves_no_index_and_no_declaration(
    postgres_storage: SqlDosBackend,
) -> None:
    """``CREATE INDEX CONCURRENTLY`` cancelled while it waits for a writer: the invalid index it
    leaves is dropped, nothing is declared, the error is one line, and a new ``add`` builds it."""
    storage = postgres_storage
    (user,) = storage.bulk_insert(EntityTypes.USER, [{"email": "c@x"}], allow_defaults=True)
    storage.bulk_insert(EntityTypes.NODE, [{"user_id": user, "attributes": {"k": 1}}], allow_defaults=True)
    name = IndexDeclaration("attributes", ("k",)).name
    failures: list[BaseException] = []

    def build() -> None:
        try:
            storage.indexes.add("attributes.k")
        except BaseException as exc:  # the test checks what the builder raised
            failures.append(exc)

    engine = storage.sql.engine
    with engine.connect() as writer, engine.connect() as opened:
        writer.execute(text("UPDATE db_dbnode SET label = 'busy'"))  # an open write: the build waits
        builder = threading.Thread(target=build)
        builder.start()
        watcher = opened.execution_options(isolation_level="AUTOCOMMIT")
        waiting = (
            "SELECT pid FROM pg_stat_activity "
            "WHERE query LIKE 'CREATE INDEX CONCURRENTLY%' AND pid <> pg_backend_pid()"
        )
        deadline = time.monotonic() + 30
        pid = None
        while pid is None and time.monotonic() < deadline:
            pid = watcher.execute(text(waiting)).scalar()
            time.sleep(0.02)
        assert pid is not None, "the build never started"
        assert watcher.execute(text("SELECT pg_cancel_backend(:pid)"), {"pid": pid}).scalar()
        writer.rollback()  # the writer ends: the failed build's invalid index can now be dropped
        builder.join(60)
    assert not builder.is_alive()
    (failure,) = failures
    assert isinstance(failure, StorageError)
    assert f"building index {name} on attributes.k failed" in str(failure)
    assert storage.indexes.declared() == []
    with storage.sql.engine.connect() as conn:  # not even an invalid leftover
        left = conn.execute(text("SELECT count(*) FROM pg_class WHERE relname = :n"), {"n": name})
        assert left.scalar() == 0
    storage.indexes.add("attributes.k")
    assert storage.indexes.status()[0].present
