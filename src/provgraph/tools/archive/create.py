"""Create an AiiDA archive (``.aiida``) of a whole profile or of a part of its provenance graph.

The archive is the unit of sharing: a colleague (or aiida-core 2.9 itself) imports it into
another profile. ``create_archive`` takes aiida-core's parameters with their meaning: choose
entities (or None for everything), optionally switch the toggleable EXPORT traversal rules, and
get the file, written in the current format (``main_0001``). The work is a pipeline that never
holds more than a batch of rows or a chunk of a file:

1. select (:mod:`.selection`): ids of the rows to archive, expanded along the graph;
2. check (:mod:`.checks`): no unsealed process, licenses as required;
3. stream the rows into the archive database (:mod:`.rows`), noting repository keys;
4. write the zip (:mod:`.writer`): metadata, database, objects; rename into place.

Example::

    from provgraph import orm
    from provgraph.tools.archive.create import create_archive

    group = orm.load_group("results")
    create_archive([group], "results.aiida", include_logs=False)   # the group, its nodes' story
    create_archive(None, "everything.aiida", overwrite=True)       # the whole profile
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from provgraph.common.archive_format import AIIDA_FORMAT_VERSION, HEAD_VERSION, KEY_FORMAT
from provgraph.common.version import installed_version
from provgraph.exceptions import ArchiveExportError, InputValidationError
from provgraph.orm.entities import get_default_backend
from provgraph.storage.abstract import EntityTypes, StorageBackend
from provgraph.tools.archive.export_checks import LicenseRule, check_node_licenses, check_unsealed_nodes
from provgraph.tools.archive.rows import RowBatch, stream_connections, stream_tables
from provgraph.tools.archive.selection import WRITE_ORDER, Selection, select_entities
from provgraph.tools.archive.summary import ArchiveReporter, ArchiveSummary, LoggingReporter
from provgraph.tools.archive.writer import ArchiveFileBuilder, check_destination
from provgraph.tools.graph.rules import AppliedRules, GraphTraversalRules, validate_traversal_rules
from provgraph.tools.graph.traversal import FILTER_SIZE

if TYPE_CHECKING:
    from provgraph.repository.abstract import RepositoryBackend

__all__ = ["COUNT_NAMES", "create_archive"]

#: Summary names of the row kinds, in the order they are written.
COUNT_NAMES: dict[EntityTypes, str] = {
    **{entity_type: f"{entity_type.value}s" for entity_type in WRITE_ORDER},
    EntityTypes.LINK: "links",
    EntityTypes.GROUP_NODE: "group_nodes",
}


def create_archive(
    entities: Iterable[Any] | None,
    filename: str | Path | None = None,
    *,
    archive_format: Any = None,
    overwrite: bool = False,
    include_comments: bool = True,
    include_logs: bool = True,
    include_authinfos: bool = False,
    allowed_licenses: LicenseRule = None,
    forbidden_licenses: LicenseRule = None,
    strip_checkpoints: bool = True,
    batch_size: int = 1000,
    filter_size: int = FILTER_SIZE,
    compression: int = 6,
    test_run: bool = False,
    backend: StorageBackend | None = None,
    reporter: ArchiveReporter | None = None,
    **traversal_rules: bool,
) -> Path:
    """Write an archive of ``entities`` (nodes, groups, computers, users; None: everything) to ``filename``.

    Parameters are aiida-core's: ``filename`` defaults to ``./export_data.aiida``; an existing
    file is refused unless ``overwrite``. ``include_*`` add the nodes' comments and logs
    (default) and the computers' authinfos (not by default). ``allowed_licenses`` /
    ``forbidden_licenses`` (lists or functions of a license name) check Data ``source.license``.
    ``strip_checkpoints`` drops the ``checkpoints`` attribute of process nodes. ``batch_size``
    rows are read and written at a time, ``filter_size`` ids go into one query, ``compression``
    is the zlib level 0-9. ``test_run`` selects and counts, writing nothing. ``traversal_rules``
    switch the toggleable EXPORT rules (``create_backward=False``, ...). ``reporter`` (provgraph's
    addition) receives progress and the :class:`ArchiveSummary`; by default the summary is logged.

    Returns the archive's path. Raises ``ArchiveExportError`` (bad destination or parameters),
    ``ExportValidationError`` (unsealed processes selected) and ``LicensingException``.
    """
    started = time.monotonic()
    reporter = reporter or LoggingReporter()
    storage = backend if backend is not None else get_default_backend()
    if not isinstance(storage, StorageBackend):
        raise TypeError(f"backend must be a StorageBackend, got {storage!r}")
    path = check_destination(filename, overwrite)
    _check_parameters(archive_format, compression, batch_size, filter_size)
    rules = validate_traversal_rules(GraphTraversalRules.EXPORT, **traversal_rules)

    repository = storage.get_repository()
    if not test_run and repository.key_format != KEY_FORMAT:
        raise ArchiveExportError(
            f"the profile's repository keys are {repository.key_format!r}; archives need {KEY_FORMAT!r}"
        )

    reporter.start("Collecting entities", None)
    includes = {
        "include_authinfos": include_authinfos,
        "include_comments": include_comments,
        "include_logs": include_logs,
    }
    if entities is None:
        selection = Selection.everything(storage, **includes)
    else:
        if isinstance(entities, (str, bytes)) or not isinstance(entities, Iterable):
            raise TypeError(f"entities must be an iterable of entities or None, got {entities!r}")
        selection = select_entities(entities, storage, rules, filter_size=filter_size, **includes)
    check_unsealed_nodes(storage, selection, filter_size)
    check_node_licenses(
        storage,
        selection,
        allowed_licenses=allowed_licenses,
        forbidden_licenses=forbidden_licenses,
        filter_size=filter_size,
    )
    counts = {name: 0 for name in COUNT_NAMES.values()}
    keys: set[str] = set()
    if test_run:
        stream = stream_tables(
            storage,
            selection,
            batch_size=batch_size,
            filter_size=filter_size,
            strip_checkpoints=strip_checkpoints,
            repository_keys=keys,
        )
        collections.deque(_counted(stream, counts, selection, storage, reporter), maxlen=0)
        summary = ArchiveSummary(
            path,
            counts,
            len(keys),
            seconds=time.monotonic() - started,
            test_run=True,
            rules=dict(rules.rules),
        )
        reporter.finish(summary)
        return path

    with ArchiveFileBuilder(path, compression=compression, overwrite=overwrite) as builder:
        builder.copy_entities(storage, selection, _copy_report(counts, selection, storage, reporter))
        keys = builder.finish_nodes(strip_checkpoints)
        connections = stream_connections(storage, selection, batch_size=batch_size, filter_size=filter_size)
        for batch in _counted(connections, counts, selection, storage, reporter):
            builder.insert(batch)
        metadata = _metadata(compression, selection, rules, includes)
        reporter.start("Archiving files", len(keys))
        objects, object_bytes = builder.write_zip(
            metadata, _object_streams(repository, keys, batch_size), lambda _size: reporter.advance(1)
        )
    summary = ArchiveSummary(
        path,
        counts,
        objects,
        object_bytes=object_bytes,
        archive_bytes=path.stat().st_size,
        seconds=time.monotonic() - started,
        rules=dict(rules.rules),
    )
    reporter.finish(summary)
    return path


def _check_parameters(archive_format: Any, compression: Any, batch_size: Any, filter_size: Any) -> None:
    if archive_format is not None:
        raise ArchiveExportError(
            f"archive_format {archive_format!r} is not supported: provgraph writes the current format "
            f"({HEAD_VERSION}) only; leave archive_format as None"
        )
    if isinstance(compression, bool) or compression not in range(10):
        raise ArchiveExportError(f"compression must be an integer between 0 and 9, got {compression!r}")
    for name, value in (("batch_size", batch_size), ("filter_size", filter_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InputValidationError(f"{name} must be a positive integer, got {value!r}")


def _metadata(
    compression: int, selection: Selection, rules: AppliedRules, includes: dict[str, bool]
) -> dict[str, Any]:
    """``metadata.json``: aiida-core's keys (``aiida_version`` is the release whose format we write)."""
    return {
        "export_version": HEAD_VERSION,
        "aiida_version": AIIDA_FORMAT_VERSION,
        "provgraph_version": installed_version(),
        "key_format": KEY_FORMAT,
        "compression": compression,
        "ctime": datetime.now().isoformat(),
        "creation_parameters": {
            "entities_starting_set": selection.starting_set,
            **includes,
            "graph_traversal_rules": dict(rules.rules),
        },
    }


def _counted(
    stream: Iterable[RowBatch],
    counts: dict[str, int],
    selection: Selection,
    storage: StorageBackend,
    reporter: ArchiveReporter,
) -> Iterator[RowBatch]:
    """``stream``, counting its rows into ``counts`` and telling ``reporter`` (a phase per table)."""
    current: EntityTypes | None = None
    for batch in stream:
        if batch.entity_type is not current:
            current = batch.entity_type
            reporter.start(f"Archiving {COUNT_NAMES[current]}", selection.size(current, storage))
        counts[COUNT_NAMES[current]] += len(batch.rows)
        reporter.advance(len(batch.rows))
        yield batch


def _copy_report(
    counts: dict[str, int], selection: Selection, storage: StorageBackend, reporter: ArchiveReporter
) -> Callable[[EntityTypes, int], None]:
    """A function that counts the rows of each copy step into ``counts`` and tells ``reporter``."""
    current: list[EntityTypes] = []

    def report(entity_type: EntityTypes, copied: int) -> None:
        if current[-1:] != [entity_type]:
            current.append(entity_type)
            reporter.start(f"Archiving {COUNT_NAMES[entity_type]}", selection.size(entity_type, storage))
        counts[COUNT_NAMES[entity_type]] += copied
        reporter.advance(copied)

    return report


def _object_streams(
    repository: RepositoryBackend, keys: set[str], batch_size: int
) -> Iterator[tuple[str, BinaryIO]]:
    """The objects of ``keys`` in key order, opened ``batch_size`` keys at a time."""
    ordered = sorted(keys)
    for start in range(0, len(ordered), batch_size):
        yield from repository.iter_object_streams(ordered[start : start + batch_size])
