"""Which rows an archive holds: everything, or what the chosen entities need, as aiida-core decides.

From the chosen groups, nodes, computers and users (``spec/archive.md``, "verdi archive
create"): the groups' nodes join the chosen nodes; the EXPORT traversal rules expand them; the
nodes' computers join the chosen computers; then (if asked) the computers' authinfos and the
nodes' comments and logs; last, the users of nodes, groups, comments and authinfos. Each step is
one query per batch of ids, projecting ids only, so a selection costs a set of ints per entity
type. With no entities chosen, every row of every table is selected without listing ids, up to
the largest id each table has when the selection is made: rows written while the archive is
being made (a running workflow's) are left out, so that the archive does not hold a link or a
membership pointing at a node it lacks.

>>> selection = Selection(scope={EntityTypes.NODE: None, EntityTypes.LOG: {3, 1}}, starting_set=None,
...                       bounds={EntityTypes.NODE: 10})
>>> list(selection.filters(EntityTypes.NODE, 100)), list(selection.filters(EntityTypes.LOG, 100))
([{'id': {'<=': 10}}], [{'id': {'in': [1, 3]}}])
>>> selection.is_selected(EntityTypes.NODE, 11)
False
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from provgraph.exceptions import ArchiveExportError
from provgraph.orm.authinfos import AuthInfo
from provgraph.orm.comments import Comment
from provgraph.orm.computers import Computer
from provgraph.orm.entities import Entity
from provgraph.orm.groups import Group
from provgraph.orm.logs import Log
from provgraph.orm.nodes.node import Node
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.orm.users import User
from provgraph.storage.abstract import EntityTypes, StorageBackend
from provgraph.tools.graph.rules import AppliedRules
from provgraph.tools.graph.traversal import batched, traverse_graph

__all__ = ["ENTITY_CLASSES", "WRITE_ORDER", "Scope", "Selection", "select_entities"]

#: The entity tables in the order an archive is written (referenced rows first).
WRITE_ORDER: tuple[EntityTypes, ...] = (
    EntityTypes.USER,
    EntityTypes.COMPUTER,
    EntityTypes.AUTHINFO,
    EntityTypes.GROUP,
    EntityTypes.NODE,
    EntityTypes.COMMENT,
    EntityTypes.LOG,
)

ENTITY_CLASSES: dict[EntityTypes, type[Entity]] = {
    EntityTypes.USER: User,
    EntityTypes.COMPUTER: Computer,
    EntityTypes.AUTHINFO: AuthInfo,
    EntityTypes.GROUP: Group,
    EntityTypes.NODE: Node,
    EntityTypes.COMMENT: Comment,
    EntityTypes.LOG: Log,
}

#: Per entity type: None for every row, else the ids of the rows selected.
Scope = dict[EntityTypes, "set[int] | None"]


@dataclass
class Selection:
    """The rows to archive, and how the user named them (for ``metadata.json``)."""

    scope: Scope
    #: ``entities_starting_set``: None for everything, else uuids (users: emails) by entity type.
    starting_set: dict[str, list[str]] | None
    #: For the entity types selected whole: the largest id when selected (absent: the table was empty).
    bounds: dict[EntityTypes, int] = field(default_factory=dict)

    @classmethod
    def everything(
        cls, storage: StorageBackend, *, include_authinfos: bool, include_comments: bool, include_logs: bool
    ) -> Selection:
        """Every row as of now, except the kinds left out."""
        scope: Scope = {entity_type: None for entity_type in WRITE_ORDER}
        for entity_type, included in (
            (EntityTypes.AUTHINFO, include_authinfos),
            (EntityTypes.COMMENT, include_comments),
            (EntityTypes.LOG, include_logs),
        ):
            if not included:
                scope[entity_type] = set()
        bounds = {}
        for entity_type in (entity_type for entity_type, ids in scope.items() if ids is None):
            query = QueryBuilder(backend=storage)
            query.append(ENTITY_CLASSES[entity_type], project=[{"id": {"func": "max"}}])
            largest = query.all(flat=True)[0]
            if largest is not None:
                bounds[entity_type] = int(largest)
        return cls(scope, None, bounds)

    def filters(self, entity_type: EntityTypes, filter_size: int) -> Iterator[dict[str, Any]]:
        """Row filters covering the selected rows of ``entity_type``: one per batch of ids (none if empty)."""
        ids = self.scope[entity_type]
        if ids is None:
            if entity_type in self.bounds:
                yield {"id": {"<=": self.bounds[entity_type]}}
            return
        for batch in batched(ids, filter_size):
            yield {"id": {"in": batch}}

    def lower_bound(self, entity_type: EntityTypes, storage: StorageBackend) -> int:
        """The smallest id of a table selected whole (0 if it is empty)."""
        query = QueryBuilder(backend=storage)
        query.append(ENTITY_CLASSES[entity_type], project=[{"id": {"func": "min"}}])
        smallest = query.all(flat=True)[0]
        return 0 if smallest is None else int(smallest)

    def size(self, entity_type: EntityTypes, storage: StorageBackend) -> int | None:
        """How many rows of ``entity_type`` are selected (None for links and memberships: not known)."""
        if entity_type not in self.scope:
            return None
        ids = self.scope[entity_type]
        if ids is not None:
            return len(ids)
        return sum(
            QueryBuilder(backend=storage).append(ENTITY_CLASSES[entity_type], filters=filters).count()
            for filters in self.filters(entity_type, 1)
        )

    def is_selected(self, entity_type: EntityTypes, pk: int) -> bool:
        ids = self.scope[entity_type]
        if ids is None:
            return entity_type in self.bounds and pk <= self.bounds[entity_type]
        return pk in ids


def select_entities(
    entities: Iterable[Any],
    storage: StorageBackend,
    rules: AppliedRules,
    *,
    include_authinfos: bool,
    include_comments: bool,
    include_logs: bool,
    filter_size: int,
) -> Selection:
    """The rows archiving ``entities`` (nodes, groups, computers, users) needs, following ``rules``."""
    ids: dict[EntityTypes, set[int]] = {entity_type: set() for entity_type in WRITE_ORDER}
    starting: dict[str, list[str]] = {}
    for entity in entities:
        entity_type, name = _starting_entry(entity)
        if entity.pk is None:  # unstored: nothing to archive (as aiida-core)
            continue
        if entity.pk not in ids[entity_type]:
            ids[entity_type].add(entity.pk)
            starting.setdefault(entity_type.value, []).append(name)

    def related(source: EntityTypes, target: EntityTypes, keyword: str) -> set[int]:
        return _related_ids(storage, source, ids[source], target, keyword=keyword, filter_size=filter_size)

    ids[EntityTypes.NODE] |= related(EntityTypes.GROUP, EntityTypes.NODE, "with_group")
    ids[EntityTypes.NODE] = traverse_graph(
        ids[EntityTypes.NODE], rules=rules.rules, backend=storage, filter_size=filter_size
    )["nodes"]
    ids[EntityTypes.COMPUTER] |= related(EntityTypes.NODE, EntityTypes.COMPUTER, "with_node")
    if include_authinfos:
        ids[EntityTypes.AUTHINFO] = related(EntityTypes.COMPUTER, EntityTypes.AUTHINFO, "with_computer")
    if include_logs:
        ids[EntityTypes.LOG] = related(EntityTypes.NODE, EntityTypes.LOG, "with_node")
    if include_comments:
        ids[EntityTypes.COMMENT] = related(EntityTypes.NODE, EntityTypes.COMMENT, "with_node")
    for source, keyword in (
        (EntityTypes.NODE, "with_node"),
        (EntityTypes.GROUP, "with_group"),
        (EntityTypes.COMMENT, "with_comment"),
        (EntityTypes.AUTHINFO, "with_authinfo"),
    ):
        ids[EntityTypes.USER] |= related(source, EntityTypes.USER, keyword)
    scope: Scope = dict(ids)
    return Selection(scope, starting)


def _starting_entry(entity: Any) -> tuple[EntityTypes, str]:
    """The entity type of a chosen entity and how ``metadata.json`` names it."""
    if isinstance(entity, Group):
        return EntityTypes.GROUP, entity.uuid
    if isinstance(entity, Node):
        return EntityTypes.NODE, entity.uuid
    if isinstance(entity, Computer):
        return EntityTypes.COMPUTER, entity.uuid
    if isinstance(entity, User):
        return EntityTypes.USER, entity.email
    raise ArchiveExportError(
        f"I was given {entity!r} ({type(entity).__name__}), which is not a User, Node, Computer, or Group"
    )


def _related_ids(
    storage: StorageBackend,
    source: EntityTypes,
    source_ids: set[int],
    target: EntityTypes,
    *,
    keyword: str,
    filter_size: int,
) -> set[int]:
    """Ids of the ``target`` rows joined to the ``source`` rows ``source_ids`` by ``keyword``."""
    found: set[int] = set()
    for batch in batched(source_ids, filter_size):
        query = QueryBuilder(backend=storage)
        query.append(ENTITY_CLASSES[source], tag="source", filters={"id": {"in": batch}})
        query.append(ENTITY_CLASSES[target], joining_keyword=keyword, joining_value="source", project=["id"])
        found.update(query.distinct().all(flat=True))
    return found
