"""What an archive holds, without importing it: ``provgraph archive info`` and ``version``.

>>> from provgraph.tools.archive.inspect import archive_info
>>> archive_info("tests/data/aiida-archives/small.aiida")["entities"]["Nodes"]["count"]  # doctest: +SKIP
47
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from provgraph.common.archive_format import HEAD_VERSION, read_metadata, read_version
from provgraph.tools.archive.source import ArchiveSource

__all__ = ["archive_info", "archive_version"]

_STARTING_SET_SHOWN = 5
_COUNTED = {
    "Users": "db_dbuser",
    "Computers": "db_dbcomputer",
    "Nodes": "db_dbnode",
    "Groups": "db_dbgroup",
    "Comments": "db_dbcomment",
    "Logs": "db_dblog",
    "Links": "db_dblink",
}


def archive_version(path: str | Path) -> tuple[str, str]:
    """``(latest version, the archive's version)``; ``CorruptArchive`` or an incompatible-version error."""
    return HEAD_VERSION, read_version(path)


def archive_info(path: str | Path, detailed: bool = False) -> dict[str, Any]:
    """The archive's metadata and what it holds: counts per entity, node and process types, objects.

    Older formats are migrated into a temporary copy to be counted (the file is not changed).
    Without ``detailed``, long starting sets in the metadata are cut to their first few entries.
    """
    metadata = read_metadata(path)  # the file's own, also when it is counted from a migrated copy
    with ArchiveSource(path) as source:
        entities: dict[str, Any] = {name: {"count": source.count(table)} for name, table in _COUNTED.items()}
        entities["Nodes"]["node_types"] = dict(
            source.query("SELECT node_type, count(*) FROM db_dbnode GROUP BY node_type ORDER BY node_type")
        )
        entities["Nodes"]["process_types"] = dict(
            source.query(
                "SELECT process_type, count(*) FROM db_dbnode WHERE process_type IS NOT NULL "
                "AND process_type != '' GROUP BY process_type ORDER BY process_type"
            )
        )
        if detailed:
            span = source.query("SELECT min(ctime), max(ctime) FROM db_dbnode")[0]
            entities["Nodes"]["first_created"], entities["Nodes"]["last_created"] = span
            entities["Users"]["emails"] = [
                row[0] for row in source.query("SELECT email FROM db_dbuser ORDER BY id")
            ]
            entities["Computers"]["labels"] = [
                row[0] for row in source.query("SELECT label FROM db_dbcomputer ORDER BY id")
            ]
            entities["Groups"]["type_strings"] = [
                row[0] for row in source.query("SELECT DISTINCT type_string FROM db_dbgroup ORDER BY 1")
            ]
        objects = source.object_count()
    if not detailed:
        metadata = _truncated_starting_set(metadata)
    return {"metadata": metadata, "entities": entities, "repository": {"objects": {"count": objects}}}


def _truncated_starting_set(metadata: dict[str, Any]) -> dict[str, Any]:
    parameters = metadata.get("creation_parameters")
    if not isinstance(parameters, dict) or not isinstance(parameters.get("entities_starting_set"), dict):
        return metadata
    shortened = {}
    for kind, values in parameters["entities_starting_set"].items():
        long = isinstance(values, list) and len(values) > _STARTING_SET_SHOWN
        more = f"... and {len(values) - _STARTING_SET_SHOWN} more" if long else ""
        shortened[kind] = [*values[:_STARTING_SET_SHOWN], more] if long else values
    return {**metadata, "creation_parameters": {**parameters, "entities_starting_set": shortened}}
