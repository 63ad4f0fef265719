"""Checks of an archive's own content before anything of it is imported.

An archive is a database someone else wrote, possibly by hand: its UUIDs may repeat, its links
may point at nodes it does not hold, have a type AiiDA does not know, join the wrong kinds of
node, break a degree rule, or close a cycle. Each check is one set query on the archive database
(or one pass over its links), so a bad archive is refused before the profile is touched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from provgraph.exceptions import ImportValidationError
from provgraph.orm.nodes.link_rules import CYCLE_CHECKED, Degree, Role, link_rule
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.types import class_for_node_type
from provgraph.tools.archive.source import ArchiveSource

__all__ = ["check_archive", "node_roles"]

_UNIQUE_ENTITIES = ("db_dbnode", "db_dbgroup", "db_dbcomputer", "db_dbcomment", "db_dblog")


def check_archive(source: ArchiveSource) -> None:
    """Raise ``ImportValidationError`` (one line, naming the culprit) if the archive contradicts itself."""
    _check_unique(source)
    _check_values(source)
    _check_references(source)
    _check_link_types(source)
    roles = node_roles(row[0] for row in source.query("SELECT DISTINCT node_type FROM db_dbnode"))
    _check_link_endpoints(source, roles)
    _check_link_degrees(source)
    _check_acyclic(source)


def node_roles(node_types: Iterable[str]) -> dict[str, Role | None]:
    """The link role of each node_type string, as the ORM class that would load it declares."""
    return {node_type: class_for_node_type(node_type)._link_role for node_type in node_types}


def _check_unique(source: ArchiveSource) -> None:
    for table in _UNIQUE_ENTITIES:
        duplicate = source.query(f"SELECT uuid FROM {table} GROUP BY uuid HAVING count(*) > 1 LIMIT 1")
        if duplicate:
            raise ImportValidationError(
                f"{source.original_path}: two rows of {table} share the UUID {duplicate[0][0]}; "
                "refusing the archive"
            )
        nulls = source.query(f"SELECT id FROM {table} WHERE uuid IS NULL OR uuid = '' LIMIT 1")
        if nulls:
            raise ImportValidationError(f"{source.original_path}: a row of {table} has no UUID")
    duplicate = source.query("SELECT email FROM db_dbuser GROUP BY email HAVING count(*) > 1 LIMIT 1")
    if duplicate:
        raise ImportValidationError(f"{source.original_path}: two users share the email {duplicate[0][0]!r}")


# Columns read as JSON, and columns without which a row means nothing.
_JSON_COLUMNS = {
    "db_dbnode": ("attributes", "extras", "repository_metadata"),
    "db_dbcomputer": ("metadata",),
    "db_dbauthinfo": ("metadata", "auth_params"),
    "db_dbgroup": ("extras",),
    "db_dblog": ("metadata",),
}
_REQUIRED = {
    "db_dbnode": ("node_type", "user_id"),
    "db_dbuser": ("email",),
    "db_dbcomputer": ("label",),
    "db_dbgroup": ("label", "user_id"),
    "db_dblink": ("type", "label", "input_id", "output_id"),
    "db_dbcomment": ("dbnode_id", "user_id"),
    "db_dblog": ("dbnode_id",),
}
_TIMES = {
    "db_dbnode": ("ctime", "mtime"),
    "db_dbgroup": ("time",),
    "db_dbcomment": ("ctime", "mtime"),
    "db_dblog": ("time",),
}


def _check_values(source: ArchiveSource) -> None:
    """JSON that parses, required values present, timestamps that are times: checked in SQL, up front.

    Finding a bad value here, before the objects are copied, is what keeps a refused archive
    from leaving anything behind.
    """
    for table, columns in _JSON_COLUMNS.items():
        for column in columns:
            # every one of these columns holds a JSON object in AiiDA (json_type only sees valid JSON)
            bad = source.query(
                f"SELECT id, json_valid({column}) FROM {table} WHERE {column} IS NOT NULL AND "
                f"CASE WHEN json_valid({column}) THEN json_type({column}) != 'object' ELSE 1 END LIMIT 1"
            )
            if bad:
                problem = "is not a JSON object" if bad[0][1] else "is not valid JSON"
                raise ImportValidationError(
                    f"{source.original_path}: {column} of {table} row {bad[0][0]} {problem}"
                )
    for table, columns in _REQUIRED.items():
        for column in columns:
            if source.query(f"SELECT id FROM {table} WHERE {column} IS NULL LIMIT 1"):
                raise ImportValidationError(f"{source.original_path}: a row of {table} has no {column}")
    for table, columns in _TIMES.items():
        for column in columns:
            bad = source.query(f"SELECT {column} FROM {table} WHERE julianday({column}) IS NULL LIMIT 1")
            if bad:
                raise ImportValidationError(
                    f"{source.original_path}: {column} {bad[0][0]!r} of {table} is not a timestamp"
                )


_REFERENCES = (
    ("db_dblink", "input_id", "db_dbnode", "a link from"),
    ("db_dblink", "output_id", "db_dbnode", "a link to"),
    ("db_dbgroup_dbnodes", "dbnode_id", "db_dbnode", "a group member"),
    ("db_dbgroup_dbnodes", "dbgroup_id", "db_dbgroup", "a membership of"),
    ("db_dbcomment", "dbnode_id", "db_dbnode", "a comment on"),
    ("db_dblog", "dbnode_id", "db_dbnode", "a log of"),
    ("db_dbnode", "user_id", "db_dbuser", "a node owned by"),
    ("db_dbgroup", "user_id", "db_dbuser", "a group owned by"),
    ("db_dbcomment", "user_id", "db_dbuser", "a comment by"),
    ("db_dbauthinfo", "aiidauser_id", "db_dbuser", "an authinfo of"),
    ("db_dbauthinfo", "dbcomputer_id", "db_dbcomputer", "an authinfo for"),
)


def _check_references(source: ArchiveSource) -> None:
    """Every id a row refers to exists in the archive (a foreign key nobody enforced)."""
    for table, column, target, what in _REFERENCES:
        dangling = source.query(
            f"SELECT t.{column} FROM {table} t LEFT JOIN {target} r ON r.id = t.{column} "
            f"WHERE r.id IS NULL LIMIT 1"
        )
        if dangling:
            raise ImportValidationError(
                f"{source.original_path}: {what} {target.removeprefix('db_db')} id {dangling[0][0]} "
                "that is not in the archive; refusing the archive"
            )
    dangling = source.query(
        "SELECT n.dbcomputer_id FROM db_dbnode n LEFT JOIN db_dbcomputer c ON c.id = n.dbcomputer_id "
        "WHERE n.dbcomputer_id IS NOT NULL AND c.id IS NULL LIMIT 1"
    )
    if dangling:
        raise ImportValidationError(
            f"{source.original_path}: a node on computer id {dangling[0][0]} that is not in the archive"
        )


def _check_link_types(source: ArchiveSource) -> None:
    known = {link_type.value for link_type in LinkType}
    for (link_type,) in source.query("SELECT DISTINCT type FROM db_dblink"):
        if link_type not in known:
            raise ImportValidationError(
                f"{source.original_path}: unknown link type {link_type!r} (known: {', '.join(sorted(known))})"
            )


def _check_link_endpoints(source: ArchiveSource, roles: Mapping[str, Role | None]) -> None:
    pairs = source.query(
        "SELECT DISTINCT l.type, s.node_type, t.node_type FROM db_dblink l "
        "JOIN db_dbnode s ON s.id = l.input_id JOIN db_dbnode t ON t.id = l.output_id"
    )
    for link_type, source_type, target_type in pairs:
        rule = link_rule(LinkType(link_type))
        if roles[source_type] is not rule.source or roles[target_type] is not rule.target:
            raise ImportValidationError(
                f"{source.original_path}: a {link_type} link goes from a {rule.source.value} to a "
                f"{rule.target.value}, not from {source_type!r} to {target_type!r}"
            )
    selfish = source.query("SELECT input_id FROM db_dblink WHERE input_id = output_id LIMIT 1")
    if selfish:
        raise ImportValidationError(f"{source.original_path}: node id {selfish[0][0]} links to itself")


def _degree_columns(degree: Degree, own: str, other: str) -> tuple[str, ...]:
    """The link columns that must be unique together for ``degree`` seen from the ``own`` end."""
    if degree is Degree.UNIQUE:
        return (own,)
    if degree is Degree.UNIQUE_PAIR:
        return (own, "label")
    return (own, other, "label")


def _check_link_degrees(source: ArchiveSource) -> None:
    for link_type in LinkType:
        rule = link_rule(link_type)
        for degree, own, other, direction in (
            (rule.outdegree, "input_id", "output_id", "outgoing"),
            (rule.indegree, "output_id", "input_id", "incoming"),
        ):
            columns = ", ".join(_degree_columns(degree, own, other))
            clash = source.query(
                f"SELECT {own} FROM db_dblink WHERE type = ? GROUP BY {columns} HAVING count(*) > 1 LIMIT 1",
                (link_type.value,),
            )
            if clash:
                raise ImportValidationError(
                    f"{source.original_path}: node id {clash[0][0]} has {direction} {link_type.value} links "
                    f"that break AiiDA's link rules ({degree.value}); refusing the archive"
                )


def _check_acyclic(source: ArchiveSource) -> None:
    """Provenance links (create, input) may not form a cycle: Kahn's algorithm over them."""
    types = tuple(link_type.value for link_type in CYCLE_CHECKED)
    placeholders = ", ".join("?" for _ in types)
    outgoing: dict[int, list[int]] = defaultdict(list)
    indegree: dict[int, int] = defaultdict(int)
    rows = source.query(f"SELECT input_id, output_id FROM db_dblink WHERE type IN ({placeholders})", types)
    for input_id, output_id in rows:
        outgoing[input_id].append(output_id)
        indegree[output_id] += 1
    ready = [node for node in outgoing if indegree.get(node, 0) == 0]
    seen = 0
    while ready:
        node = ready.pop()
        seen += 1
        for successor in outgoing.get(node, ()):
            indegree[successor] -= 1
            if indegree[successor] == 0:
                ready.append(successor)
    involved = set(outgoing) | set(indegree)
    if seen < len(involved):
        stuck = min(node for node in involved if indegree.get(node, 0) > 0)
        raise ImportValidationError(
            f"{source.original_path}: the archive's provenance links form a cycle (through node id {stuck}); "
            "refusing the archive"
        )
