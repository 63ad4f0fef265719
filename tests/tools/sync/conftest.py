"""Two real profiles for sync tests: a laptop and a server, in both directions across the backends.

``pair`` registers both profiles, loads the laptop one (ORM entities go there by default) and
opens the server's storage on its own; ``signature`` describes a storage's graph in UUIDs, so
that two storages can be compared whatever their ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.storage import get_storage_class
from provgraph.storage.abstract import EntityTypes, StorageBackend

DIRECTIONS = [("core.sqlite_dos", "core.psql_dos"), ("core.psql_dos", "core.sqlite_dos")]


@dataclass
class SyncPair:
    laptop: Profile
    server: Profile
    source: StorageBackend  # the laptop's storage (the manager's)
    target: StorageBackend  # the server's storage, opened on its own

    def reopen_target(self) -> StorageBackend:
        self.target.close()
        self.target = get_storage_class(self.server.storage_backend)(self.server)
        return self.target


def _initialise(profile: Profile) -> None:
    get_storage_class(profile.storage_backend).initialise(profile)


@pytest.fixture(params=DIRECTIONS, ids=["sqlite-to-psql", "psql-to-sqlite"])
def pair(request: pytest.FixtureRequest, make_profile: Any) -> Iterator[SyncPair]:
    request.getfixturevalue("postgres_server")
    source_backend, target_backend = request.param
    laptop = make_profile(source_backend, name="laptop")
    server = make_profile(target_backend, name="server")
    for profile in (laptop, server):
        _initialise(profile)
    with Config.modify() as config:
        config.add_profile(laptop)
        config.add_profile(server)
        config.set_default_profile(laptop.name)
    manager = get_manager()
    manager.reset()
    manager.load_profile(laptop.name)
    user = {"email": laptop.default_user_email, "first_name": "", "last_name": "", "institution": ""}
    source = manager.get_profile_storage()
    source.bulk_insert(EntityTypes.USER, [user])
    target = get_storage_class(server.storage_backend)(server)
    found = SyncPair(laptop, server, source, target)
    try:
        yield found
    finally:
        found.target.close()
        manager.reset()


def signature(storage: StorageBackend) -> dict[str, Any]:
    """The graph in UUIDs: nodes (type, attributes, files), links, memberships, comments, logs."""
    nodes = {
        row["id"]: row
        for row in storage.get_rows(
            EntityTypes.NODE,
            columns=("id", "uuid", "node_type", "attributes", "repository_metadata", "label"),
        )
    }
    uuid_of = {pk: row["uuid"] for pk, row in nodes.items()}
    groups = {row["id"]: row for row in storage.get_rows(EntityTypes.GROUP)}
    repository = storage.get_repository()
    objects = set()
    for row in nodes.values():
        from provgraph.repository.tree import Repository

        for key in Repository.flatten(row["repository_metadata"] or {}).values():
            if key:
                with repository.open(key) as handle:
                    objects.add(hashlib.sha256(handle.read()).hexdigest())
    return {
        "nodes": {
            row["uuid"]: (row["node_type"], row["label"], repr(sorted((row["attributes"] or {}).items())))
            for row in nodes.values()
        },
        "links": {
            (uuid_of[row["input_id"]], uuid_of[row["output_id"]], row["type"], row["label"])
            for row in storage.get_rows(EntityTypes.LINK)
        },
        "groups": {(row["uuid"], row["type_string"]) for row in groups.values()},
        "memberships": {
            (groups[row["dbgroup_id"]]["uuid"], uuid_of[row["dbnode_id"]])
            for row in storage.get_rows(EntityTypes.GROUP_NODE)
        },
        "comments": {
            (row["uuid"], uuid_of[row["dbnode_id"]], row["content"])
            for row in storage.get_rows(EntityTypes.COMMENT)
        },
        "logs": {
            (row["uuid"], uuid_of[row["dbnode_id"]], row["message"])
            for row in storage.get_rows(EntityTypes.LOG)
        },
        "objects": objects,
    }
