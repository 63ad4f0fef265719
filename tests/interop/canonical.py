"""The manifest of a provenance graph: canonical JSON, its hashes, and comparing two manifests.

Shared by both sides of the archive interop tests, so it imports neither aiida nor provgraph:
``aiida_side.py`` (run by the aiida-core virtualenv's python) loads it by path, and
``provgraph_manifest.py`` imports it as a module of the test suite. Each side gathers plain
records with its own API; everything computed from those records (totals, counts, hashes) is
computed here, once, by the rules of ``shared/fixtures/aiida-archives/README.md``:

* canonical JSON is ``json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)`` with
  Python's default separators, hashed as UTF-8 with sha256;
* ``links_sha256`` hashes the sorted list of ``[source_uuid, target_uuid, link_type, link_label]``;
* ``nodes_sha256`` hashes the sorted list of ``[uuid, node_type, process_type, attributes, extras]``;
* ``process_types`` counts only non-empty process types (data nodes of old archives have ``""``);
* ``users`` lists the emails of every user but the importing profile's own user when that one
  owns nothing (no node, group or comment): it is there before any import (:func:`manifest_users`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "MANIFEST_KEYS",
    "NODE_RECORD_KEYS",
    "ancestors_record",
    "assemble_manifest",
    "canonical_json",
    "compare_manifests",
    "iso_time",
    "links_sha256",
    "manifest_users",
    "nodes_sha256",
    "repository_paths",
    "sha256_hex",
]

#: The keys a manifest computed from a profile has (the fixture manifests have these and more:
#: archive_sha256, generator, seed ... which describe the file, not the graph).
MANIFEST_KEYS = (
    "totals",
    "node_types",
    "process_types",
    "link_types",
    "links_sha256",
    "nodes_sha256",
    "groups",
    "users",
    "computers",
    "comments",
    "logs",
    "links",
    "nodes",
)

#: The keys of one node's record in ``nodes`` (and in the fixtures' ``named_nodes``).
NODE_RECORD_KEYS = (
    "uuid",
    "node_type",
    "process_type",
    "label",
    "description",
    "user_email",
    "computer",
    "ctime",
    "mtime",
    "attributes",
    "extras",
    "repository_files",
    "repository_metadata",
)

Link = Sequence[str]


def canonical_json(value: Any) -> str:
    """The canonical JSON text of ``value`` (sorted keys, unicode kept, Python's separators)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def sha256_hex(value: Any) -> str:
    """sha256 of the UTF-8 canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def sorted_links(links: Iterable[Link]) -> list[list[str]]:
    return sorted([str(item) for item in link] for link in links)


def links_sha256(links: Iterable[Link]) -> str:
    """The hash of an edge list of ``[source_uuid, target_uuid, link_type, link_label]``."""
    return sha256_hex(sorted_links(links))


def nodes_sha256(nodes: Iterable[Mapping[str, Any]]) -> str:
    """The hash of ``[uuid, node_type, process_type, attributes, extras]`` of every node, sorted."""
    rows = [
        [node["uuid"], node["node_type"], node["process_type"], node["attributes"], node["extras"]]
        for node in nodes
    ]
    rows.sort(key=lambda row: row[0])
    return sha256_hex(rows)


def iso_time(value: datetime | None) -> str | None:
    """A timestamp as the manifests write it: ISO 8601 in UTC (``...+00:00``), or None."""
    if value is None:
        return None
    if value.tzinfo is None:  # a naive value from a database is UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def repository_paths(metadata: Mapping[str, Any] | None) -> Iterator[tuple[str, str]]:
    """``(path, key)`` of every file in AiiDA's repository metadata ``{"o": {name: {"k": key}}}``."""

    def walk(tree: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, str]]:
        for name, entry in sorted((tree.get("o") or {}).items()):
            path = f"{prefix}{name}"
            if "k" in entry:
                yield path, str(entry["k"])
            else:
                yield from walk(entry, f"{path}/")

    return walk(metadata or {}, "")


def manifest_users(all_emails: Iterable[str], owners: Iterable[str], profile_email: str | None) -> list[str]:
    """Every user's email but ``profile_email`` (the profile's own user) unless it owns something."""
    owning = set(owners)
    return sorted(email for email in set(all_emails) if email != profile_email or email in owning)


def _count(values: Iterable[Any]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def assemble_manifest(
    *,
    nodes: Mapping[str, Mapping[str, Any]],
    links: Iterable[Link],
    groups: Mapping[str, Mapping[str, Any]],
    users: Iterable[str],
    computers: Iterable[str],
    comments: Iterable[Sequence[str]],
    logs: Iterable[Sequence[str]],
) -> dict[str, Any]:
    """The manifest of a graph from its plain records.

    ``nodes`` maps uuid -> record with :data:`NODE_RECORD_KEYS`; ``groups`` maps label ->
    ``{uuid, type_string, description, extras, members}``; ``users`` are emails (see
    :func:`manifest_users`); ``comments`` are ``[node_uuid, user_email, content]`` and ``logs``
    ``[node_uuid, levelname, loggername, message]``.
    """
    link_list = sorted_links(links)
    node_records = {uuid: dict(record) for uuid, record in sorted(nodes.items())}
    for uuid, record in node_records.items():
        missing = set(NODE_RECORD_KEYS) - set(record)
        if missing:
            raise ValueError(f"node {uuid}: record lacks {sorted(missing)}")
    group_records = {
        label: {**group, "members": sorted(group["members"])} for label, group in sorted(groups.items())
    }
    user_list = sorted(set(users))
    computer_list = sorted(computers)
    comment_list = sorted(list(item) for item in comments)
    log_list = sorted(list(item) for item in logs)
    return {
        "totals": {
            "nodes": len(node_records),
            "links": len(link_list),
            "groups": len(group_records),
            "comments": len(comment_list),
            "logs": len(log_list),
            "users": len(user_list),
            "computers": len(computer_list),
        },
        "node_types": _count(record["node_type"] for record in node_records.values()),
        "process_types": _count(
            record["process_type"] for record in node_records.values() if record["process_type"]
        ),
        "link_types": _count(link[2] for link in link_list),
        "links_sha256": sha256_hex(link_list),
        "nodes_sha256": nodes_sha256(node_records.values()),
        "groups": group_records,
        "users": user_list,
        "computers": computer_list,
        "comments": comment_list,
        "logs": log_list,
        "links": link_list,
        "nodes": node_records,
    }


def ancestors_record(uuid: str, ancestor_uuids: Sequence[str]) -> dict[str, Any]:
    """The fixtures' ``chain_end`` entry from the ancestor rows of a node (one per path)."""
    unique = sorted(set(ancestor_uuids))
    return {
        "uuid": uuid,
        "ancestors": unique,
        "ancestor_count": len(unique),
        "qb_rows_without_distinct": len(ancestor_uuids),
    }


def _without(value: Any, paths: Iterable[str]) -> Any:
    """``value`` with the fields named by ``paths`` (``a/b/c`` below ``prefix``) set to None."""
    if not isinstance(value, dict):
        return value
    result = dict(value)
    for path in paths:
        head, _, rest = path.partition("/")
        if head in result and not rest:
            result[head] = None
        elif head in result:
            result[head] = _without(result[head], [rest])
    return result


def compare_manifests(
    expected: Mapping[str, Any], actual: Mapping[str, Any], keys: Iterable[str] | None = None
) -> list[str]:
    """Every difference between two manifests, one line each (empty: they agree).

    Compares the keys both have among ``keys`` (default: :data:`MANIFEST_KEYS` plus
    ``chain_end``). The fixtures' ``named_nodes`` (role -> record) are checked against
    ``actual["nodes"]`` by uuid; fields listed in ``expected["nondeterministic_fields"]``
    (``nodes/<uuid>/ctime``) are not compared.
    """
    wanted = list(keys) if keys is not None else [*MANIFEST_KEYS, "chain_end"]
    # aiida-core's QueryBuilder returns an ancestor once per path unless told .distinct(); provgraph
    # returns each node once (docs/querybuilder.md). The ancestor set and count are compared.
    skip = [*(expected.get("nondeterministic_fields") or []), "chain_end/qb_rows_without_distinct"]
    exp = _without(dict(expected), skip)
    act = _without(dict(actual), skip)
    problems: list[str] = []
    for key in wanted:
        if key not in exp or key not in act or exp[key] is None:
            continue
        if key == "nodes":
            problems.extend(_compare_nodes(exp["nodes"], act["nodes"]))
        elif exp[key] != act[key]:
            problems.append(f"{key}: expected {_short(exp[key])}, got {_short(act[key])}")
    named = exp.get("named_nodes") or {}
    if named and "nodes" in act:
        problems.extend(
            _compare_nodes({record["uuid"]: record for record in named.values()}, act["nodes"], "named ")
        )
    return problems


def _compare_nodes(expected: Mapping[str, Any], actual: Mapping[str, Any], what: str = "") -> list[str]:
    problems: list[str] = []
    if what == "" and set(expected) != set(actual):
        missing = sorted(set(expected) - set(actual))
        extra = sorted(set(actual) - set(expected))
        problems.append(f"nodes: {len(missing)} missing {missing[:5]}, {len(extra)} unexpected {extra[:5]}")
    for uuid, record in sorted(expected.items()):
        if uuid not in actual:
            if what:
                problems.append(f"{what}node {uuid}: not in the profile")
            continue
        for field, value in sorted(record.items()):
            got = actual[uuid].get(field)
            if value != got:
                problems.append(f"{what}node {uuid} {field}: expected {_short(value)}, got {_short(got)}")
    return problems


def _short(value: Any, limit: int = 300) -> str:
    text = canonical_json(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"
