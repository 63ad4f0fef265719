"""``archive import`` of aiida-core's own archive, on each SQL backend, against aiida-core's manifest.

The manifest (tests/data/aiida-archives/small.manifest.json) is what aiida-core 2.9.4 itself
found after importing the same file into an empty profile, so matching it field by field is
matching aiida-core's import.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.data_files import SMALL_ARCHIVE, SMALL_MANIFEST
from tests.tools.archive.archive_edits import edited_archive
from tests.tools.archive.graph_views import graph_links, node_type_counts, repository_files, same_json

from provgraph.cli import output
from provgraph.cli.archive import archive
from provgraph.config.profile import Profile
from provgraph.exceptions import ImportValidationError, InputValidationError
from provgraph.manager import get_manager
from provgraph.orm import AuthInfo, Comment, Computer, Group, Int, Log, Node, QueryBuilder, User, load_node
from provgraph.storage.abstract import EntityTypes, StorageBackend
from provgraph.tools.archive import create_archive
from provgraph.tools.archive.imports import import_archive, run_import

MANIFEST: dict[str, Any] = json.loads(SMALL_MANIFEST.read_text())


@pytest.fixture(autouse=True)
def _loaded(registered: Profile) -> Profile:
    return registered


def run(*args: str) -> Result:
    return CliRunner().invoke(archive, list(args), catch_exceptions=False)


def _counts(backend: StorageBackend) -> dict[str, int]:
    return backend.get_entity_counts()


def test_import_matches_aiida_core_manifest(backend: StorageBackend) -> None:
    group_pk = import_archive(SMALL_ARCHIVE, create_group=False)
    assert group_pk is None
    assert node_type_counts(backend) == MANIFEST["node_types"]
    links = graph_links(backend)
    assert links == sorted(MANIFEST["links"])
    canonical = json.dumps(links, sort_keys=True, ensure_ascii=False, default=str)
    assert hashlib.sha256(canonical.encode()).hexdigest() == MANIFEST["links_sha256"]
    counts = _counts(backend)
    totals = MANIFEST["totals"]
    assert counts["Nodes"] == totals["nodes"]
    assert counts["Links"] == totals["links"]
    assert counts["Groups"] == totals["groups"]
    assert counts["Comments"] == totals["comments"]
    assert counts["Logs"] == totals["logs"]
    assert counts["Computers"] == totals["computers"]

    for role, expected in MANIFEST["named_nodes"].items():
        node = load_node(expected["uuid"])
        assert node.node_type == expected["node_type"], role
        assert node.process_type == expected["process_type"], role
        assert node.label == expected["label"], role
        assert node.description == expected["description"], role
        assert same_json(node.base.attributes.all, expected["attributes"]), role
        assert same_json(node.base.extras.all, expected["extras"]), role
        assert node.ctime.isoformat() == expected["ctime"], role
        assert node.user.email == expected["user_email"], role
        assert (node.computer.label if node.computer else None) == expected["computer"], role
        assert node.base.repository.serialize() == expected["repository_metadata"], role
        assert repository_files(node) == expected["repository_files"], role

    for label, expected in MANIFEST["groups"].items():
        group = Group.collection.get(label=label)
        assert group.uuid == expected["uuid"]
        assert group.type_string == expected["type_string"]
        assert group.description == expected["description"]
        assert group.base.extras.all == expected["extras"]
        assert sorted(node.uuid for node in group.nodes) == expected["members"]

    chain = MANIFEST["chain_end"]
    qb = QueryBuilder(backend=backend)
    qb.append(Node, filters={"uuid": chain["uuid"]}, tag="end")
    qb.append(Node, with_descendants="end", project="uuid")
    assert sorted({uuid for (uuid,) in qb.iterall()}) == chain["ancestors"]

    comments = sorted([c.node.uuid, c.user.email, c.content] for c in Comment.collection.all())
    assert comments == MANIFEST["comments"]
    logs = sorted(
        [load_node(log.dbnode_id).uuid, log.levelname, log.loggername, log.message]
        for log in Log.collection.all()
    )
    assert logs == MANIFEST["logs"]
    assert sorted(user.email for user in User.collection.all()) == sorted(
        {*MANIFEST["users"], get_manager().get_profile().default_user_email}  # type: ignore[union-attr]
    )


def test_import_twice_adds_nothing_and_makes_one_import_group(backend: StorageBackend) -> None:
    first = run_import(SMALL_ARCHIVE)
    assert first.import_group_pk is not None
    group = Group.collection.get(id=first.import_group_pk)
    assert group.type_string == "core.import"
    assert group.count() == MANIFEST["totals"]["nodes"]
    before = _counts(backend)
    second = run_import(SMALL_ARCHIVE)
    assert second.import_group_pk is None
    assert sum(second.new.values()) == 0
    assert second.existing["Nodes"] == MANIFEST["totals"]["nodes"]
    assert _counts(backend) == before


def test_dry_run_writes_nothing(backend: StorageBackend) -> None:
    before = _counts(backend)
    summary = run_import(SMALL_ARCHIVE, test_run=True)
    assert summary.dry_run
    assert summary.new["Nodes"] == MANIFEST["totals"]["nodes"]
    assert summary.objects_copied > 0
    assert _counts(backend) == before
    assert not any(backend.get_repository().list_objects())


def test_into_named_group(backend: StorageBackend) -> None:
    target = Group(label="mine").store()
    assert import_archive(SMALL_ARCHIVE, group=target) == target.pk
    assert target.count() == MANIFEST["totals"]["nodes"]
    assert Group.collection.count() == 1 + len(MANIFEST["groups"])


def _int_uuid() -> str:
    return str(MANIFEST["named_nodes"]["int"]["uuid"])


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("none", {"mine": 1, "tag": "local"}),
        ("keep_existing", {"mine": 1, "tag": "local", "score": 0.5}),
        ("update_existing", {"mine": 1, "tag": "input", "score": 0.5}),
        ("mirror", {"tag": "input", "score": 0.5}),
    ],
)
def test_extras_modes_for_existing_nodes(
    backend: StorageBackend, mode: str, expected: dict[str, Any]
) -> None:
    import_archive(SMALL_ARCHIVE, create_group=False)
    node = load_node(_int_uuid())
    archived = MANIFEST["named_nodes"]["int"]["extras"]
    node.base.extras.reset({"mine": 1, "tag": "local"})
    import_archive(SMALL_ARCHIVE, create_group=False, merge_extras=mode)
    found = load_node(_int_uuid()).base.extras.all
    wanted = {
        key: archived.get(key, value) if key not in ("mine", "tag") else value
        for key, value in expected.items()
    }
    if mode in ("update_existing", "mirror"):
        wanted["tag"] = archived["tag"]
    if mode != "none":
        wanted.update({key: value for key, value in archived.items() if key not in ("mine", "tag")})
    assert found == wanted


def test_unknown_extras_mode_is_refused(backend: StorageBackend) -> None:
    with pytest.raises(InputValidationError, match="extras merge mode"):
        import_archive(SMALL_ARCHIVE, merge_extras="sideways")


def test_new_extras_dropped_with_mode_none(backend: StorageBackend) -> None:
    import_archive(SMALL_ARCHIVE, create_group=False, import_new_extras=False)
    assert load_node(_int_uuid()).base.extras.all == {}


def test_clashing_computer_and_group_labels_are_relabelled(backend: StorageBackend) -> None:
    Computer(label="fixture-computer", hostname="localhost").store()
    Group(label="fixture/inputs").store()
    summary = run_import(SMALL_ARCHIVE, create_group=False)
    assert (
        Computer.collection.get(label="fixture-computer (Imported #0)").uuid
        != Computer.collection.get(label="fixture-computer").uuid
    )
    assert (
        Group.collection.get(label="fixture/inputs (Imported #0)").uuid
        == MANIFEST["groups"]["fixture/inputs"]["uuid"]
    )
    assert set(summary.relabelled.values()) == {
        "fixture-computer (Imported #0)",
        "fixture/inputs (Imported #0)",
    }


@pytest.mark.parametrize(("mode", "keeps_local"), [("leave", True), ("newest", False), ("overwrite", False)])
def test_comment_modes(backend: StorageBackend, mode: str, keeps_local: bool) -> None:
    import_archive(SMALL_ARCHIVE, create_group=False)
    comment = Comment.collection.all()[0]
    original = comment.content
    backend.bulk_update(
        EntityTypes.COMMENT,
        [{"id": comment.pk, "content": "edited here", "mtime": comment.mtime.replace(year=2000)}],
    )
    import_archive(SMALL_ARCHIVE, create_group=False, merge_comments=mode)
    content = Comment.collection.get(id=comment.pk).content
    assert content == ("edited here" if keeps_local else original)


def test_objects_are_written_to_packs(backend: StorageBackend) -> None:
    import_archive(SMALL_ARCHIVE, create_group=False)
    info = backend.get_repository().get_info()
    assert info["Objects"]["packed"] > 0
    assert info["Objects"]["loose"] == 0


def test_existing_node_stays_as_it_was(backend: StorageBackend) -> None:
    import_archive(SMALL_ARCHIVE, create_group=False)
    node = load_node(_int_uuid())
    mtime = node.mtime
    import_archive(SMALL_ARCHIVE, create_group=False)
    assert load_node(_int_uuid()).mtime == mtime


def test_folder_archive(backend: StorageBackend, tmp_path: Path) -> None:
    folder = tmp_path / "unzipped"
    shutil.unpack_archive(SMALL_ARCHIVE, folder, format="zip")
    import_archive(folder, create_group=False)
    assert node_type_counts(backend) == MANIFEST["node_types"]


def test_import_next_to_own_nodes(backend: StorageBackend) -> None:
    own = Int(5).store()
    import_archive(SMALL_ARCHIVE, create_group=False)
    assert load_node(own.pk).value == 5
    assert _counts(backend)["Nodes"] == MANIFEST["totals"]["nodes"] + 1


def test_cli_import_prints_summary_and_is_idempotent(backend: StorageBackend) -> None:
    result = run("import", str(SMALL_ARCHIVE))
    assert result.exit_code == 0, result.output
    assert "Success: imported" in result.output
    assert "Nodes" in result.output
    again = run("import", str(SMALL_ARCHIVE), "--no-import-group")
    assert again.exit_code == 0, again.output
    assert _counts(backend)["Nodes"] == MANIFEST["totals"]["nodes"]


def test_cli_import_dry_run(backend: StorageBackend) -> None:
    result = run("import", "--dry-run", str(SMALL_ARCHIVE))
    assert result.exit_code == 0, result.output
    assert "would import" in result.output
    assert _counts(backend)["Nodes"] == 0


def test_cli_info_and_version() -> None:
    result = run("info", str(SMALL_ARCHIVE))
    assert result.exit_code == 0, result.output
    assert "export_version: main_0001" in result.output
    assert "data.core.int.Int." in result.output
    detailed = run("info", "--detailed", str(SMALL_ARCHIVE))
    assert "fixture-computer" in detailed.output
    version = run("version", str(SMALL_ARCHIVE))
    assert "'main_0001'" in version.output


def _a_create_link(connection: sqlite3.Connection) -> tuple[int, int, str]:
    row = connection.execute("SELECT input_id, output_id, label FROM db_dblink WHERE type = 'create' LIMIT 1")
    calc, output, label = row.fetchone()
    return int(calc), int(output), str(label)


def test_link_closing_a_cycle_through_the_profile_is_refused(backend: StorageBackend, tmp_path: Path) -> None:
    """The archive alone is acyclic; with the profile's create link it would not be."""
    import_archive(SMALL_ARCHIVE, create_group=False)

    def feed_back(connection: sqlite3.Connection) -> None:
        calc, output, _label = _a_create_link(connection)
        connection.execute(
            "DELETE FROM db_dblink WHERE type = 'create' AND input_id = ? AND output_id = ?", (calc, output)
        )
        connection.execute(
            "INSERT INTO db_dblink (input_id, output_id, label, type) VALUES (?, ?, 'again', 'input_calc')",
            (output, calc),
        )

    before = backend.get_entity_counts()
    with pytest.raises(ImportValidationError, match="cycle"):
        import_archive(edited_archive(tmp_path, db=feed_back), create_group=False)
    assert backend.get_entity_counts() == before


def test_second_output_under_a_taken_label_is_refused(backend: StorageBackend, tmp_path: Path) -> None:
    """A process the profile has may not gain another output of the same label from an archive."""
    import_archive(SMALL_ARCHIVE, create_group=False)

    def other_output(connection: sqlite3.Connection) -> None:
        calc, output, label = _a_create_link(connection)
        connection.execute(
            "DELETE FROM db_dblink WHERE type = 'create' AND input_id = ? AND output_id = ?", (calc, output)
        )
        connection.execute(
            "INSERT INTO db_dbnode (id, uuid, node_type, process_type, label, description, ctime, mtime, "
            "attributes, extras, repository_metadata, dbcomputer_id, user_id) "
            "SELECT 5000, 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', node_type, process_type, label, "
            "description, ctime, mtime, attributes, extras, repository_metadata, dbcomputer_id, user_id "
            "FROM db_dbnode WHERE id = ?",
            (output,),
        )
        connection.execute(
            "INSERT INTO db_dblink (input_id, output_id, label, type) VALUES (?, 5000, ?, 'create')",
            (calc, label),
        )

    before = backend.get_entity_counts()
    with pytest.raises(ImportValidationError, match="already has an outgoing create link"):
        import_archive(edited_archive(tmp_path, db=other_output), create_group=False)
    assert backend.get_entity_counts() == before


@pytest.mark.parametrize("include", [True, False])
def test_authinfos_imported_only_when_asked(
    backend: StorageBackend, make_profile: Callable[..., Profile], tmp_path: Path, include: bool
) -> None:
    computer = Computer(label="cluster", hostname="localhost").store()
    AuthInfo(computer, User.collection.get_default()).store()
    archive_path = tmp_path / "with-auth.aiida"
    create_archive(None, filename=archive_path, include_authinfos=True)

    other_profile = make_profile(backend.profile.storage_backend)
    storage_class = type(backend)
    storage_class.initialise(other_profile)
    other = storage_class(other_profile)
    try:
        user = {
            "email": other_profile.default_user_email,
            "first_name": "",
            "last_name": "",
            "institution": "",
        }
        other.bulk_insert(EntityTypes.USER, [user])
        import_archive(archive_path, include_authinfos=include, backend=other)
        assert other.count_rows(EntityTypes.COMPUTER, {"label": "cluster"}) == 1
        assert other.count_rows(EntityTypes.AUTHINFO) == (1 if include else 0)
    finally:
        other.close()


def test_cli_import_draws_progress_on_a_terminal(
    backend: StorageBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "stderr_is_terminal", lambda: True)
    result = run("import", str(SMALL_ARCHIVE))
    assert result.exit_code == 0, result.output
    assert backend.get_entity_counts()["Nodes"] == MANIFEST["totals"]["nodes"]
