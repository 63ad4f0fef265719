"""What an imported graph looks like, in the terms of aiida-core's manifests (shared test helpers)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from provgraph.orm import Node, QueryBuilder
from provgraph.storage.abstract import StorageBackend

__all__ = ["graph_links", "node_type_counts", "repository_files", "same_json"]


def graph_links(backend: StorageBackend | None = None) -> list[list[str]]:
    """Every link as ``[source uuid, target uuid, type, label]``, sorted (the manifests' ``links``)."""
    qb = QueryBuilder(backend=backend)
    qb.append(Node, project="uuid", tag="source")
    qb.append(Node, with_incoming="source", project="uuid", edge_project=["type", "label"])
    return sorted([source, target, kind, label] for source, target, kind, label in qb.iterall())


def node_type_counts(backend: StorageBackend | None = None) -> dict[str, int]:
    found: dict[str, int] = {}
    for (node_type,) in QueryBuilder(backend=backend).append(Node, project="node_type").iterall():
        found[node_type] = found.get(node_type, 0) + 1
    return found


def repository_files(node: Node) -> dict[str, str]:
    """A node's files: path -> sha256 of the content (the manifests' ``repository_files``)."""
    files = {}
    for root, _dirs, names in node.base.repository.walk():
        for name in names:
            path = str(root / name) if str(root) not in ("", ".") else name
            content = node.base.repository.get_object_content(path, mode="rb")
            files[path] = hashlib.sha256(content).hexdigest()
    return files


def same_json(found: Any, expected: Any) -> bool:
    """Equal as JSON, types included: Python's ``True == 1`` and ``1 == 1.0`` do not count."""
    return json.dumps(found, sort_keys=True) == json.dumps(expected, sort_keys=True)
