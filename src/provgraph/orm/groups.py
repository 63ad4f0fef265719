"""Groups: named sets of nodes (AiiDA's ``orm.Group``).

A group is identified by its uuid, and by its label within its ``type_string`` (``core`` for
groups users make; ``core.auto``, ``core.import``, ... for the ones tools make). Membership is
a row per (group, node) in ``db_dbgroup_dbnodes``: adding or removing many nodes is one call to
the storage, and deleting a group ends its memberships but keeps the nodes.

A subclass is a kind of group (``AutoGroup`` is ``core.auto``): the ``provgraph.groups`` entry
point that names the class gives its type_string, and rows load as the class their type_string
names. A subclass no entry point names can be used but not stored (aiida's rule, with its
warning); a row of an unknown type_string loads as ``Group``, with a warning.
"""

from __future__ import annotations

import uuid as uuid_module
import warnings
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from functools import cached_property
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from provgraph.exceptions import (
    InputValidationError,
    NotExistent,
    StoredEntityError,
    StoringNotAllowed,
    UnstoredEntityError,
    UnstoredMemberError,
)
from provgraph.orm.entities import BackendEntity, Collection, CollectionDescriptor, Entity
from provgraph.orm.json import clean_value, validate_key
from provgraph.orm.json_fields import JsonFields
from provgraph.orm.labelled import LabelledEntity
from provgraph.orm.loaders import load_entity
from provgraph.orm.nodes.node import Node
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.orm.querybuilder.type_filters import DEFAULT_GROUP_TYPE_STRING as DEFAULT_TYPE_STRING
from provgraph.orm.querybuilder.type_filters import escape_like
from provgraph.orm.users import User, UserCollection
from provgraph.storage.abstract import EntityTypes, Like, StorageBackend

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "AutoGroup",
    "Group",
    "GroupBase",
    "GroupCollection",
    "GroupExtras",
    "ImportGroup",
    "UpfFamily",
    "group_class_of",
    "load_group",
    "load_group_class",
    "registered_group_types",
]

#: The entry-point group that names Group subclasses by their type_string.
GROUP_ENTRY_POINT_GROUP = "provgraph.groups"


class GroupCollection(Collection["Group"]):
    """The groups of one storage, of every type_string."""

    def get_or_create(self, label: str, **kwargs: Any) -> tuple[Group, bool]:
        """``(group, created)``: the stored group labelled ``label``, stored now if it was missing.

        The order of the pair is AiiDA's (it differs from ``User``'s ``get_or_create``).
        """
        type_string = kwargs.get("type_string") or self._entity_class._type_string or DEFAULT_TYPE_STRING
        found = self.find({"label": label, "type_string": type_string}, limit=1)
        if found:
            return found[0], False
        return self._entity_class(label, backend=self._backend, **kwargs).store(), True


class GroupExtras(JsonFields):
    """``group.base.extras``: free-form JSON values by key, changeable after storing (the same
    API and rules as a node's extras)."""

    _column = "extras"
    _what = "extra"
    __slots__ = ()

    # AiiDA keeps the values given to an unstored group by reference (changing the dict you set
    # changes the extra) and copies them when the group is stored: checked now, copied at store.

    def set(self, key: str, value: Any) -> None:
        if self._owner.is_stored:
            super().set(key, value)
            return
        validate_key(key, self._what)
        cleaned = clean_value(value, key, self._what)
        self._apply(lambda data: data.__setitem__(key, value if cleaned == value else cleaned))

    def _cleaned(self, values: Mapping[str, Any]) -> dict[str, Any]:
        cleaned = super()._cleaned(values)
        if self._owner.is_stored:
            return cleaned
        return {key: values[key] if cleaned[key] == values[key] else cleaned[key] for key in cleaned}


class GroupBase:
    """``group.base``: the namespace of group functions beside its fields (AiiDA's layout)."""

    def __init__(self, group: Group) -> None:
        self._group = group

    @cached_property
    def extras(self) -> GroupExtras:
        return GroupExtras(self._group)


# type_string -> class of the groups provgraph itself defines (filled below the classes); they
# load and store without installed package metadata.
_BUILTIN_TYPES: dict[str, type[Group]] = {}
# Group subclass -> its type_string (None: unregistered), found once per class.
_TYPE_STRINGS: dict[type[Group], str | None] = {}
# type_string -> class, for type_strings met in rows (None: no entry point names it).
_LOADED_TYPES: dict[str, type[Group] | None] = {}


def _installed_group_entry_points() -> list[EntryPoint]:
    return list(entry_points(group=GROUP_ENTRY_POINT_GROUP))


def _entry_point_of(cls: type[Group]) -> EntryPoint | None:
    """The entry point that names ``cls`` (built-in groups' as their pyproject declares them)."""
    value = f"{cls.__module__}:{cls.__qualname__}"
    for name, builtin in _BUILTIN_TYPES.items():
        if builtin is cls:
            return EntryPoint(name, value, GROUP_ENTRY_POINT_GROUP)
    for entry_point in _installed_group_entry_points():
        if entry_point.value == value:
            return entry_point
    return None


class _TypeStringOfClass:
    """``Group._type_string``: the entry-point name of the class, looked up on first use.

    A subclass that no entry point names gets None, with a warning: it may be instantiated and
    queried, but not stored (AiiDA's rule, so every stored type_string can be loaded again).
    """

    def __get__(self, instance: object, owner: type[Group]) -> str | None:
        try:
            return _TYPE_STRINGS[owner]
        except KeyError:
            pass
        entry_point = _entry_point_of(owner)
        if entry_point is None:
            warnings.warn(
                f"no registered entry point for `{owner.__module__}:{owner.__qualname__}` so its "
                "instances will not be storable.",
                UserWarning,
                stacklevel=2,
            )
        _TYPE_STRINGS[owner] = None if entry_point is None else entry_point.name
        return _TYPE_STRINGS[owner]


class _EntryPointOfClass:
    """``Group.entry_point``: the entry point naming the class, or None (no warning)."""

    def __get__(self, instance: object, owner: type[Group]) -> EntryPoint | None:
        return _entry_point_of(owner)


def registered_group_types() -> dict[str, type[Group]]:
    """The built-in group classes by type_string (``core``, ``core.auto``, ...)."""
    return dict(_BUILTIN_TYPES)


def load_group_class(type_string: str) -> type[Group]:
    """The class of groups of ``type_string``; ``Group``, with a warning, if none is registered."""
    cls = group_class_of(type_string)
    if cls is None:
        warnings.warn(
            f"could not load entry point `{type_string}`, falling back onto `Group` base class.",
            UserWarning,
            stacklevel=2,
        )
        return Group
    return cls


def group_class_of(type_string: str) -> type[Group] | None:
    """The registered class of ``type_string``, or None; a dict lookup after the first time."""
    try:
        return _BUILTIN_TYPES[type_string]
    except KeyError:
        pass
    try:
        return _LOADED_TYPES[type_string]
    except KeyError:
        pass
    found: type[Group] | None = None
    for entry_point in _installed_group_entry_points():
        if entry_point.name != type_string:
            continue
        try:
            loaded = entry_point.load()
        except Exception:  # a broken plugin loads as the base class, as in AiiDA
            break
        if isinstance(loaded, type) and issubclass(loaded, Group):
            found = loaded
        break
    _LOADED_TYPES[type_string] = found
    return found


class Group(LabelledEntity):
    """A named set of stored nodes, owned by a user.

    A subclass is a kind of group: its rows carry its ``type_string``, the name of the
    ``provgraph.groups`` entry point that names the class, and load as that class again.
    """

    _entity_type: ClassVar[EntityTypes] = EntityTypes.GROUP
    collection = CollectionDescriptor(GroupCollection)
    _type_string: ClassVar[str | None] = cast(Any, _TypeStringOfClass())
    entry_point: ClassVar[EntryPoint | None] = cast(Any, _EntryPointOfClass())

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
            "type_string": type_string or self._type_string,
            "time": time if time is not None else datetime.now(timezone.utc),
            "description": description,
            "extras": {},
            "user_id": user.pk,
        }
        if extras:
            self.base.extras.set_many(extras)

    def __str__(self) -> str:
        return f"{type(self).__name__}<{self.label}>"

    @classmethod
    def _from_row(cls, backend: StorageBackend, row: Mapping[str, Any]) -> Self:
        """A stored group as the class its type_string names (``Group``, warned, if none does)."""
        type_string = row.get("type_string")
        target = _BUILTIN_TYPES.get(type_string) if isinstance(type_string, str) else None
        if target is None:
            target = load_group_class(str(type_string))
        if not issubclass(target, cls):
            target = cls
        return super(Group, target)._from_row(backend, row)

    @classmethod
    def _class_filters(cls) -> dict[str, Any]:
        """A subclass's collection holds its own type and those below it; ``Group``'s every group."""
        type_string = cls._type_string
        if cls is Group or type_string is None:
            return {}
        return {"type_string": Like(escape_like(type_string) + "%")}

    @cached_property
    def base(self) -> GroupBase:
        return GroupBase(self)

    # -- fields ---------------------------------------------------------------------------------

    @property
    def type_string(self) -> str:
        """The kind of group (``core``, ``core.auto``, a plugin's entry-point name)."""
        return cast(str, self._row["type_string"])

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
            raise UnstoredEntityError(f"cannot {action} group {self.label!r}: store the group first")
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
                raise UnstoredMemberError(
                    f"cannot {action} group {self.label!r}: {node!r} is not stored; store it first"
                )
            if node.backend is not self._backend:
                raise InputValidationError(
                    f"cannot {action} group {self.label!r}: {node!r} belongs to another storage"
                )
            ids.append(node.pk)
        return list(dict.fromkeys(ids))

    # -- dumping to a folder --------------------------------------------------------------------

    def dump(  # noqa: PLR0917 (aiida-core's signature)
        self,
        output_path: str | Path | None = None,
        dry_run: bool = False,
        overwrite: bool = False,
        past_days: int | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        filter_by_last_dump_time: bool = True,
        only_top_level_calcs: bool = True,
        only_top_level_workflows: bool = True,
        include_inputs: bool = True,
        include_outputs: bool = False,
        include_attributes: bool = True,
        include_extras: bool = False,
        flat: bool = False,
        dump_unsealed: bool = False,
        symlink_calcs: bool = False,
    ) -> Path:
        """Write the group's processes to ``output_path`` in aiida-core's dump layout; return the path.

        See :mod:`provgraph.orm.dumping.group`. ``symlink_calcs`` is accepted for aiida's
        signature; calculations are always written in full.
        """
        from provgraph.orm.dumping import GroupDumpFilters, ProcessDumpOptions, dump_group

        del symlink_calcs
        filters = GroupDumpFilters(
            past_days=past_days,
            start_date=start_date,
            end_date=end_date,
            filter_by_last_dump_time=filter_by_last_dump_time,
            only_top_level_calcs=only_top_level_calcs,
            only_top_level_workflows=only_top_level_workflows,
        )
        options = ProcessDumpOptions(
            include_inputs=include_inputs,
            include_outputs=include_outputs,
            include_attributes=include_attributes,
            include_extras=include_extras,
            flat=flat,
            dump_unsealed=dump_unsealed,
        )
        return dump_group(
            self, output_path, filters=filters, options=options, dry_run=dry_run, overwrite=overwrite
        )

    # -- storing and deleting -------------------------------------------------------------------

    def _store(self) -> None:
        """Insert the row with a copy of the extras, which may be shared with the caller until now."""
        self._row["extras"] = clean_value(self._row.get("extras") or {}, "extras", "extra")
        super()._store()

    def store(self) -> Self:
        """Store the group; refused for a subclass that no entry point names (it could not load again)."""
        if not self.is_stored and self._row.get("type_string") is None:
            raise StoringNotAllowed(
                f"{type(self).__name__} has no registered entry point (type_string is None), so "
                "the group cannot be stored: register the class under the 'provgraph.groups' entry points"
            )
        return super().store()

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


class GroupBackendEntity(BackendEntity):
    """``group.backend_entity``: AiiDA's backend group, whose ``add_nodes`` / ``remove_nodes``
    take backend nodes and a ``batch_size`` (one call to the storage here, whatever the size)."""

    __slots__ = ()

    def add_nodes(self, nodes: Iterable[Any], **kwargs: Any) -> None:
        _check_batch_size(kwargs)
        cast(Group, self._entity).add_nodes([_unwrapped(node) for node in nodes])

    def remove_nodes(self, nodes: Iterable[Any], **kwargs: Any) -> None:
        _check_batch_size(kwargs)
        cast(Group, self._entity).remove_nodes([_unwrapped(node) for node in nodes])


def _unwrapped(node: Any) -> Any:
    return node.entity if isinstance(node, BackendEntity) else node


def _check_batch_size(kwargs: Mapping[str, Any]) -> None:
    unknown = set(kwargs) - {"batch_size"}
    if unknown:
        raise TypeError(f"unexpected arguments {sorted(unknown)}")
    batch_size = kwargs.get("batch_size")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise InputValidationError(f"batch_size must be a positive int, got {batch_size!r}")


Group._backend_entity_class = GroupBackendEntity


class AutoGroup(Group):
    """The group that collects the nodes a run creates while automatic grouping is on."""


class ImportGroup(Group):
    """The group that collects the nodes of one imported archive."""


class UpfFamily(Group):
    """A family of pseudopotentials (a plain group here: the UPF data type is not provgraph's)."""


_BUILTIN_TYPES.update(
    {DEFAULT_TYPE_STRING: Group, "core.auto": AutoGroup, "core.import": ImportGroup, "core.upf": UpfFamily}
)
