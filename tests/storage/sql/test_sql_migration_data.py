"""``provgraph storage migrate`` of a storage at the oldest revision holding data, on both backends.

Every row of every table is compared before and after: all values stay as they were, except
exactly what ``main_0002`` changes (the ``_aiida_hash`` extra of CalcJobNodes goes, and the
revision). The schema, the container's objects and the files as the ORM reads them are
unchanged, and the dropped hashes are recomputed by ``provgraph node rehash``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.child_processes import profile_in_use
from tests.storage.sql.old_storage import (
    FILES,
    OldStorage,
    create_old_storage,
    location_of,
    schema_of,
    snapshot,
)

from provgraph.cli import prompts
from provgraph.cli.main import cli
from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.orm.loaders import load_node
from provgraph.repository.disk_objectstore import DiskObjectStoreRepository
from provgraph.storage import get_storage_class

ProfileFactory = Callable[..., Profile]


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def old(backend_name: str, make_profile: ProfileFactory) -> tuple[Profile, OldStorage]:
    """A registered (default) profile whose storage is at ``main_0001``, full of data."""
    profile = make_profile(backend_name)
    written = create_old_storage(profile)
    with Config.modify() as config:
        config.add_profile(profile)
        config.set_default_profile(profile.name)
    get_manager().reset()
    return profile, written


Snapshot = dict[str, list[dict[str, Any]]]


def objects_of(profile: Profile) -> list[str]:
    return sorted(DiskObjectStoreRepository(location_of(profile).container_path).list_objects())


def expected_after_main_0002(before: Snapshot, hashed: tuple[int, ...]) -> Snapshot:
    """``before`` with exactly the changes of ``main_0002``."""
    expected = copy.deepcopy(before)
    for row in expected["db_dbnode"]:
        if row["id"] in hashed:
            del row["extras"]["_aiida_hash"]
    expected["alembic_version"] = [{"version_num": "main_0002"}]
    return expected


def test_every_row_survives_and_only_calcjob_hashes_go(old: tuple[Profile, OldStorage]) -> None:
    profile, written = old
    before = snapshot(profile)
    schema_before = schema_of(profile)
    objects_before = objects_of(profile)
    assert before["alembic_version"] == [{"version_num": "main_0001"}]
    assert {len(rows) for name, rows in before.items() if name != "alembic_version"} >= {2}  # all filled

    result = run("storage", "migrate", "--force")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    hint = f"Back up the storage before migrating it: {location_of(profile).describe_database()} and "
    assert lines[0].startswith(hint)
    assert lines[-1] == f"Migrated storage of {profile.name!r} from 'main_0001' to 'main_0002'."

    after = snapshot(profile)
    expected = expected_after_main_0002(before, written.hashed_calcjobs)
    for table in expected:
        assert after[table] == expected[table], table
    assert schema_of(profile) == schema_before
    assert objects_of(profile) == objects_before
    extras = {row["id"]: row["extras"] for row in after["db_dbnode"]}
    assert all("_aiida_hash" not in extras[pk] for pk in written.hashed_calcjobs)
    assert all("_aiida_hash" in extras[pk] for pk in written.other_hashed)
    assert extras[written.other_calcjobs[1]] is None  # NULL stays NULL


def test_the_migrated_storage_opens_and_the_hashes_are_recomputed(old: tuple[Profile, OldStorage]) -> None:
    profile, written = old
    assert run("storage", "migrate", "--force").exit_code == 0
    get_manager().reset()
    get_manager().load_profile(profile.name)
    folder = load_node(written.file_node)
    assert folder.base.repository.get_object_content("a.txt", mode="rb") == FILES["a.txt"]
    assert folder.base.repository.get_object_content("sub/b.bin", mode="rb") == FILES["sub/b.bin"]
    job = load_node(written.hashed_calcjobs[0])
    assert [comment.content for comment in job.base.comments.all()] == ["looks right"]
    assert job.base.caching.get_hash() is None

    result = run("node", "rehash", "--force", *(str(pk) for pk in written.hashed_calcjobs))
    assert result.exit_code == 0, result.output
    for pk in written.hashed_calcjobs:
        node = load_node(pk)
        assert node.base.caching.get_hash() == node.base.caching.compute_hash() is not None


def test_opening_an_old_storage_is_refused_with_one_line(old: tuple[Profile, OldStorage]) -> None:
    result = run("storage", "info")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    assert "'main_0001'" in lines[0]
    assert "run `provgraph storage migrate`" in lines[0]


def test_migrate_asks_after_the_backup_hint(
    old: tuple[Profile, OldStorage], monkeypatch: pytest.MonkeyPatch
) -> None:
    profile, _ = old
    result = run("storage", "migrate")
    assert result.exit_code == 2  # no terminal: confirmation needs --force
    assert "--force" in result.output
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    result = run("storage", "migrate", input="n\n")
    assert result.exit_code == 1
    assert result.output.index("Back up the storage") < result.output.index("Migrate storage of")
    assert get_storage_class(profile.storage_backend).version_profile(profile) == "main_0001"
    result = run("storage", "migrate", input="y\n")
    assert result.exit_code == 0, result.output
    assert get_storage_class(profile.storage_backend).version_profile(profile) == "main_0002"


def test_migrate_is_refused_while_another_process_uses_the_profile(old: tuple[Profile, OldStorage]) -> None:
    profile, _ = old
    before = snapshot(profile)
    with profile_in_use(profile) as child:
        result = run("storage", "migrate", "--force")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert f"in use by PID {child.pid}" in errors[0]
    assert snapshot(profile) == before


def test_a_newer_revision_is_refused_with_one_line(old: tuple[Profile, OldStorage]) -> None:
    profile, _ = old
    assert run("storage", "migrate", "--force").exit_code == 0
    engine = location_of(profile).create_engine()
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'main_0099'")
    finally:
        engine.dispose()
    for args in (("storage", "info"), ("storage", "migrate", "--force")):
        result = run(*args)
        assert result.exit_code == 1
        errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, result.output
        assert "'main_0099'" in errors[0]
        assert "newer" in errors[0]
        assert "Traceback" not in result.output
    assert get_storage_class(profile.storage_backend).version_profile(profile) == "main_0099"
