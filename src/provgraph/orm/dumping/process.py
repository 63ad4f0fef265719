"""Writing one process to a folder in the layout of aiida-core's ``verdi process dump`` (2.7+).

A process's folder holds ``README.md``, ``aiida_node_metadata.yaml`` (label, pk, uuid, times,
types, user, computer, attributes and extras as chosen), the ``.aiida_dump_safeguard`` marker
that allows a later ``overwrite`` to remove it, and for a calculation its repository files
(``inputs/``), those of its ``retrieved`` output (``outputs/``), of its input data
(``node_inputs/<link label>``) and of its file-holding output data (``node_outputs/``); a
workflow's folder holds one folder per called process, ``NN-<link label>-<process label>-<pk>``
in creation order. ``flat`` writes every file into the process's own folder.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from provgraph.exceptions import ExportValidationError, InputValidationError
from provgraph.orm.nodes.link_types import LinkType

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node
    from provgraph.orm.nodes.process.process import ProcessNode

__all__ = [
    "CALCULATIONS_DIR_NAME",
    "METADATA_FILE_NAME",
    "SAFEGUARD_FILE_NAME",
    "WORKFLOWS_DIR_NAME",
    "ProcessDumpOptions",
    "default_process_path",
    "dump_process",
    "is_calculation",
    "is_workflow",
    "prepare_directory",
]

SAFEGUARD_FILE_NAME = ".aiida_dump_safeguard"
METADATA_FILE_NAME = "aiida_node_metadata.yaml"
README_FILE_NAME = "README.md"
CALCULATIONS_DIR_NAME = "calculations"
WORKFLOWS_DIR_NAME = "workflows"

_NODE_FIELDS = (
    "label",
    "description",
    "pk",
    "uuid",
    "ctime",
    "mtime",
    "node_type",
    "process_type",
    "is_finished_ok",
)
_USER_FIELDS = ("first_name", "last_name", "email", "institution")
_COMPUTER_FIELDS = ("label", "hostname", "scheduler_type", "transport_type")


@dataclass(frozen=True)
class ProcessDumpOptions:
    """What a process dump writes (aiida's ``ProcessDumpConfig`` options)."""

    include_inputs: bool = True
    include_outputs: bool = False
    include_attributes: bool = True
    include_extras: bool = False
    flat: bool = False
    dump_unsealed: bool = False


def is_calculation(node: Node) -> bool:
    return node.node_type.startswith("process.calculation.")


def is_workflow(node: Node) -> bool:
    return node.node_type.startswith("process.workflow.")


def default_process_path(node: ProcessNode) -> Path:
    """``<label or process label or process type>-<pk>``, aiida's name for a process's folder."""
    parts = [part for part in (node.label or node.process_label or node.process_type,) if part]
    parts.append(str(node.pk))
    return Path("-".join(parts))


def prepare_directory(path: Path, overwrite: bool) -> None:
    """Make ``path`` with its safeguard file; with ``overwrite``, first remove a former dump there.

    A non-empty folder without the safeguard file is not a dump and is never removed.
    """
    if path.exists():
        if not path.is_dir():
            raise InputValidationError(f"cannot dump to {path}: it is a file")
        has_safeguard = (path / SAFEGUARD_FILE_NAME).is_file()
        if any(path.iterdir()) and not has_safeguard:
            raise InputValidationError(
                f"cannot dump to {path}: the folder is not empty and has no {SAFEGUARD_FILE_NAME} "
                "(it is not a former dump); choose another folder"
            )
        if overwrite and has_safeguard:
            shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / SAFEGUARD_FILE_NAME).touch(exist_ok=True)


def check_sealed(node: ProcessNode, options: ProcessDumpOptions) -> None:
    if not options.dump_unsealed and not node.is_sealed:
        raise ExportValidationError(
            f"Process {node.pk} must be sealed before it can be dumped, or `dump_unsealed` set to True."
        )


def dump_process(
    node: ProcessNode,
    output_path: str | Path | None = None,
    *,
    options: ProcessDumpOptions | None = None,
    dry_run: bool = False,
    overwrite: bool = False,
) -> Path:
    """Write ``node`` (and, for a workflow, every process it called) under ``output_path``.

    ``output_path`` defaults to :func:`default_process_path` in the working directory. With
    ``dry_run`` nothing is written and the path is returned. An unsealed process is refused
    (``ExportValidationError``) unless ``options.dump_unsealed``.
    """
    options = options or ProcessDumpOptions()
    target = Path(output_path) if output_path is not None else default_process_path(node)
    target = target.resolve()
    check_sealed(node, options)
    if dry_run:
        return target
    prepare_directory(target, overwrite)
    _write_readme(node, target)
    _dump_tree(node, target, options)
    return target


def _dump_tree(node: ProcessNode, path: Path, options: ProcessDumpOptions) -> None:
    path.mkdir(parents=True, exist_ok=True)
    _write_metadata(node, path, options)
    if is_calculation(node):
        _dump_calculation_files(node, path, options)
        return
    called = node.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    called.sort(key=lambda triple: triple.node.ctime)
    for index, triple in enumerate(called, start=1):
        child: ProcessNode = triple.node  # type: ignore[assignment]
        _dump_tree(child, path / _child_folder_name(index, triple.link_label, child), options)


def _child_folder_name(index: int, link_label: str, child: ProcessNode) -> str:
    parts = [f"{index:02d}"]
    if link_label != "CALL":
        parts.append(link_label)
    process_label = child.process_label
    if process_label and process_label != link_label:
        parts.append(process_label)
    parts.append(str(child.pk))
    return "-".join(parts)


def _dump_calculation_files(node: ProcessNode, path: Path, options: ProcessDumpOptions) -> None:
    flat = options.flat
    repository = path if flat else path / "inputs"
    repository.mkdir(parents=True, exist_ok=True)
    node.base.repository.copy_tree(repository)
    outgoing = node.base.links.get_outgoing(link_type=LinkType.CREATE).all()
    for triple in outgoing:
        if triple.link_label == "retrieved":
            retrieved = path if flat else path / "outputs"
            retrieved.mkdir(parents=True, exist_ok=True)
            triple.node.base.repository.copy_tree(retrieved)
    if options.include_inputs:
        incoming = node.base.links.get_incoming(link_type=LinkType.INPUT_CALC).all()
        _dump_linked_files(incoming, path if flat else path / "node_inputs", flat)
    if options.include_outputs:
        created = [triple for triple in outgoing if triple.link_label != "retrieved"]
        _dump_linked_files(created, path if flat else path / "node_outputs", flat)


def _dump_linked_files(triples: list[Any], parent: Path, flat: bool) -> None:
    """The repository files of linked data nodes, under their link label (``a__b`` -> ``a/b``)."""
    for triple in triples:
        repository = triple.node.base.repository
        if not repository.list_object_names():
            continue
        target = parent if flat else parent.joinpath(*triple.link_label.split("__"))
        target.mkdir(parents=True, exist_ok=True)
        repository.copy_tree(target)


def _write_metadata(node: ProcessNode, path: Path, options: ProcessDumpOptions) -> None:
    content: dict[str, Any] = {"Node data": {field: getattr(node, field, None) for field in _NODE_FIELDS}}
    user = node.user
    content["User data"] = {field: getattr(user, field, None) for field in _USER_FIELDS}
    computer = node.computer
    if computer is not None:
        content["Computer data"] = {field: getattr(computer, field, None) for field in _COMPUTER_FIELDS}
    if options.include_attributes:
        attributes = node.base.attributes.all
        if attributes:
            content["Node attributes"] = attributes
    if options.include_extras:
        extras = node.base.extras.all
        if extras:
            content["Node extras"] = extras
    text = yaml.safe_dump(
        content,
        sort_keys=False,
        default_flow_style=False,
        indent=2,
        width=100,
        allow_unicode=True,
        explicit_start=True,
    )
    (path / METADATA_FILE_NAME).write_text(text, encoding="utf-8")


def _write_readme(node: ProcessNode, path: Path) -> None:
    label = node.process_label or node.label or type(node).__name__
    text = (
        f"# Dump of process {label} (pk {node.pk})\n\n"
        f"uuid: {node.uuid}\n\n"
        "Written by provgraph in the layout of aiida-core's `verdi process dump`:\n\n"
        f"- `{METADATA_FILE_NAME}`: the node's fields, user, computer, attributes (and extras if asked)\n"
        "- `inputs/`, `outputs/`: a calculation's repository files and those of its `retrieved` output\n"
        "- `node_inputs/`, `node_outputs/`: files of the linked input (and output) data, by link label\n"
        "- `NN-<link label>-<process label>-<pk>/`: the processes a workflow called, in order\n"
    )
    (path / README_FILE_NAME).write_text(text, encoding="utf-8")
