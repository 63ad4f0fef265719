"""The manifest of a provgraph profile, gathered with provgraph's public API only.

The same manifest ``aiida_side.py manifest`` computes from an aiida-core profile (both hand their
plain records to :func:`tests.interop.canonical.assemble_manifest`), so that after importing
``small.aiida`` into provgraph, ``manifest_of_profile()`` equals ``small.manifest.json`` on every
key the two have, and a provgraph archive imported into aiida-core can be checked node by node.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tests.interop import canonical

from provgraph import orm
from provgraph.storage.abstract import StorageBackend

__all__ = ["manifest_of_profile", "strip_private_extras"]

NODE_COLUMNS = (
    "uuid",
    "node_type",
    "process_type",
    "label",
    "description",
    "ctime",
    "mtime",
    "attributes",
    "extras",
    "repository_metadata",
    "user_id",
    "dbcomputer_id",
)
GROUP_COLUMNS = ("uuid", "label", "type_string", "description", "extras", "user_id")


def manifest_of_profile(
    backend: StorageBackend | None = None,
    *,
    ancestors_of: str | None = None,
    private_extras: bool = True,
) -> dict[str, Any]:
    """The manifest of the profile whose storage is ``backend`` (default: the loaded profile's).

    ``private_extras=False`` drops node extras whose key starts with ``_aiida_`` (the caching
    hash), as aiida-core's import does; the fixture manifests never have them. ``ancestors_of``
    adds ``chain_end``: the ancestors of that node (uuid), as the fixtures record them.
    """

    def query() -> orm.QueryBuilder:
        return orm.QueryBuilder(backend=backend)

    emails: dict[int, str] = dict(query().append(orm.User, project=["id", "email"]).all())
    computers: dict[int, str] = dict(query().append(orm.Computer, project=["id", "label"]).all())
    owners: set[str] = set()

    nodes: dict[str, dict[str, Any]] = {}
    for row in query().append(orm.Node, project=list(NODE_COLUMNS)).iterall():
        record = dict(zip(NODE_COLUMNS, row, strict=True))
        user_id, computer_id = record.pop("user_id"), record.pop("dbcomputer_id")
        record["user_email"] = emails[user_id]
        owners.add(emails[user_id])
        record["computer"] = None if computer_id is None else computers[computer_id]
        record["ctime"] = canonical.iso_time(record["ctime"])
        record["mtime"] = canonical.iso_time(record["mtime"])
        record["attributes"] = record["attributes"] or {}
        record["extras"] = record["extras"] or {}
        if not private_extras:
            record["extras"] = strip_private_extras(record["extras"])
        record["repository_metadata"] = record["repository_metadata"] or {}
        record["repository_files"] = _repository_files(record["uuid"], record["repository_metadata"], backend)
        nodes[record["uuid"]] = record

    links = query().append(orm.Node, tag="source", project="uuid")
    links.append(orm.Node, with_incoming="source", project="uuid", edge_project=["type", "label"])

    groups: dict[str, dict[str, Any]] = {}
    for row in query().append(orm.Group, project=list(GROUP_COLUMNS)).all():
        group = dict(zip(GROUP_COLUMNS, row, strict=True))
        owners.add(emails[group.pop("user_id")])
        members = query().append(orm.Group, filters={"uuid": group["uuid"]}, tag="group")
        members.append(orm.Node, with_group="group", project="uuid")
        group["members"] = members.all(flat=True)
        group["extras"] = group["extras"] or {}
        groups[group.pop("label")] = group

    comments = []
    commented = query().append(orm.Node, tag="node", project="uuid")
    commented.append(orm.Comment, with_node="node", project=["user_id", "content"])
    for uuid, user_id, content in commented.iterall():
        owners.add(emails[user_id])
        comments.append([uuid, emails[user_id], content])
    logged = query().append(orm.Node, tag="node", project="uuid")
    logged.append(orm.Log, with_node="node", project=["levelname", "loggername", "message"])

    storage = backend if backend is not None else _loaded_storage()
    result = canonical.assemble_manifest(
        nodes=nodes,
        links=links.all(),
        groups=groups,
        users=canonical.manifest_users(emails.values(), owners, storage.profile.default_user_email),
        computers=computers.values(),
        comments=comments,
        logs=logged.all(),
    )
    if ancestors_of is not None:
        ancestors = query().append(orm.Node, filters={"uuid": ancestors_of}, tag="end")
        ancestors.append(orm.Node, with_descendants="end", project="uuid")
        result["chain_end"] = canonical.ancestors_record(ancestors_of, ancestors.all(flat=True))
    return result


def strip_private_extras(extras: dict[str, Any]) -> dict[str, Any]:
    """``extras`` without the ``_aiida_*`` keys aiida-core's import drops."""
    return {key: value for key, value in extras.items() if not key.startswith("_aiida_")}


def _repository_files(uuid: str, metadata: dict[str, Any], backend: StorageBackend | None) -> dict[str, str]:
    """path -> sha256 of each file's content, read back through the node's repository."""
    paths = [path for path, _ in canonical.repository_paths(metadata)]
    if not paths:
        return {}
    repository = orm.load_node(uuid=uuid, backend=backend).base.repository
    return {
        path: hashlib.sha256(repository.get_object_content(path, mode="rb")).hexdigest() for path in paths
    }


def _loaded_storage() -> StorageBackend:
    from provgraph.manager import get_manager

    return get_manager().get_profile_storage()
