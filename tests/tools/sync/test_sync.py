"""Sync between two real profiles on both backends (sqlite_dos -> psql_dos and back)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.broken_rows import write_unchecked
from tests.tools.archive.archive_graph import build_graph
from tests.tools.sync.conftest import SyncPair, signature

from provgraph import orm
from provgraph.config.profile import Profile
from provgraph.exceptions import SyncConflictError, SyncError
from provgraph.provenance import calcfunction
from provgraph.storage import get_storage_class
from provgraph.storage.abstract import EntityTypes
from provgraph.tools.archive import create_archive
from provgraph.tools.integrity import check_integrity
from provgraph.tools.sync import sync_profiles, sync_storages


@calcfunction
def double(x: Any) -> Any:
    return x * 2


def _clean(pair: SyncPair) -> None:
    for storage in (pair.source, pair.target):
        report = check_integrity(storage, hash_sample=0)
        assert report.is_clean, report.summary()


def test_first_sync_moves_the_whole_graph_and_a_second_moves_nothing(pair: SyncPair) -> None:
    build_graph()
    summary = sync_storages(pair.source, pair.target)
    assert not summary.incremental
    assert summary.new["Nodes"] == pair.source.count_rows(EntityTypes.NODE)
    assert summary.objects > 0
    assert summary.object_bytes > 0
    mine, theirs = signature(pair.source), signature(pair.target)
    for part in mine:
        assert mine[part] == theirs[part], part
    _clean(pair)

    again = sync_storages(pair.source, pair.target)
    assert again.incremental
    assert again.nothing_new, again.table()
    assert signature(pair.target) == theirs


def test_incremental_sync_moves_only_what_is_new(pair: SyncPair) -> None:
    graph = build_graph()
    sync_storages(pair.source, pair.target)
    before = pair.target.count_rows(EntityTypes.NODE)

    result = double(graph.x)  # a calculation on a node the server has: 2 new nodes, 2 links
    graph.inputs.add_nodes([graph.z])  # a membership of an old node
    graph.x.base.comments.add("a later comment")
    summary = sync_storages(pair.source, pair.target)
    assert summary.incremental
    assert summary.new["Nodes"] == 2
    assert summary.new["Links"] == 2
    assert summary.new["Comments"] == 1
    assert summary.new["Memberships"] >= 1
    assert pair.target.count_rows(EntityTypes.NODE) == before + 2
    assert signature(pair.source) == signature(pair.target)
    assert pair.target.count_rows(EntityTypes.NODE, {"uuid": result.uuid}) == 1
    _clean(pair)


def test_pull_and_push_by_profile_name(pair: SyncPair) -> None:
    build_graph()
    pair.target.close()
    summary = sync_profiles("laptop", "server")
    assert summary.source == "laptop"
    assert summary.target == "server"
    back = sync_profiles("server", "laptop")
    assert back.nothing_new
    assert sync_profiles("laptop", "server").nothing_new
    target = pair.reopen_target()
    assert signature(target) == signature(pair.source)


def test_dry_run_counts_and_writes_nothing(pair: SyncPair) -> None:
    build_graph()
    summary = sync_storages(pair.source, pair.target, dry_run=True)
    assert summary.dry_run
    assert summary.new["Nodes"] == pair.source.count_rows(EntityTypes.NODE)
    assert summary.objects > 0
    assert summary.object_bytes > 0
    assert pair.target.count_rows(EntityTypes.NODE) == 0
    assert not sync_storages(pair.source, pair.target).incremental  # the dry run left no cursor


def test_same_uuid_with_different_content_is_refused_and_nothing_is_written(pair: SyncPair) -> None:
    graph = build_graph()
    user = pair.target.bulk_insert(
        EntityTypes.USER,
        [{"email": "x@provgraph.test", "first_name": "", "last_name": "", "institution": ""}],
    )[0]
    row = pair.source.get_rows(EntityTypes.NODE, {"id": graph.x.pk})[0]
    impostor = {key: value for key, value in row.items() if key not in ("id", "dbcomputer_id")}
    impostor.update(attributes={"value": 1000}, user_id=user, dbcomputer_id=None)
    pair.target.bulk_insert(EntityTypes.NODE, [impostor])
    counts = pair.target.get_entity_counts()
    with pytest.raises(SyncConflictError, match=f"different content.*{graph.x.uuid}"):
        sync_storages(pair.source, pair.target)
    assert pair.target.get_entity_counts() == counts
    assert pair.target.count_rows(EntityTypes.LINK) == 0


def test_conflicting_extras_and_comments_follow_the_import_modes(pair: SyncPair) -> None:
    graph = build_graph()
    sync_storages(pair.source, pair.target)
    target_x = pair.target.get_rows(EntityTypes.NODE, {"uuid": graph.x.uuid}, columns=("id", "extras"))[0]
    pair.target.bulk_update(
        EntityTypes.NODE, [{"id": target_x["id"], "extras": {"colour": "blue", "mine": 1}}]
    )
    graph.x.base.extras.set_many({"colour": "red", "theirs": 2})
    comment = graph.x.base.comments.all()[0]
    comment.set_content("edited on the laptop")

    kept = sync_storages(pair.source, pair.target)  # defaults: keep the server's extras and comments
    assert kept.incremental
    extras = pair.target.get_rows(EntityTypes.NODE, {"id": target_x["id"]}, columns=("extras",))[0]["extras"]
    assert extras == {"colour": "blue", "mine": 1}
    contents = {row["content"] for row in pair.target.get_rows(EntityTypes.COMMENT)}
    assert "edited on the laptop" not in contents

    graph.x.base.extras.set("touched", True)  # changed again, so the next sync looks at it
    comment.set_content("edited on the laptop")
    sync_storages(pair.source, pair.target, merge_extras="update_existing", merge_comments="overwrite")
    extras = pair.target.get_rows(EntityTypes.NODE, {"id": target_x["id"]}, columns=("extras",))[0]["extras"]
    assert extras["colour"] == "red"
    assert extras["mine"] == 1
    assert extras["theirs"] == 2
    contents = {row["content"] for row in pair.target.get_rows(EntityTypes.COMMENT)}
    assert "edited on the laptop" in contents


def test_a_group_selection_moves_the_group_and_its_provenance_only(pair: SyncPair) -> None:
    graph = build_graph()
    summary = sync_storages(pair.source, pair.target, entities=[graph.results])
    moved = {row["uuid"] for row in pair.target.get_rows(EntityTypes.NODE, columns=("uuid",))}
    assert graph.result.uuid in moved
    assert graph.product_calc.uuid in moved  # the calculation that created the result (create_backward)
    assert graph.unrelated.uuid not in moved
    assert summary.new["Groups"] == 1
    assert sync_storages(pair.source, pair.target, entities=[graph.results]).nothing_new
    _clean(pair)


def test_unsealed_processes_wait_until_sealed(pair: SyncPair) -> None:
    build_graph()
    running = orm.CalcFunctionNode()
    running.set_process_state("running")
    running.store()
    summary = sync_storages(pair.source, pair.target)
    assert summary.unsealed == 1
    assert pair.target.count_rows(EntityTypes.NODE, {"uuid": running.uuid}) == 0
    running.set_process_state("finished")
    running.set_exit_status(0)
    running.seal()
    later = sync_storages(pair.source, pair.target)
    assert later.new["Nodes"] == 1
    assert pair.target.count_rows(EntityTypes.NODE, {"uuid": running.uuid}) == 1


def test_a_profile_cannot_sync_with_itself(pair: SyncPair) -> None:
    with pytest.raises(SyncError, match="same storage"):
        sync_storages(pair.source, pair.source)


def test_nodes_deleted_on_the_target_come_back_with_their_links(pair: SyncPair) -> None:
    graph = build_graph()
    sync_storages(pair.source, pair.target)
    double(graph.unrelated)
    sync_storages(pair.source, pair.target)
    # the server loses a node (deleted there); the next change that links to it brings it back
    target_id = pair.target.get_rows(EntityTypes.NODE, {"uuid": graph.y.uuid}, columns=("id",))[0]["id"]
    with pair.target.transaction():
        pair.target.delete_nodes_and_connections([target_id])
    double(graph.y)
    summary = sync_storages(pair.source, pair.target)
    assert summary.new["Nodes"] == 3  # y, the calculation, its result
    assert pair.target.count_rows(EntityTypes.NODE, {"uuid": graph.y.uuid}) == 1
    links = signature(pair.target)["links"]
    assert any(link[0] == graph.y.uuid for link in links)


def test_a_late_write_below_the_cursor_is_found(pair: SyncPair) -> None:
    """A node that appears below the cursor's marks (a writer whose clock lags, or a PostgreSQL
    transaction that took its id before the last sync and committed after) still travels."""
    build_graph()
    gap = orm.Int(1).store()
    with pair.source.transaction():
        pair.source.delete_nodes_and_connections([gap.pk])
    sync_storages(pair.source, pair.target)
    newest = pair.source.get_rows(EntityTypes.NODE, columns=("id",), order_by=("-mtime",), limit=1)[0]["id"]
    late = orm.Int(2).store()
    # the late node takes the free id below the cursor and the newest mtime the last sync saw
    write_unchecked(
        pair.source,
        f"UPDATE db_dbnode SET id = {gap.pk}, mtime = (SELECT mtime FROM db_dbnode WHERE id = {newest}) "
        f"WHERE id = {late.pk}",
    )
    summary = sync_storages(pair.source, pair.target)
    assert summary.incremental
    assert summary.new["Nodes"] == 1
    assert pair.target.count_rows(EntityTypes.NODE, {"uuid": late.uuid}) == 1
    assert sync_storages(pair.source, pair.target).nothing_new


def test_an_archive_opened_as_a_profile_syncs_like_a_profile(pair: SyncPair, tmp_path: Path) -> None:
    """A core.sqlite_zip profile (read-only) is a source: everything is compared by UUID each time."""
    build_graph()
    archive = create_archive(None, tmp_path / "shared.aiida")
    profile = Profile.new("shared", "core.sqlite_zip", {"filepath": str(archive)}, test_profile=True)
    with get_storage_class("core.sqlite_zip")(profile) as shared:
        summary = sync_storages(shared, pair.target)
        assert not summary.incremental
        assert summary.new["Nodes"] == shared.count_rows(EntityTypes.NODE)
        assert signature(pair.target) == signature(shared)
        again = sync_storages(shared, pair.target)
        assert again.nothing_new
        assert not again.incremental  # a read-only source keeps no cursor
