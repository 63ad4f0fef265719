"""The JSON-era steps ``0.4`` -> ... -> ``0.13``: edits of the parsed ``metadata.json`` and ``data.json``.

Each step repeats, on the archive's JSON, the database migration aiida-core ran on profiles at the
same time (dropped columns, renamed attributes, renamed entry points), so that an old archive
reads like one exported by the later version. The facts come from aiida-core's
``storage/sqlite_zip/migrations/legacy/``; where its code does something surprising we do the same,
because the goal is aiida-core's result, and say so.

``data.json`` layout: ``export_data`` maps entity names (``Node``, ``Group``, ``Computer``,
``User``, ``Log``, ``Comment``) to ``{pk: {field: value}}``; ``node_attributes`` and
``node_extras`` map node pks to dicts; ``links_uuid`` is a list of ``{input, output, label, type}``;
``groups_uuid`` maps group uuids to member node uuids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from provgraph.exceptions import ArchiveMigrationError, CorruptArchive
from provgraph.tools.archive.migrations import legacy_entry_points as entry_points
from provgraph.tools.archive.migrations.metadata import expect_version, record_conversion

__all__ = ["FINAL_LEGACY_VERSION", "LEGACY_STEPS", "LegacyStep", "legacy_pathway"]

JsonDict = dict[str, Any]
LegacyStep = Callable[[JsonDict, JsonDict], None]

FINAL_LEGACY_VERSION = "0.13"


def _entities(data: JsonDict, name: str) -> dict[str, JsonDict]:
    """The ``{pk: fields}`` rows of one entity type (empty when the archive has none)."""
    rows = data.get("export_data", {}).get(name, {})
    if not isinstance(rows, dict):
        raise CorruptArchive(f"data.json: export_data.{name} is not an object")
    return rows


def _drop_fields(metadata: JsonDict, data: JsonDict, entity: str, fields: tuple[str, ...]) -> None:
    """Remove columns that no longer exist, from the rows and from the field descriptions."""
    for row in _entities(data, entity).values():
        for field in fields:
            row.pop(field, None)
    described = metadata.get("all_fields_info", {}).get(entity, {})
    for field in fields:
        described.pop(field, None)


def v04_to_v05(metadata: JsonDict, data: JsonDict) -> None:
    """Node lost ``nodeversion`` and ``public``; Computer lost ``transport_params`` (aiida 1.0.34/36)."""
    _drop_fields(metadata, data, "Node", ("nodeversion", "public"))
    _drop_fields(metadata, data, "Computer", ("transport_params",))


def _reattach_utc(value: Any, conversion: Any) -> Any:
    """Give datetime strings back their UTC offset, following the per-value ``conversion`` tree.

    Old archives stored datetimes in attributes and extras as naive UTC strings and marked them
    ``'date'`` in a parallel conversion structure; JSON columns keep them as ISO strings with an
    offset, so ``+00:00`` is appended and the conversion structure is dropped.
    """
    if isinstance(value, dict):
        sub = conversion if isinstance(conversion, dict) else {}
        return {key: _reattach_utc(item, sub.get(key)) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        if isinstance(conversion, (list, tuple)):
            # aiida-core zips the two: items without a conversion entry are dropped, as there.
            return [_reattach_utc(item, sub) for item, sub in zip(value, conversion, strict=False)]
        return [_reattach_utc(item, None) for item in value]
    if conversion is None:
        return value
    if conversion == "date":
        return f"{value}+00:00"
    raise ArchiveMigrationError(f"data.json: unknown convert_type {conversion!r} in the node conversions")


# Legacy JobCalculation ``state`` -> (process_state, exit_status, process_status) (aiida 1.0.38).
_LEGACY_STATUS = "Legacy `JobCalculation` with state `{}`"
_JOB_STATES: dict[str, tuple[str, int | None, str | None]] = {
    **{
        state: ("killed", None, _LEGACY_STATUS.format(state))
        for state in ("NEW", "TOSUBMIT", "SUBMITTING", "WITHSCHEDULER", "COMPUTED", "RETRIEVING", "PARSING")
    },
    **{
        state: ("excepted", None, _LEGACY_STATUS.format(state))
        for state in ("SUBMISSIONFAILED", "RETRIEVALFAILED", "PARSINGFAILED")
    },
    "FAILED": ("finished", 2, None),
    "FINISHED": ("finished", 0, None),
}
_CALC_JOB = "process.calculation.calcjob.CalcJobNode."


def v05_to_v06(metadata: JsonDict, data: JsonDict) -> None:
    """Datetimes in attributes/extras get their UTC offset; legacy job states become process states."""
    data["node_attributes"] = _reattach_utc(
        data.get("node_attributes", {}), data.get("node_attributes_conversion", {})
    )
    data["node_extras"] = _reattach_utc(data.get("node_extras", {}), data.get("node_extras_conversion", {}))
    data.pop("node_attributes_conversion", None)
    data.pop("node_extras_conversion", None)

    nodes = _entities(data, "Node")
    calc_jobs = {pk for pk, row in nodes.items() if row.get("node_type") == _CALC_JOB}
    for pk, attributes in data["node_attributes"].items():
        if pk not in calc_jobs or attributes.get("state") not in _JOB_STATES:
            continue
        process_state, exit_status, process_status = _JOB_STATES[attributes.pop("state")]
        attributes["process_state"] = process_state
        if exit_status is not None:
            attributes["exit_status"] = exit_status
        if process_status is not None:
            attributes["process_status"] = process_status
        attributes["process_label"] = "Legacy JobCalculation"


_ACTIVE_PROCESS_STATES = frozenset({"created", "running", "waiting"})
_OLD_PROCESS_FLAGS = ("_sealed", "_finished", "_failed", "_aborted", "_do_abort")


def v06_to_v07(metadata: JsonDict, data: JsonDict) -> None:
    """Process nodes are sealed and lose their old flags (aiida 1.0.40); unused entities leave metadata.

    A process still running could never have been exported legitimately: the archive is refused,
    naming those nodes (aiida-core writes them to a log file instead).
    """
    nodes = _entities(data, "Node")
    active: list[str] = []
    for pk, attributes in data.get("node_attributes", {}).items():
        if pk not in nodes:
            raise CorruptArchive(f"data.json: attributes of node pk={pk}, which is not in the archive")
        if not str(nodes[pk].get("node_type", "")).startswith("process."):
            continue
        state = attributes.get("process_state", "")
        if state in _ACTIVE_PROCESS_STATES:
            active.append(f"{nodes[pk].get('uuid', pk)} ({state})")
            continue
        attributes["sealed"] = True
        for flag in _OLD_PROCESS_FLAGS:
            attributes.pop(flag, None)
    if active:
        raise CorruptArchive(
            f"the archive holds process nodes that were still active when exported: {', '.join(active)}; "
            "it cannot be migrated"
        )
    for section in ("unique_identifiers", "all_fields_info"):
        for entity in ("Attribute", "Link"):
            metadata.get(section, {}).pop(entity, None)


def v07_to_v08(metadata: JsonDict, data: JsonDict) -> None:
    """The default link label ``_return`` became ``result`` (aiida 1.0.43)."""
    for link in data.get("links_uuid", []):
        if link.get("label") == "_return":
            link["label"] = "result"


_GROUP_TYPES = {"user": "core", "data.upf": "core.upf", "auto.import": "core.import", "auto.run": "core.auto"}


def v08_to_v09(metadata: JsonDict, data: JsonDict) -> None:
    """Group type strings gained their ``core`` names (aiida 1.0.44)."""
    for row in _entities(data, "Group").values():
        type_string = row.get("type_string")
        if type_string in _GROUP_TYPES:
            row["type_string"] = _GROUP_TYPES[type_string]


def v09_to_v10(metadata: JsonDict, data: JsonDict) -> None:
    """Attributes and extras are described as JSON columns (metadata only; the rows do not change)."""
    fields = metadata.setdefault("all_fields_info", {})
    for entity, field in (("Node", "attributes"), ("Node", "extras"), ("Group", "extras")):
        fields.setdefault(entity, {})[field] = {"convert_type": "jsonb"}


def v10_to_v11(metadata: JsonDict, data: JsonDict) -> None:
    """The computer's ``name`` became its ``label``."""
    for row in _entities(data, "Computer").values():
        if "name" in row:
            row["label"] = row.pop("name")
    described = metadata.get("all_fields_info", {}).get("Computer", {})
    if "name" in described:
        described["label"] = described.pop("name")


def _rename(row: JsonDict, field: str, mapping: dict[str, str]) -> None:
    """Replace ``row[field]`` by its new name when ``mapping`` knows the old one."""
    value = row.get(field)
    if isinstance(value, str) and value in mapping:
        row[field] = mapping[value]


def v11_to_v12(metadata: JsonDict, data: JsonDict) -> None:
    """aiida-core's own entry points gained the ``core.`` prefix: node types, process types, schedulers.

    aiida-core's step also means to rename the ``parser_name`` attribute, but it looks for the
    attributes under ``export_data`` where they never are, so in practice it renames none; we keep
    them unchanged as well, so both tools give the same archive.
    """
    for row in _entities(data, "Node").values():
        _rename(row, "node_type", entry_points.DATA_NODE_TYPES)
        _rename(row, "process_type", entry_points.CALCULATIONS)
        _rename(row, "process_type", entry_points.WORKFLOWS)
    for row in _entities(data, "Computer").values():
        _rename(row, "scheduler_type", entry_points.SCHEDULERS)


def v12_to_v13(metadata: JsonDict, data: JsonDict) -> None:
    """Transports gained the ``core.`` prefix (forgotten in the previous step)."""
    for row in _entities(data, "Computer").values():
        _rename(row, "transport_type", entry_points.TRANSPORTS)


#: from-version -> (to-version, step), in order.
LEGACY_STEPS: dict[str, tuple[str, LegacyStep]] = {
    "0.4": ("0.5", v04_to_v05),
    "0.5": ("0.6", v05_to_v06),
    "0.6": ("0.7", v06_to_v07),
    "0.7": ("0.8", v07_to_v08),
    "0.8": ("0.9", v08_to_v09),
    "0.9": ("0.10", v09_to_v10),
    "0.10": ("0.11", v10_to_v11),
    "0.11": ("0.12", v11_to_v12),
    "0.12": ("0.13", v12_to_v13),
}


def legacy_pathway(version: str) -> list[tuple[str, str, LegacyStep]]:
    """The steps ``(from, to, step)`` that bring a legacy archive of ``version`` to ``0.13``."""
    steps = []
    while version != FINAL_LEGACY_VERSION:
        if version not in LEGACY_STEPS:
            raise ArchiveMigrationError(f"no migration step from archive version {version!r}")
        to_version, step = LEGACY_STEPS[version]
        steps.append((version, to_version, step))
        version = to_version
    return steps


def run_step(
    metadata: JsonDict, data: JsonDict, from_version: str, to_version: str, step: LegacyStep
) -> None:
    """Run one step, checking the version before and recording the conversion after."""
    expect_version(metadata, from_version)
    step(metadata, data)
    record_conversion(metadata, to_version)
