"""Backups taken while other processes write and pack are consistent, and restore what was committed.

A child process stores nodes with files, links, groups, comments and logs without pause; another
packs the container's loose objects over and over (so objects move from loose files into a pack
that grows while the backup copies it). Before each backup the test records every row committed
so far; each backup, restored into a new profile, must hold all of them, and be consistent
itself: every link and membership names existing nodes, every file's object is present with the
content its key says.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from backup_helpers import (
    GraphState,
    assert_consistent,
    graph_state,
    open_profile_storage,
    restore_options,
    store_files,
)
from backup_writers import pack_objects, write_graph
from tests.child_processes import spawn_child

from provgraph.common.backup_manifest import BackupSummary
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.storage import EntityTypes
from provgraph.tools.backup import restore_profile
from provgraph.tools.integrity import ProblemKind, check_integrity

BACKUPS = 3
PROCESS_FINDINGS = {ProblemKind.STALE_PROCESSES, ProblemKind.UNSEALED_PROCESSES}


def test_backups_while_writing_restore_everything_committed_before(
    registered_profile: Profile, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    storage = get_manager().get_profile_storage()
    store_files(150, size=30_000)  # some megabytes, so that each copy lasts while the others write
    context = multiprocessing.get_context("spawn")
    stop, writing, packing = context.Event(), context.Event(), context.Event()
    writer = spawn_child(write_graph, registered_profile.name, stop, writing)
    packer = spawn_child(pack_objects, str(storage.get_repository().path), stop, packing)
    taken: list[tuple[GraphState, BackupSummary, int]] = []
    try:
        assert writing.wait(60), "the writer did not start"
        assert packing.wait(60), "the packer did not start"
        for _ in range(BACKUPS):
            recorded = graph_state(storage)
            summary = storage.backup(tmp_path / "backups")
            taken.append((recorded, summary, storage.count_rows(EntityTypes.NODE)))
    finally:
        stop.set()
        writer.join(60)
        packer.join(60)
    assert writer.exitcode == 0
    assert packer.exitcode == 0

    for recorded, summary, nodes_after in taken:
        # the writer went on while this backup ran: more nodes afterwards than recorded before
        assert len(recorded.nodes) <= summary.manifest.counts["Nodes"] <= nodes_after
        assert len(recorded.nodes) < nodes_after, "the writer stored nothing while this backup ran"
    packed = [summary.manifest.counts["Objects packed"] for _, summary, _ in taken]
    assert packed == sorted(packed)
    assert packed[0] < packed[-1], "nothing was packed meanwhile"

    for index, (recorded, summary, _) in enumerate(taken):
        name = f"restored-{index}"
        restored = restore_profile(
            summary.folder,
            name,
            storage_options=restore_options(registered_profile.storage_backend, tmp_path, request, name),
        )
        assert restored.counts == summary.manifest.counts
        copy = open_profile_storage(name)
        try:
            report = check_integrity(copy, read_objects=True, hash_sample=None)
            # the writer's calculations are bare nodes, never run: only process findings may appear
            broken = [f.line() for f in report.findings if f.count and f.kind not in PROCESS_FINDINGS]
            assert broken == [], report.summary()
            state = assert_consistent(copy)
            assert recorded.missing_from(state) == {}, f"backup {index} lost rows committed before it began"
            assert len(state.nodes) == summary.manifest.counts["Nodes"]
            assert state.keys() >= recorded.keys()
        finally:
            copy.close()
