"""Export a part of the provenance graph (or all of it) as an RO-Crate: a folder or a zip file.

The crate follows RO-Crate 1.1 and the Workflow Run Crate profiles (Process, Workflow and
Provenance Run Crate 0.5): each process is a ``CreateAction`` run by a tool standing for its
process type, workflows' calls are ``ControlAction`` / ``OrganizeAction`` pairs, data nodes are
``PropertyValue`` entities or folders of their repository files (``docs/ro-crate.md`` has the
whole mapping and its reasons). Nodes are chosen as ``archive create`` chooses them: the given
entities expanded by the EXPORT traversal rules, or everything.

The work streams: node rows come ``batch_size`` at a time through the QueryBuilder, files are
copied from the repository in 1 MiB chunks (hashed on the way); a file larger than
``max_file_size`` is described (name, size, sha256) but not copied. What is held in memory is
the crate's metadata graph, which the ``rocrate`` package keeps until it writes
``ro-crate-metadata.json`` (inherent to that package: about 3 kB per node;
``docs/ro-crate.md`` has the measurements).

Example::

    from provgraph import orm
    from provgraph.tools.prov.rocrate import export_ro_crate

    summary = export_ro_crate([orm.load_node(42)], "run.crate.zip")   # the node and its story
    export_ro_crate(None, "everything-crate", overwrite=True)         # the whole profile, a folder
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol
from urllib.parse import quote

from rocrate.model.contextentity import ContextEntity
from rocrate.model.creativework import CreativeWork
from rocrate.model.file import File
from rocrate.model.person import Person
from rocrate.rocrate import ROCrate

from provgraph.common.scratch import scratch_folder
from provgraph.exceptions import InputValidationError, RoCrateExportError
from provgraph.orm.entities import get_default_backend
from provgraph.orm.nodes.node import Node
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.orm.users import User
from provgraph.repository.tree import Repository
from provgraph.storage.abstract import EntityTypes, StorageBackend
from provgraph.tools.archive.selection import Selection, select_entities
from provgraph.tools.graph.rules import GraphTraversalRules, validate_traversal_rules
from provgraph.tools.graph.traversal import FILTER_SIZE
from provgraph.tools.prov.rocrate_graph import MAIN_WORKFLOW_PATH, PROFILES, CrateGraph, NodeRow

if TYPE_CHECKING:
    from provgraph.repository.abstract import RepositoryBackend

__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "RoCrateExportError",
    "RoCrateReporter",
    "RoCrateSummary",
    "export_ro_crate",
]

#: Files larger than this (bytes) are described by size and sha256 instead of copied.
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
#: The license text of a crate exported without one (RO-Crate requires the property).
NO_LICENSE = "No license was chosen when this crate was exported; ask its authors before reuse."
_CHUNK = 1 << 20
_NODE_COLUMNS = (
    "id",
    "uuid",
    "node_type",
    "process_type",
    "label",
    "description",
    "ctime",
    "mtime",
    "attributes",
    "repository_metadata",
    "user_id",
)


class RoCrateReporter(Protocol):
    """Hears the phases of an export and its progress (the CLI draws progress bars with it)."""

    def start(self, description: str, total: int | None) -> None: ...

    def advance(self, count: int) -> None: ...


class _SilentReporter:
    def start(self, description: str, total: int | None) -> None:
        pass

    def advance(self, count: int) -> None:
        pass


@dataclass(frozen=True, slots=True)
class RoCrateSummary:
    """What an export wrote."""

    path: Path
    processes: int
    data_nodes: int
    files_copied: int
    bytes_copied: int
    files_referenced: int  # larger than the limit: described, not copied
    bytes_referenced: int
    seconds: float

    def table(self) -> list[tuple[str, str]]:
        """(name, value) rows for a summary table."""
        return [
            ("processes", str(self.processes)),
            ("data nodes", str(self.data_nodes)),
            ("files copied", f"{self.files_copied} ({self.bytes_copied} bytes)"),
            ("files referenced by hash", f"{self.files_referenced} ({self.bytes_referenced} bytes)"),
            ("seconds", f"{self.seconds:.1f}"),
        ]


def export_ro_crate(
    entities: Iterable[Any] | None,
    destination: str | Path,
    *,
    backend: StorageBackend | None = None,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    overwrite: bool = False,
    license: str | None = None,
    batch_size: int = 1000,
    filter_size: int = FILTER_SIZE,
    reporter: RoCrateReporter | None = None,
    **traversal_rules: bool,
) -> RoCrateSummary:
    """Write the nodes of ``entities`` (nodes, groups; None: every node) as an RO-Crate at ``destination``.

    A destination ending in ``.zip`` becomes a zipped crate, anything else a folder; an
    existing one is refused unless ``overwrite``. ``traversal_rules`` switch the toggleable
    EXPORT rules as for ``create_archive``. Repository files up to ``max_file_size`` bytes are
    copied to ``nodes/<uuid>/<path>``; larger ones are described only. ``license`` (a URL or a
    text) becomes the crate's license. ``reporter`` hears the phases and their progress.
    Raises ``RoCrateExportError`` for an empty selection or a taken destination; the
    destination is only written when the crate is complete.
    """
    started = time.monotonic()
    reporter = reporter or _SilentReporter()
    storage = backend if backend is not None else get_default_backend()
    if not isinstance(storage, StorageBackend):
        raise TypeError(f"backend must be a StorageBackend, got {storage!r}")
    path = _check_destination(destination, overwrite)
    _check_count("max_file_size", max_file_size, smallest=0)
    _check_count("batch_size", batch_size, smallest=1)
    _check_count("filter_size", filter_size, smallest=1)
    rules = validate_traversal_rules(GraphTraversalRules.EXPORT, **traversal_rules)
    reporter.start("Collecting nodes", None)
    includes = {"include_authinfos": False, "include_comments": False, "include_logs": False}
    if entities is None:
        selection = Selection.everything(storage, **includes)
    else:
        if isinstance(entities, (str, bytes)) or not isinstance(entities, Iterable):
            raise TypeError(f"entities must be an iterable of entities or None, got {entities!r}")
        selection = select_entities(entities, storage, rules, filter_size=filter_size, **includes)
    node_count = selection.size(EntityTypes.NODE, storage)
    if not node_count:
        raise RoCrateExportError("nothing to export: the selection holds no nodes")

    staging = scratch_folder(".provgraph-rocrate-", parent=path.parent)
    try:
        writer = _CrateWriter(storage, staging / "crate", max_file_size, license)
        reporter.start("Exporting nodes", node_count)
        writer.write(selection, batch_size, filter_size, reporter)
        if path.suffix.lower() == ".zip":
            reporter.start("Zipping the crate", None)
        _move_into_place(staging, path, overwrite)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RoCrateSummary(
        path,
        writer.graph.process_count,
        writer.data_nodes,
        writer.files_copied,
        writer.bytes_copied,
        writer.files_referenced,
        writer.bytes_referenced,
        time.monotonic() - started,
    )


def _check_count(name: str, value: Any, *, smallest: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < smallest:
        raise InputValidationError(f"{name} must be an integer of at least {smallest}, got {value!r}")


def _check_destination(destination: str | Path, overwrite: bool) -> Path:
    if not isinstance(destination, (str, os.PathLike)):
        raise TypeError(f"destination must be a str or a Path, got {destination!r}")
    path = Path(destination).absolute()
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise RoCrateExportError(
            f"{str(destination)!r} already exists; pass overwrite (--force) to replace it"
        )
    if not path.parent.is_dir():
        raise RoCrateExportError(f"the folder of {str(destination)!r} does not exist")
    return path


def _move_into_place(staging: Path, path: Path, overwrite: bool) -> None:
    """Zip or rename the finished crate folder to ``path``, replacing what is there (``overwrite``)."""
    crate = staging / "crate"
    if path.suffix.lower() == ".zip":
        built = staging / "crate.zip"
        _zip_folder(crate, built)
    else:
        built = crate
    if overwrite and (path.exists() or path.is_symlink()):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    built.rename(path)


def _zip_folder(folder: Path, target: Path) -> None:
    """The crate folder as a zip: ``ro-crate-metadata.json`` first, then every folder and file (streamed)."""
    metadata = folder / "ro-crate-metadata.json"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(metadata, metadata.name)
        for entry in sorted(folder.rglob("*")):
            if entry != metadata:  # folders too: a node's folder may hold only files too large to copy
                archive.write(entry, entry.relative_to(folder).as_posix())


class _CrateWriter:
    """Streams the selected nodes into a crate folder: files copied as they come, metadata last."""

    def __init__(
        self, storage: StorageBackend, folder: Path, max_file_size: int, license: str | None
    ) -> None:
        self._storage = storage
        self._repository: RepositoryBackend = storage.get_repository()
        self._folder = folder
        self._max_file_size = max_file_size
        self._license = license or NO_LICENSE
        self._crate = _new_crate()
        self.graph = CrateGraph(self._crate, {})
        self.data_nodes = 0
        self.files_copied = 0
        self.bytes_copied = 0
        self.files_referenced = 0
        self.bytes_referenced = 0

    def write(
        self, selection: Selection, batch_size: int, filter_size: int, reporter: RoCrateReporter
    ) -> None:
        self._folder.mkdir()
        self.graph = CrateGraph(self._crate, self._add_persons(selection, filter_size))
        done = 0
        for row, files in self._node_rows(selection, batch_size, filter_size):
            self._add_node(row, files)
            done += 1
            if done % 100 == 0:
                reporter.advance(100)
        reporter.advance(done % 100)
        reporter.start("Linking runs, inputs and outputs", None)
        for source, target, link_type, label in self._links(selection, batch_size, filter_size):
            self.graph.add_link(source, target, link_type, label)
        self.graph.finish()
        reporter.start("Writing ro-crate-metadata.json", None)
        if self.graph.process_count:
            content = json.dumps(self.graph.workflow_description(), indent=2, sort_keys=True)
            (self._folder / MAIN_WORKFLOW_PATH).write_text(content + "\n", encoding="utf-8")
        self._describe_root()
        self._write_metadata()

    def _write_metadata(self) -> None:
        """``ro-crate-metadata.json`` as the ``rocrate`` package generates it, encoded straight into the
        file (its own ``write`` builds the whole text, then its bytes, in memory first)."""
        content = self._crate.metadata.generate()
        with (self._folder / "ro-crate-metadata.json").open("w", encoding="utf-8") as handle:
            json.dump(content, handle, indent=4, sort_keys=True, ensure_ascii=False)

    def _add_persons(self, selection: Selection, filter_size: int) -> dict[int, str]:
        persons: dict[int, str] = {}
        for filters in selection.filters(EntityTypes.USER, filter_size):
            query = QueryBuilder(backend=self._storage).append(
                User, filters=filters, project=["id", "email", "first_name", "last_name", "institution"]
            )
            for pk, email, first, last, institution in query.iterall():
                properties: dict[str, Any] = {"name": f"{first} {last}".strip() or email, "email": email}
                if institution:
                    properties["affiliation"] = institution
                person = self._crate.add(Person(self._crate, f"#user/{pk}", properties))
                persons[pk] = person.id
        return persons

    def _node_rows(
        self, selection: Selection, batch_size: int, filter_size: int
    ) -> Iterator[tuple[NodeRow, dict[str, str | None]]]:
        for filters in selection.filters(EntityTypes.NODE, filter_size):
            query = QueryBuilder(backend=self._storage).append(
                Node, tag="node", filters=filters, project=list(_NODE_COLUMNS)
            )
            query.order_by({"node": ["id"]})
            for values in query.iterall(batch_size=batch_size):
                column = dict(zip(_NODE_COLUMNS, values, strict=True))
                row = NodeRow(
                    column["id"],
                    str(column["uuid"]),
                    column["node_type"],
                    column["process_type"],
                    column["label"] or "",
                    column["description"] or "",
                    _aware(column["ctime"]),
                    _aware(column["mtime"]),
                    column["attributes"] or {},
                    column["user_id"],
                )
                yield row, Repository.flatten(column["repository_metadata"])

    def _add_node(self, row: NodeRow, tree: dict[str, str | None]) -> None:
        files = {path: key for path, key in sorted(tree.items()) if key is not None}
        folder = f"nodes/{row.uuid}/"
        entities = [self._add_file(f"{folder}{path}", key) for path, key in files.items()]
        if row.is_process:
            self.graph.add_process(row, folder if entities else None)
            if entities:
                self.graph.add_process_folder(row, folder, entities)
            return
        self.data_nodes += 1
        if entities:
            self.graph.add_folder(row, folder, entities)
        else:
            self.graph.add_value(row)

    def _add_file(self, crate_path: str, key: str) -> Any:
        """Copy one repository object to ``crate_path`` (or describe it only, if too large)."""
        size, digest = self._copy(key, self._folder / crate_path)
        properties: dict[str, Any] = {
            "name": crate_path.rsplit("/", 1)[-1],
            "contentSize": str(size),
            "sha256": digest,
        }
        if size > self._max_file_size:
            self.files_referenced += 1
            self.bytes_referenced += size
            properties["description"] = (
                f"Not included: larger than the export's limit of {self._max_file_size} bytes. "
                f"The profile's repository holds it under its sha256."
            )
            properties["@type"] = "File"
            return self._crate.add(ContextEntity(self._crate, f"#{quote(crate_path)}", properties))
        self.files_copied += 1
        self.bytes_copied += size
        return self._crate.add(File(self._crate, None, crate_path, properties=properties))

    def _copy(self, key: str, target: Path) -> tuple[int, str]:
        """Stream object ``key`` into ``target`` while hashing it; stop writing past the size limit."""
        digest = hashlib.sha256()
        size = 0
        target.parent.mkdir(parents=True, exist_ok=True)
        output: BinaryIO | None = target.open("wb")
        try:
            with self._repository.open(key) as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    if output is not None and size > self._max_file_size:
                        output.close()
                        output = None
                        target.unlink()
                    if output is not None:
                        output.write(chunk)
        finally:
            if output is not None:
                output.close()
        return size, digest.hexdigest()

    def _links(
        self, selection: Selection, batch_size: int, filter_size: int
    ) -> Iterator[tuple[int, int, str, str]]:
        """(source, target, type, label) of the links from a selected node to a selected node."""
        for filters in selection.filters(EntityTypes.NODE, filter_size):
            query = QueryBuilder(backend=self._storage)
            query.append(Node, tag="source", filters=filters, project=["id"])
            query.append(Node, with_incoming="source", project=["id"], edge_project=["type", "label"])
            for source, target, link_type, label in query.distinct().iterall(batch_size=batch_size):
                if selection.is_selected(EntityTypes.NODE, target):
                    yield source, target, str(link_type), str(label)

    def _describe_root(self) -> None:
        root = self._crate.root_dataset
        root["name"] = "Provenance graph exported by provgraph"
        root["description"] = (
            f"{self.graph.process_count} processes and {self.data_nodes} data nodes of a provgraph "
            "(AiiDA-compatible) provenance graph, with their inputs, outputs, calls and files."
        )
        root["license"] = self._license
        root["datePublished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if self.graph.process_count:
            conforms = []
            for identifier, name in PROFILES.items():
                version = identifier.rsplit("/", 1)[-1]
                self._crate.add(CreativeWork(self._crate, identifier, {"name": name, "version": version}))
                conforms.append({"@id": identifier})
            root["conformsTo"] = conforms


def _new_crate() -> ROCrate:
    """An empty RO-Crate 1.1 whose context also names ``sha256`` (schema.org's, not in the 1.1 context)."""

    crate = ROCrate(version="1.1")
    crate.metadata.extra_terms["sha256"] = "http://schema.org/sha256"
    return crate


def _aware(moment: datetime) -> datetime:
    """A database time as an aware UTC datetime (SQLite may return naive UTC)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
