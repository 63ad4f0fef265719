"""A profile's provenance graph, or part of it, as a W3C PROV document (``prov.model.ProvDocument``).

The nodes are chosen as ``archive create`` chooses them (everything, or chosen nodes and groups
expanded by the EXPORT traversal rules), then read in batches: node ids, then the rows of a
batch of ids (``get_rows`` with ``In``), then the links leaving each batch, then mapped record by
record (:mod:`.mapping`). Memory holds one batch of rows plus the document itself, which the
``prov`` package keeps whole in memory (so does every serialiser it has): that part grows with
the graph and is why ``docs/prov.md`` gives a figure for 10,000 nodes.

Example::

    from provgraph import orm
    from provgraph.tools.prov import prov_document

    document = prov_document([orm.load_node(12)])          # node 12 and its provenance
    print(document.serialize(format="provn"))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prov.constants import PROV_BUNDLE, PROV_LABEL, PROV_TYPE
from prov.identifier import QualifiedName
from prov.model import ProvActivity, ProvBundle, ProvDocument

from provgraph.exceptions import InputValidationError
from provgraph.orm.entities import get_default_backend
from provgraph.orm.nodes.node import Node
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.storage.abstract import EntityTypes, In, StorageBackend
from provgraph.tools.archive.selection import ENTITY_CLASSES, Selection, select_entities
from provgraph.tools.graph.rules import GraphTraversalRules, validate_traversal_rules
from provgraph.tools.graph.traversal import FILTER_SIZE, batched
from provgraph.tools.prov.mapping import (
    PROFILE,
    PROVGRAPH,
    add_activity,
    add_agent,
    add_entity,
    add_link,
    add_namespaces,
    is_process,
    local_name,
    node_identifier,
    user_identifier,
)

__all__ = ["NODE_COLUMNS", "Progress", "prov_document", "select_nodes", "write_graph"]

#: The node columns the mapping reads (not extras or repository metadata: see docs/prov.md).
NODE_COLUMNS: tuple[str, ...] = (
    "id",
    "uuid",
    "node_type",
    "process_type",
    "label",
    "description",
    "ctime",
    "mtime",
    "attributes",
    "user_id",
)
_USER_COLUMNS = ("id", "email", "first_name", "last_name", "institution")
_CALLS = frozenset({"call_calc", "call_work"})

#: A progress callback: ``(stage, done, total)``, total None when not known yet.
Progress = Callable[[str, int, "int | None"], None]


def prov_document(
    entities: Iterable[Any] | None,
    *,
    backend: StorageBackend | None = None,
    batch_size: int = 1000,
    filter_size: int = FILTER_SIZE,
    progress: Progress | None = None,
    **traversal_rules: bool,
) -> ProvDocument:
    """The PROV document of ``entities`` (nodes, groups; None: the whole profile) and their provenance.

    ``traversal_rules`` switch the toggleable EXPORT rules as for ``create_archive``
    (``create_backward=False``, ...); ``progress(stage, done, total)`` hears each batch. The
    document holds one bundle, named after the profile's storage, with every record in it
    (``docs/prov.md`` has the mapping), and declares the bundle as an entity (the profile's name).

    >>> document = prov_document(None, backend=storage)  # doctest: +SKIP
    >>> len(list(document.bundles))  # doctest: +SKIP
    1
    """
    storage = backend if backend is not None else get_default_backend()
    if not isinstance(storage, StorageBackend):
        raise TypeError(f"backend must be a StorageBackend, got {storage!r}")
    _check_sizes(batch_size, filter_size)
    selection = select_nodes(entities, storage, filter_size=filter_size, **traversal_rules)
    document = ProvDocument()
    add_namespaces(document)
    identifier = _bundle_identifier(storage)
    bundle = document.bundle(identifier)
    document.entity(
        identifier,
        {
            PROV_TYPE: PROV_BUNDLE,
            PROV_LABEL: storage.profile.name,
            PROVGRAPH["profile"]: storage.profile.name,
        },
    )
    write_graph(bundle, storage, selection, batch_size=batch_size, filter_size=filter_size, progress=progress)
    return document


def select_nodes(
    entities: Iterable[Any] | None, storage: StorageBackend, *, filter_size: int, **traversal_rules: bool
) -> Selection:
    """The rows to export: every one (``entities`` None) or those ``archive create`` would choose."""
    rules = validate_traversal_rules(GraphTraversalRules.EXPORT, **traversal_rules)
    includes = {"include_authinfos": False, "include_comments": False, "include_logs": False}
    if entities is None:
        return Selection.everything(storage, **includes)
    if isinstance(entities, (str, bytes)) or not isinstance(entities, Iterable):
        raise TypeError(f"entities must be an iterable of nodes and groups or None, got {entities!r}")
    return select_entities(entities, storage, rules, filter_size=filter_size, **includes)


def write_graph(
    bundle: ProvBundle,
    storage: StorageBackend,
    selection: Selection,
    *,
    batch_size: int,
    filter_size: int,
    progress: Progress | None = None,
) -> None:
    """Add the selected users, nodes and the links between the nodes to ``bundle``.

    ``progress(stage, done, total)`` hears each batch (``total`` None when not known).
    """
    report = progress or _silent
    agents: dict[int, QualifiedName] = {}
    for ids in _id_batches(storage, selection, EntityTypes.USER, batch_size):
        for row in storage.get_rows(EntityTypes.USER, {"id": In(tuple(ids))}, columns=_USER_COLUMNS):
            agents[row["id"]] = user_identifier(row["email"])
            add_agent(bundle, row)
    activities: dict[str, ProvActivity] = {}
    total, done = selection.size(EntityTypes.NODE, storage), 0
    report("Mapping nodes", done, total)
    for ids in _id_batches(storage, selection, EntityTypes.NODE, batch_size):
        for row in storage.get_rows(EntityTypes.NODE, {"id": In(tuple(ids))}, columns=NODE_COLUMNS):
            agent = agents.get(row["user_id"])
            if is_process(row["node_type"]):
                activities[row["uuid"]] = add_activity(bundle, row, agent)
            else:
                add_entity(bundle, row, agent)
        done += len(ids)
        report("Mapping nodes", done, total)
    done = 0
    for source, target, link_type, label in _links(storage, selection, batch_size, filter_size):
        add_link(bundle, node_identifier(source), node_identifier(target), link_type, label)
        if link_type in _CALLS and target in activities:
            activities[target].add_attributes({PROVGRAPH["caller"]: node_identifier(source)})
        done += 1
        if done % batch_size == 0:
            report("Mapping links", done, None)
    report("Mapping links", done, done)


def _silent(stage: str, done: int, total: int | None) -> None:
    """The progress callback that tells no one."""


def _bundle_identifier(storage: StorageBackend) -> QualifiedName:
    """``profile:uuid-<storage uuid>``: the repository's UUID, else the profile's (both stable)."""
    uuid = storage.get_repository().uuid or storage.profile.uuid
    return PROFILE[local_name(f"uuid-{uuid}")]


def _id_batches(
    storage: StorageBackend, selection: Selection, entity_type: EntityTypes, size: int
) -> Iterator[list[int]]:
    """The selected ids of ``entity_type`` in ascending lists of at most ``size``.

    A selection of everything names no ids: they are read (ids only) up to its bound.
    """
    ids = selection.scope[entity_type]
    if ids is not None:
        yield from batched(ids, size)
        return
    batch: list[int] = []
    for filters in selection.filters(entity_type, size):
        query = QueryBuilder(backend=storage).append(
            ENTITY_CLASSES[entity_type], tag="row", filters=filters, project=["id"]
        )
        query.order_by({"row": ["id"]})
        for pk in query.iterall(batch_size=size):
            batch.append(pk[0])
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch


def _links(
    storage: StorageBackend, selection: Selection, batch_size: int, filter_size: int
) -> Iterator[tuple[str, str, str, str]]:
    """(source uuid, target uuid, type, label) of every link between two selected nodes.

    Each link type has a direction the EXPORT rules always follow, so a link between two
    selected nodes is part of the provenance they were selected with (as in archives).
    """
    for filters in selection.filters(EntityTypes.NODE, filter_size):
        query = QueryBuilder(backend=storage)
        query.append(Node, tag="source", filters=filters, project=["uuid"])
        query.append(Node, with_incoming="source", project=["id", "uuid"], edge_project=["type", "label"])
        for source, target_id, target, link_type, label in query.distinct().iterall(batch_size=batch_size):
            if selection.is_selected(EntityTypes.NODE, target_id):
                yield source, target, link_type, label


def _check_sizes(batch_size: Any, filter_size: Any) -> None:
    for name, value in (("batch_size", batch_size), ("filter_size", filter_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InputValidationError(f"{name} must be a positive integer, got {value!r}")
