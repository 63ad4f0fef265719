"""A node's content hash from its row data, exactly as aiida-core 2.9 computes it.

AiiDA stores the hash of every node in its ``_aiida_hash`` extra and finds cache sources by it,
so provgraph must give the same hex string for the same node. The hash is ``make_hash`` of a
dict of four parts (five for processes):

* ``class``: ``str()`` of AiiDA's Python class for the node
  (``"<class 'aiida.orm.nodes.data.int.Int'>"``), so the node_type is mapped to that text here
  (:data:`AIIDA_CLASS_PATHS`); other node types need the caller's ``class_name``;
* ``attributes``: all but the class's hash-ignored and updatable ones (a process's state, ...);
* ``repository_hash``: ``make_hash`` of ``{path: sha256 of the content}`` plus a ``__dirnames__``
  entry; AiiDA overwrites that entry for every directory it walks and visits the root last, so
  only the root's subdirectory names count, in their stored order. Calculation jobs leave this
  part out (their files are written after the hash);
* ``computer_uuid``: the uuid of the node's computer, or None;
* ``inputs`` (process nodes only): ``{link label: hash}`` of the INPUT_CALC/INPUT_WORK sources.

The rules depend on the node type only (:func:`hash_rules`), so the hash can be recomputed from
a bare row, e.g. to check an archive; ``node.base.caching`` feeds the same functions from a node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from provgraph.common.hashing import HashingError, make_hash

__all__ = [
    "AIIDA_CLASS_PATHS",
    "CALCJOB_UPDATABLE_ATTRIBUTES",
    "PROCESS_UPDATABLE_ATTRIBUTES",
    "HashRules",
    "class_representation",
    "compute_node_hash",
    "hash_rules",
    "objects_to_hash",
    "repository_hash",
]

_DATA = "aiida.orm.nodes.data."
_PROCESS = "aiida.orm.nodes.process."
AIIDA_CLASS_PATHS: Mapping[str, str] = {
    "": "aiida.orm.nodes.node.Node",
    "data.Data.": _DATA + "data.Data",
    "data.core.array.ArrayData.": _DATA + "array.array.ArrayData",
    "data.core.array.bands.BandsData.": _DATA + "array.bands.BandsData",
    "data.core.array.kpoints.KpointsData.": _DATA + "array.kpoints.KpointsData",
    "data.core.array.projection.ProjectionData.": _DATA + "array.projection.ProjectionData",
    "data.core.array.trajectory.TrajectoryData.": _DATA + "array.trajectory.TrajectoryData",
    "data.core.array.xy.XyData.": _DATA + "array.xy.XyData",
    "data.core.bool.Bool.": _DATA + "bool.Bool",
    "data.core.cif.CifData.": _DATA + "cif.CifData",
    "data.core.code.Code.": _DATA + "code.legacy.Code",
    "data.core.code.abstract.AbstractCode.": _DATA + "code.abstract.AbstractCode",
    "data.core.code.containerized.ContainerizedCode.": _DATA + "code.containerized.ContainerizedCode",
    "data.core.code.installed.InstalledCode.": _DATA + "code.installed.InstalledCode",
    "data.core.code.portable.PortableCode.": _DATA + "code.portable.PortableCode",
    "data.core.dict.Dict.": _DATA + "dict.Dict",
    "data.core.enum.EnumData.": _DATA + "enum.EnumData",
    "data.core.float.Float.": _DATA + "float.Float",
    "data.core.folder.FolderData.": _DATA + "folder.FolderData",
    "data.core.int.Int.": _DATA + "int.Int",
    "data.core.jsonable.JsonableData.": _DATA + "jsonable.JsonableData",
    "data.core.list.List.": _DATA + "list.List",
    "data.core.numeric.NumericType.": _DATA + "numeric.NumericType",
    "data.core.orbital.OrbitalData.": _DATA + "orbital.OrbitalData",
    "data.core.remote.RemoteData.": _DATA + "remote.base.RemoteData",
    "data.core.remote.stash.RemoteStashData.": _DATA + "remote.stash.base.RemoteStashData",
    "data.core.remote.stash.compress.RemoteStashCompressedData.": (
        _DATA + "remote.stash.compress.RemoteStashCompressedData"
    ),
    "data.core.remote.stash.custom.RemoteStashCustomData.": _DATA
    + "remote.stash.custom.RemoteStashCustomData",
    "data.core.remote.stash.folder.RemoteStashFolderData.": _DATA
    + "remote.stash.folder.RemoteStashFolderData",
    "data.core.singlefile.SinglefileData.": _DATA + "singlefile.SinglefileData",
    "data.core.str.Str.": _DATA + "str.Str",
    "data.core.structure.StructureData.": _DATA + "structure.StructureData",
    "data.core.upf.UpfData.": _DATA + "upf.UpfData",
    "process.ProcessNode.": _PROCESS + "process.ProcessNode",
    "process.calculation.CalculationNode.": _PROCESS + "calculation.calculation.CalculationNode",
    "process.calculation.calcfunction.CalcFunctionNode.": _PROCESS
    + "calculation.calcfunction.CalcFunctionNode",
    "process.calculation.calcjob.CalcJobNode.": _PROCESS + "calculation.calcjob.CalcJobNode",
    "process.workflow.WorkflowNode.": _PROCESS + "workflow.workflow.WorkflowNode",
    "process.workflow.workchain.WorkChainNode.": _PROCESS + "workflow.workchain.WorkChainNode",
    "process.workflow.workfunction.WorkFunctionNode.": _PROCESS + "workflow.workfunction.WorkFunctionNode",
}
"""node_type -> the module path of aiida-core 2.9's class for it (where the class is defined,
which is what ``str(cls)`` shows)."""

# AiiDA's lists of attributes that may change after store (``_updatable_attributes``); the process
# node classes use these same sets, so hashing and immutability cannot drift apart.
PROCESS_UPDATABLE_ATTRIBUTES = frozenset(
    {
        "sealed",
        "paused",
        "checkpoints",
        "exception",
        "exit_message",
        "exit_status",
        "process_label",
        "process_state",
        "process_status",
    }
)
CALCJOB_UPDATABLE_ATTRIBUTES = frozenset(
    {
        "state",
        "imported",
        "remote_workdir",
        "retrieve_list",
        "retrieve_temporary_list",
        "job_id",
        "scheduler_state",
        "scheduler_lastchecktime",
        "last_job_info",
        "detailed_job_info",
    }
)
_CALCJOB_IGNORED = frozenset(
    {"queue_name", "account", "qos", "priority", "max_wallclock_seconds", "max_memory_kb", "version"}
)
# Input link labels AiiDA leaves out of a process's hash (it compares labels, not link types).
_IGNORED_INPUT_LABELS = frozenset({"CALL_CALC", "CALL_WORK"})


@dataclass(frozen=True, slots=True)
class HashRules:
    """What of a node of one type enters its hash.

    ``is_process``: the hash includes the inputs' hashes, and the node is a valid cache source
    only once finished and sealed.
    """

    ignored_attributes: frozenset[str] = frozenset()
    hashes_repository: bool = True
    is_process: bool = False


_DATA_RULES = HashRules()
_PROCESS_RULES = HashRules(PROCESS_UPDATABLE_ATTRIBUTES | {"metadata_inputs"}, is_process=True)
# Longest prefix first: the first match wins.
_RULES_BY_PREFIX = (
    (
        "process.calculation.calcjob.",
        HashRules(
            _PROCESS_RULES.ignored_attributes | CALCJOB_UPDATABLE_ATTRIBUTES | _CALCJOB_IGNORED,
            hashes_repository=False,
            is_process=True,
        ),
    ),
    (
        "process.workflow.workchain.",
        HashRules(_PROCESS_RULES.ignored_attributes | {"stepper_state_info"}, True, True),
    ),
    ("process.", _PROCESS_RULES),
)


def hash_rules(node_type: str) -> HashRules:
    """The hashing rules of AiiDA's class for ``node_type`` (data types ignore nothing)."""
    for prefix, rules in _RULES_BY_PREFIX:
        if node_type.startswith(prefix):
            return rules
    return _DATA_RULES


def class_representation(node_type: str) -> str | None:
    """``str()`` of AiiDA's class for ``node_type``; None for a type aiida-core does not define."""
    path = AIIDA_CLASS_PATHS.get(node_type)
    return None if path is None else f"<class '{path}'>"


def _key_is_sha256(path: str, key: str) -> str:
    return key


def repository_hash(
    metadata: Mapping[str, Any] | None, object_sha256: Callable[[str, str], str] | None = None
) -> str:
    """The hash of a node's file tree from its ``repository_metadata`` (``{'o': {...}}``).

    ``object_sha256(path, key)`` gives the sha256 of a file's content; by default the key is
    taken to be it (true for AiiDA archives and sha256 object stores).
    """
    if not (metadata or {}).get("o"):
        return _EMPTY_REPOSITORY_HASH
    sha256 = object_sha256 or _key_is_sha256
    objects: dict[str, Any] = {}
    for root, dirnames, files in _walk(metadata or {}, ""):
        objects["__dirnames__"] = dirnames
        for name, key in files:
            path = f"{root}/{name}" if root else name
            objects[path] = sha256(path, key)
    return make_hash(objects)


_EMPTY_REPOSITORY_HASH = make_hash({"__dirnames__": []})


def _walk(directory: Mapping[str, Any], root: str) -> Iterator[tuple[str, list[str], list[tuple[str, str]]]]:
    """``(root, dirnames, [(filename, key)])`` per directory, subdirectories before their parent."""
    entries: Mapping[str, Any] = directory.get("o") or {}
    dirnames = [name for name, entry in entries.items() if "k" not in entry]
    files = [(name, str(entry["k"])) for name, entry in entries.items() if "k" in entry]
    for name in dirnames:
        yield from _walk(entries[name], f"{root}/{name}" if root else name)
    yield root, dirnames, files


def objects_to_hash(
    node_type: str,
    attributes: Mapping[str, Any],
    *,
    repository_hash: str | None,
    computer_uuid: str | None,
    input_hashes: Mapping[str, str | None] | None = None,
    class_name: str | None = None,
    ignored_attributes: Iterable[str] = (),
) -> dict[str, Any]:
    """The dict whose ``make_hash`` is the node's hash (AiiDA's ``get_objects_to_hash``).

    ``class_name`` overrides the class text (required for node types aiida-core does not define);
    ``repository_hash`` is dropped for types that do not hash their files.
    """
    rules = hash_rules(node_type)
    cls = class_name or class_representation(node_type)
    if cls is None:
        raise HashingError(
            f"node_type {node_type!r} is not an aiida-core type, so its class text is unknown; "
            "pass class_name"
        )
    ignored = rules.ignored_attributes.union(ignored_attributes)
    objects: dict[str, Any] = {
        "class": cls,
        "attributes": {key: value for key, value in attributes.items() if key not in ignored},
        "repository_hash": repository_hash,
        "computer_uuid": computer_uuid,
    }
    if not rules.hashes_repository:
        del objects["repository_hash"]
    if rules.is_process:
        inputs = input_hashes or {}
        objects["inputs"] = {
            label: value for label, value in inputs.items() if label not in _IGNORED_INPUT_LABELS
        }
    return objects


def compute_node_hash(
    node_type: str,
    attributes: Mapping[str, Any],
    *,
    repository_metadata: Mapping[str, Any] | None = None,
    object_sha256: Callable[[str, str], str] | None = None,
    computer_uuid: str | None = None,
    input_hashes: Mapping[str, str | None] | None = None,
    class_name: str | None = None,
    ignored_attributes: Iterable[str] = (),
) -> str:
    """A node's hash from its row data, as aiida-core 2.9 computes it when storing the node.

    ``input_hashes`` maps the labels of a process's INPUT_CALC/INPUT_WORK links to the hashes of
    their sources; see :func:`repository_hash` for ``object_sha256``.
    """
    rules = hash_rules(node_type)
    files_hash = repository_hash(repository_metadata, object_sha256) if rules.hashes_repository else None
    return make_hash(
        objects_to_hash(
            node_type,
            attributes,
            repository_hash=files_hash,
            computer_uuid=computer_uuid,
            input_hashes=input_hashes,
            class_name=class_name,
            ignored_attributes=ignored_attributes,
        )
    )
