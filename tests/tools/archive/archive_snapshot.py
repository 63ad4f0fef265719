"""A head-format archive read back in the shape of aiida-core's manifests (aiida-archives/README.md).

The manifests describe what aiida-core holds *after importing* an archive; the import drops
extras starting with ``_aiida_``, the ``hidden`` extra of legacy codes and the ``checkpoints``
attribute of process nodes. ``snapshot`` applies the same to what it reads, so an archive and its
manifest compare with ``==``; the archive itself keeps them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

__all__ = ["canonical_sha256", "repository_files", "snapshot"]


def canonical_sha256(value: Any) -> str:
    """The manifests' hash of a list: canonical JSON with Python's default separators."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def repository_files(metadata: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Path -> key of every file in a ``repository_metadata`` tree (files are the entries with 'k')."""
    files: dict[str, str] = {}
    for name, entry in metadata.get("o", {}).items():
        if "k" in entry:
            files[f"{prefix}{name}"] = entry["k"]
        else:
            files.update(repository_files(entry, f"{prefix}{name}/"))
    return files


def _iso(text: str | None) -> str | None:
    """An archive timestamp (naive UTC text) as the manifests print it."""
    if text is None:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).isoformat()


def _as_imported(node_type: str, attributes: dict[str, Any], extras: dict[str, Any]) -> tuple[dict, dict]:
    """Attributes and extras as aiida-core's import leaves them."""
    extras = {key: value for key, value in extras.items() if not key.startswith("_aiida_")}
    if node_type.endswith("code.Code."):
        extras.pop("hidden", None)
    attributes = dict(attributes)
    if node_type.startswith("process."):
        attributes.pop("checkpoints", None)
    return attributes, extras


def snapshot(archive: Path, work: Path) -> dict[str, Any]:
    """The archive's content in manifest form, plus ``repo``: key -> sha256 of each ``repo/`` member."""
    database = work / "snapshot-db.sqlite3"
    repo: dict[str, str] = {}
    with zipfile.ZipFile(archive) as opened:
        database.write_bytes(opened.read("db.sqlite3"))
        for name in opened.namelist():
            if name.startswith("repo/") and not name.endswith("/"):
                repo[name.removeprefix("repo/")] = hashlib.sha256(opened.read(name)).hexdigest()
    connection = sqlite3.connect(database)
    try:
        return {**_read(connection), "repo": repo}
    finally:
        connection.close()
        database.unlink()


def _read(connection: sqlite3.Connection) -> dict[str, Any]:
    users = dict(connection.execute("SELECT id, email FROM db_dbuser"))
    computers = dict(connection.execute("SELECT id, label FROM db_dbcomputer"))
    uuids = dict(connection.execute("SELECT id, uuid FROM db_dbnode"))
    nodes: dict[str, dict[str, Any]] = {}
    for row in connection.execute(
        "SELECT uuid, node_type, process_type, label, description, user_id, dbcomputer_id, ctime, mtime, "
        "attributes, extras, repository_metadata FROM db_dbnode"
    ):
        uuid, node_type, process_type, label, description, user, computer, ctime, mtime = row[:9]
        attributes, extras = _as_imported(node_type, json.loads(row[9] or "{}"), json.loads(row[10] or "{}"))
        repository_metadata = json.loads(row[11])
        nodes[uuid] = {
            "uuid": uuid,
            "node_type": node_type,
            "process_type": process_type,
            "label": label,
            "description": description,
            "user_email": users[user],
            "computer": computers.get(computer),
            "ctime": _iso(ctime),
            "mtime": _iso(mtime),
            "attributes": attributes,
            "extras": extras,
            "repository_files": repository_files(repository_metadata),
            "repository_metadata": repository_metadata,
        }
    links = sorted(
        [uuids[source], uuids[target], link_type, label]
        for source, target, link_type, label in connection.execute(
            "SELECT input_id, output_id, type, label FROM db_dblink"
        )
    )
    groups = {}
    for group_id, label, uuid, type_string, description, extras in connection.execute(
        "SELECT id, label, uuid, type_string, description, extras FROM db_dbgroup"
    ):
        members = sorted(
            uuids[node_id]
            for (node_id,) in connection.execute(
                "SELECT dbnode_id FROM db_dbgroup_dbnodes WHERE dbgroup_id = ?", (group_id,)
            )
        )
        groups[label] = {
            "uuid": uuid,
            "type_string": type_string,
            "description": description,
            "extras": json.loads(extras),
            "members": members,
        }
    comments = sorted(
        [uuids[node], users[user], content]
        for node, user, content in connection.execute("SELECT dbnode_id, user_id, content FROM db_dbcomment")
    )
    logs = sorted(
        [uuids[node], level, logger, message]
        for node, level, logger, message in connection.execute(
            "SELECT dbnode_id, levelname, loggername, message FROM db_dblog"
        )
    )
    node_rows = sorted(
        [node["uuid"], node["node_type"], node["process_type"], node["attributes"], node["extras"]]
        for node in nodes.values()
    )
    return {
        "totals": {
            "nodes": len(nodes),
            "links": len(links),
            "groups": len(groups),
            "comments": len(comments),
            "logs": len(logs),
            "users": len(users),
            "computers": len(computers),
        },
        "node_types": dict(Counter(node["node_type"] for node in nodes.values())),
        "process_types": dict(
            Counter(node["process_type"] for node in nodes.values() if node["process_type"])
        ),
        "link_types": dict(Counter(link[2] for link in links)),
        "links": links,
        "links_sha256": canonical_sha256(links),
        "nodes_sha256": canonical_sha256(node_rows),
        "groups": groups,
        "users": sorted(users.values()),
        "computers": sorted(computers.values()),
        "comments": comments,
        "logs": logs,
        "nodes": nodes,
    }
