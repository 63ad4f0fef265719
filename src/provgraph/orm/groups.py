"""Groups: named sets of nodes (AiiDA's ``orm.Group``).

A group is identified by its uuid, and by its label within its ``type_string`` (``core`` for
groups users make; ``core.auto``, ``core.import``, ... for the ones tools make). Membership is
a row per (group, node) in ``db_dbgroup_dbnodes``: adding or removing many nodes is one call to
the storage, and deleting a group ends its memberships but keeps the nodes.
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, ClassVar, cast

from provgraph.exceptions import InputValidationError, NotExistent, StoredEntityError
from provgraph.orm.entities import Collection, CollectionDescriptor, Entity
from provgraph.orm.json_fields import JsonFields
from provgraph.orm.labelled import LabelledEntity
from provgraph.orm.loaders import load_entity
from provgraph.orm.nodes.node import Node
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.orm.querybuilder.type_filters import DEFAULT_GROUP_TYPE_STRING as DEFAULT_TYPE_STRING
from provgraph.orm.users import User, UserCollection
from provgraph.storage.abstract import EntityTypes, StorageBackend

__all__ = ["Group", "GroupBase", "GroupCollection", "GroupExtras", "load_group"]


class GroupCollection(Collection["Group"]):
    """The groups of one storage, of every type_string."""

    def get_or_create(self, label: str, **kwargs: Any) -> tuple[Group, bool]:
        """``(group, created)``: the stored group labelled ``label``, stored now if it was missing.

        The order of the pair is AiiDA's (it differs from ``User``'s ``get_or_create``).
        """
        type_string = kwargs.get("type_string") or DEFAULT_TYPE_STRING
        found = self.find({"label": label, "type_string": type_string}, limit=1)
        if found:
            return found[0], False
        return Group(label, backend=self._backend, **kwargs).store(), True


class GroupExtras(JsonFields):
    """``group.base.extras``: free-form JSON values by key, changeable after storing (the same
    API and rules as a node's extras)."""

    _column = "extras"
    _what = "extra"
    __slots__ = ()


class GroupBase:
    """``group.base``: the namespace of group functions beside its fields (AiiDA's layout)."""

    def __init__(self, group: Group) -> None:
        self._group = group

    @cached_property
    def extras(self) -> GroupExtras:
        return GroupExtras(self._group)


class Group(LabelledEntity):
    """A named set of stored nodes, owned by a user."""

    _entity_type: ClassVar[EntityTypes] = EntityTypes.GROUP
    collection = CollectionDescriptor(GroupCollection)

    def __init__(
        self,
        label: str,
        user: User | None = None,
        description: str = "",
        type_string: str | None = None,
        time: datetime | None = None,
        *,
        extras: Mapping[str, Any] | None = None,
        backend: StorageBackend | None = None,
    ) -> None:
        super().__init__(backend)
        self._check_label(label)
        if user is None:
            user = cast(UserCollection, User.get_collection(self._backend)).get_default()
        elif not user.is_stored:
            raise StoredEntityError(f"store user {user.email!r} before making it own a group")
        self._row = {
            "uuid": str(uuid_module.uuid4()),
            "label": label,
            "type_string": type_string or DEFAULT_TYPE_STRING,
            "time": time if time is not None else datetime.now(timezone.utc),
            "description": description,
            "extras": {},
            "user_id": user.pk,
        }
        if extras:
            self.base.extras.set_many(extras)

    def __str__(self) -> str:
        return f"{type(self).__name__}<{self.label}>"

    @cached_property
    def base(self) -> GroupBase:
        return GroupBase(self)

    # -- fields ---------------------------------------------------------------------------------

    @property
    def type_string(self) -> str:
        return str(self._row["type_string"])

    @property
    def time(self) -> datetime:
        """When the group was created."""
        moment: datetime = self._row["time"]
        return moment

    @property
    def user(self) -> User:
        return User.get_collection(self._backend).get(pk=self._row["user_id"])

    @user.setter
    def user(self, user: User) -> None:
        if not user.is_stored:
            raise StoredEntityError(f"store user {user.email!r} before making it own a group")
        self._update(user_id=user.pk)

    def is_user_defined(self) -> bool:
        """Whether users made this group (type ``core``) rather than a tool."""
        return self.type_string == DEFAULT_TYPE_STRING

    # -- membership -----------------------------------------------------------------------------

    def _json_owner_name(self) -> str:
        return f"group {self.label!r}"

    def add_nodes(self, nodes: Node | Iterable[Node]) -> None:
        """Make stored nodes members (a single node or several); members already in stay once.

        >>> from provgraph import orm
        >>> group = orm.Group(label="add-nodes-example").store()
        >>> group.add_nodes([orm.Int(1).store(), orm.Int(2).store()])
        >>> group.add_nodes(group.nodes[0])  # already a member: nothing changes
        >>> group.count()
        2
        """
        ids = self._member_ids("add nodes to", nodes)
        if ids:
            self._backend.add_group_nodes(self._pk_or_raise("add nodes to"), ids)

    def remove_nodes(self, nodes: Node | Iterable[Node]) -> None:
        """End the membership of nodes; nodes that are not members are ignored."""
        ids = self._member_ids("remove nodes from", nodes)
        if ids:
            self._backend.remove_group_nodes(self._pk_or_raise("remove nodes from"), ids)

    def clear(self) -> None:
        """Remove every node from the group (the nodes themselves stay)."""
        pk = self._pk_or_raise("clear")
        ids = self._node_ids()
        if ids:
            self._backend.remove_group_nodes(pk, ids)

    @property
    def nodes(self) -> list[Node]:
        """The member nodes, in pk order, each as its own node class."""
        if not self.is_stored:
            return []
        query = QueryBuilder(backend=self._backend)
        query.append(Group, filters={"id": self.pk}, tag="group")
        query.append(Node, with_group="group", project="*", tag="member")
        query.order_by({"member": "id"})
        members: list[Node] = query.all(flat=True)
        return members

    def count(self) -> int:
        """How many nodes are members."""
        if not self.is_stored:
            return 0
        return self._backend.count_rows(EntityTypes.GROUP_NODE, {"dbgroup_id": self.pk})

    @property
    def is_empty(self) -> bool:
        return self.count() == 0

    def _node_ids(self) -> list[int]:
        if not self.is_stored:
            return []
        rows = self._backend.get_rows(
            EntityTypes.GROUP_NODE, {"dbgroup_id": self.pk}, columns=["dbnode_id"], order_by=["dbnode_id"]
        )
        return [int(row["dbnode_id"]) for row in rows]

    def _pk_or_raise(self, action: str) -> int:
        if self.pk is None:
            raise StoredEntityError(f"cannot {action} group {self.label!r}: store the group first")
        return self.pk

    def _member_ids(self, action: str, nodes: Node | Iterable[Node]) -> list[int]:
        """The pks of ``nodes``; every one must be a stored node of this group's storage."""
        self._pk_or_raise(action)
        # A node may itself be iterable (a List node), so a single entity is never iterated.
        items: Iterable[Any] = [nodes] if isinstance(nodes, Entity) else nodes
        ids: list[int] = []
        for node in items:
            if not isinstance(node, Entity) or node._entity_type is not EntityTypes.NODE:
                raise InputValidationError(f"cannot {action} group {self.label!r}: {node!r} is not a node")
            if node.pk is None:
                raise StoredEntityError(
                    f"cannot {action} group {self.label!r}: {node!r} is not stored; store it first"
                )
            if node.backend is not self._backend:
                raise InputValidationError(
                    f"cannot {action} group {self.label!r}: {node!r} belongs to another storage"
                )
            ids.append(node.pk)
        return list(dict.fromkeys(ids))

    # -- storing and deleting -------------------------------------------------------------------

    def _label_scope(self) -> tuple[dict[str, Any], str]:
        """Labels are unique per type: a tool's group may share the label of a user's group."""
        return {"type_string": self.type_string}, f" of type {self.type_string!r}"

    @classmethod
    def _delete(cls, backend: StorageBackend, pk: int) -> None:
        """Delete the group and its memberships; the member nodes stay."""
        with backend.transaction():
            rows = backend.get_rows(EntityTypes.GROUP, {"id": pk}, columns=["id"])
            if not rows:
                raise NotExistent(f"no Group with pk {pk}")
            members = backend.get_rows(EntityTypes.GROUP_NODE, {"dbgroup_id": pk}, columns=["dbnode_id"])
            if members:
                backend.remove_group_nodes(pk, [int(row["dbnode_id"]) for row in members])
            backend.delete_rows(EntityTypes.GROUP, [pk])


def load_group(
    identifier: int | str | None = None,
    *,
    pk: int | None = None,
    uuid: str | None = None,
    label: str | None = None,
    backend: StorageBackend | None = None,
) -> Group:
    """The group with this pk, uuid (or unique uuid prefix) or label, of any type_string.

    A label shared by groups of several types is ambiguous (``MultipleObjectsError``): use
    the pk or uuid then. See :func:`provgraph.orm.loaders.load_entity` for how a bare
    identifier is read.
    """
    return load_entity(Group, identifier, pk=pk, uuid=uuid, label=label, backend=backend)
