"""``Node``: a vertex of the provenance graph, one row of ``db_dbnode``.

Creating a node fills its whole row in memory (uuid, times, default user), so storing it is one
INSERT, plus one for its incoming links, in one transaction; nothing is read back. Attributes,
extras, links, files and comments hang off ``node.base``, built on first use so that nodes that
never touch them (most loaded nodes) cost one dict.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar, cast
from uuid import uuid4

from provgraph.common.lang import classproperty
from provgraph.common.warnings import warn_deprecation
from provgraph.exceptions import (
    InputValidationError,
    InvalidOperation,
    LinkArgumentTypeError,
    NotExistent,
    StoredEntityError,
)
from provgraph.orm.batch import store_many, store_node
from provgraph.orm.entities import (
    BackendEntity,
    BuiltOnFirstUse,
    Collection,
    CollectionDescriptor,
    Entity,
    collection_of,
    model_api,
)
from provgraph.orm.json import clean_value, copy_value
from provgraph.orm.nodes import link_rules
from provgraph.orm.nodes.attributes import NodeAttributes, NodeExtras, refuse_stored_change
from provgraph.orm.nodes.caching import NodeCaching
from provgraph.orm.nodes.caching_store import cache_source_for_store, store_from_cache
from provgraph.orm.nodes.comments import NodeComments
from provgraph.orm.nodes.link_rules import Role
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.links import LinkTriple, NodeLinks
from provgraph.orm.nodes.repository import NodeRepository, RepositoryState
from provgraph.orm.nodes.types import NodeTypeField, class_for_node_type, query_prefix, register_node_class
from provgraph.storage.abstract import EntityTypes, Like, RowFilters, StorageBackend

if TYPE_CHECKING:
    from typing_extensions import Self

    from provgraph.orm.computers import Computer
    from provgraph.orm.users import User, UserCollection

__all__ = ["Node", "NodeBase", "NodeCollection"]

_LABEL_MAX = 255  # db_dbnode.label is VARCHAR(255)


def _default_user_id(backend: StorageBackend) -> int:
    """The pk of the profile's default user; the users module caches it per storage, so creating a
    node reads nothing (and ``UserCollection.reset_default`` resets it for nodes too)."""
    users = cast("UserCollection", collection_of(EntityTypes.USER, backend))
    return cast(int, users.get_default().pk)


class NodeCollection(Collection["Node"]):
    """The nodes of one storage (``Node.collection``); a subclass sees its own node types only."""

    def iter_repo_keys(self, batch_size: int = 1000) -> Iterator[str]:
        """Every object-store key that the files of this collection's nodes use, each once.

        Reads only the ``repository_metadata`` column, ``batch_size`` rows per query.
        """
        seen: set[str] = set()
        filters = self._filters(None)
        offset = 0
        while True:
            rows = self.backend.get_rows(
                EntityTypes.NODE,
                filters,
                columns=["id", "repository_metadata"],
                limit=batch_size,
                offset=offset,
            )
            for row in rows:
                for key in _object_keys(row["repository_metadata"] or {}):
                    if key not in seen:
                        seen.add(key)
                        yield key
            if len(rows) < batch_size:
                return
            offset += batch_size


def _object_keys(directory: Mapping[str, Any]) -> Iterator[str]:
    """The keys of the files in one ``repository_metadata`` tree (``{"o": {name: {"k": key}}}``)."""
    for entry in (directory.get("o") or {}).values():
        if "k" in entry:
            yield str(entry["k"])
        else:
            yield from _object_keys(entry)


class NodeBase:
    """``node.base``: the parts of a node that have an API of their own.

    Built afresh on every ``node.base`` access and holding nothing but the node: whatever state
    the parts keep (links waiting for the store, the sandbox of files) lives on the node itself.
    A cached ``NodeBase`` pointing back at its node would make every node a reference cycle,
    which only Python's cyclic collector frees: storing a million nodes in batches then peaked
    at several hundred MB instead of releasing each batch as soon as it was dropped.
    """

    __slots__ = ("_node",)

    def __init__(self, node: Node) -> None:
        self._node = node

    @property
    def attributes(self) -> NodeAttributes:
        return NodeAttributes(self._node)

    @property
    def extras(self) -> NodeExtras:
        return NodeExtras(self._node)

    @property
    def links(self) -> NodeLinks:
        return NodeLinks(self._node)

    @property
    def repository(self) -> NodeRepository:
        return NodeRepository(self._node)

    @repository.deleter
    def repository(self) -> None:
        """``del node.base.repository`` is accepted and does nothing: unlike aiida-core's cached
        property there is nothing cached here (the files belong to the node and go with it)."""

    @property
    def comments(self) -> NodeComments:
        return NodeComments(self._node)

    @property
    def caching(self) -> NodeCaching:
        """The node's content hash and cache look-ups (``_aiida_hash`` and related extras)."""
        return NodeCaching(self._node)


class Node(Entity):
    """A node of the provenance graph; use a storable subclass (Data, CalcFunctionNode, ...)."""

    _entity_type: ClassVar[EntityTypes] = EntityTypes.NODE
    collection = CollectionDescriptor(NodeCollection)
    _relation_columns: ClassVar[Mapping[str, str]] = {"user": "user_id", "computer": "dbcomputer_id"}

    class_node_type: ClassVar[str] = ""
    _is_registered: ClassVar[bool] = True
    _query_prefix: ClassVar[str] = ""
    _storable: ClassVar[bool] = False
    _unstorable_message: ClassVar[str] = "only subclasses such as Data or CalcFunctionNode can be stored"
    _updatable_attributes: ClassVar[frozenset[str]] = frozenset()
    _cachable: ClassVar[bool] = False
    #: What the class is in links (``link_rules``); None: it takes no links.
    _link_role: ClassVar[Role | None] = None

    node_type: ClassVar[NodeTypeField] = NodeTypeField()

    # pydantic models of the node's parts, made on first read (``provgraph.orm.models``).
    MutableNodeFields: ClassVar[Any] = BuiltOnFirstUse()
    BaseNodeModel: ClassVar[Any] = BuiltOnFirstUse()
    WritableFields: ClassVar[Any] = BuiltOnFirstUse()
    AttributesModel: ClassVar[Any] = BuiltOnFirstUse()
    ConstructorArgsModel: ClassVar[Any] = BuiltOnFirstUse()
    ConstructorModel: ClassVar[Any] = BuiltOnFirstUse()
    supports_constructor_model: ClassVar[Any] = BuiltOnFirstUse()
    CliModel: ClassVar[Any] = BuiltOnFirstUse()
    supports_cli_model: ClassVar[Any] = BuiltOnFirstUse()

    #: Links to write when the node is stored (``node.base.links``' cache), made on first use.
    _incoming_links: list[LinkTriple] | None = None
    #: The sandbox / stored file tree of ``node.base.repository``, made on first use.
    # Class-level None defaults: a node loaded from a row (thousands per listing) only sets what
    # it must; the first assignment gives the instance its own value.
    _repository_state: RepositoryState | None = None
    _user: User | None = None
    _computer: Computer | None = None

    def __init_subclass__(cls, *, node_type: str | None = None, **kwargs: Any) -> None:
        """``class Int(Data, node_type="data.core.int.Int.")`` registers the class for loading."""
        super().__init_subclass__(**kwargs)
        if node_type is None:
            # Not registered: it can be used in memory but not stored (AiiDA: no entry point).
            cls._is_registered = False
            cls.class_node_type = f"{cls.__module__}.{cls.__qualname__}.".removeprefix("provgraph.orm.nodes.")
            return
        register_node_class(cls, node_type)
        cls._is_registered = True
        cls.class_node_type = node_type
        cls._query_prefix = query_prefix(node_type)

    def __init__(
        self,
        backend: StorageBackend | None = None,
        user: User | None = None,
        computer: Computer | None = None,
        extras: dict[str, Any] | None = None,
        *,
        label: str = "",
        description: str = "",
        process_type: str | None = None,
    ) -> None:
        super().__init__(backend)
        now = datetime.now(timezone.utc)
        self._row = {
            "uuid": str(uuid4()),
            "node_type": self.class_node_type,
            "process_type": None if process_type is None else _checked_text(process_type, "process_type"),
            "label": _checked_label(label),
            "description": _checked_text(description, "description"),
            "ctime": now,
            "mtime": now,
            "attributes": {},
            "extras": {},
            "repository_metadata": {},
            "dbcomputer_id": None if computer is None else _stored_pk(computer, "computer"),
            "user_id": _default_user_id(self._backend) if user is None else _stored_pk(user, "user"),
        }
        self._incoming_links = []
        self._repository_state = None
        self._user = user
        self._computer = computer
        if extras:
            self.base.extras.set_many(extras)

    @classmethod
    def _from_row(cls, backend: StorageBackend, row: Any) -> Self:
        """Wrap a stored row as the class its node_type names (closest ancestor if unknown)."""
        node_class = class_for_node_type(row["node_type"])
        node = node_class.__new__(node_class)
        node._backend = backend
        node._row = row if isinstance(row, dict) else dict(row)  # taken over, see Entity._from_row
        node._init_from_row()
        return cast("Self", node)

    @classmethod
    def _class_filters(cls) -> RowFilters:
        return {"node_type": Like(cls._query_prefix + "%")} if cls._query_prefix else {}

    @classmethod
    def _delete(cls, backend: StorageBackend, pk: int) -> None:
        """Delete a node that has no links (AiiDA's rule: use graph deletion for linked nodes)."""
        with backend.transaction():
            if not backend.count_rows(EntityTypes.NODE, {"id": pk}):
                raise NotExistent(f"no node with pk {pk}")
            for column in ("input_id", "output_id"):
                if backend.count_rows(EntityTypes.LINK, {column: pk}):
                    raise InvalidOperation(
                        f"node pk={pk} has links and cannot be deleted alone; delete it with its "
                        "provenance (graph deletion) instead"
                    )
            backend.delete_nodes_and_connections([pk])

    # -- pydantic models (``provgraph.orm.models``) ----------------------------------------------

    @classmethod
    def from_model(cls, model: Any, files: dict[str, Callable[[], IO[Any] | None]] | None = None) -> Self:
        """A new, unstored node from its ``WriteModel`` (attributes, with ``files`` as path ->
        callable opening the content) or ``ConstructorModel`` (constructor arguments)."""
        return model_api().from_model(cls, model, files=files)  # type: ignore[no-any-return]

    def serialize(
        self,
        *,
        context: dict[str, Any] | None = None,
        minimal: bool = False,
        schema: str | None = None,
        mode: str = "python",
        exclude_none: bool = False,
        repository_dump_path: Path | None = None,
    ) -> dict[str, Any]:
        """The node's model as a dict; ``repository_dump_path``: copy its files there too."""
        serialized: dict[str, Any] = model_api().serialize(
            self,
            context=context,
            minimal=minimal,
            schema=schema,
            mode=mode,
            exclude_none=exclude_none,
            repository_dump_path=repository_dump_path,
        )
        return serialized

    @classmethod
    def from_serialized(
        cls, serialized: dict[str, Any], files: dict[str, Callable[[], IO[Any] | None]] | None = None
    ) -> Self:
        """A new, unstored node from a serialised ``WriteModel`` (with ``attributes``) or
        ``ConstructorModel`` (with ``args``)."""
        return model_api().from_serialized(cls, serialized, files=files)  # type: ignore[no-any-return]

    def attach_file(self, filepath: str, fileobj: IO[Any]) -> None:
        """Add a file to the unstored node; data types that derive attributes from it (arrays,
        single files) do so."""
        model_api().call("attach_file", self, filepath, fileobj)

    # -- fields ---------------------------------------------------------------------------------

    @property
    def base(self) -> NodeBase:
        return NodeBase(self)

    @classproperty
    def _plugin_type_string(cls: type[Node]) -> str:
        """aiida-core's name of ``class_node_type`` (``data.core.int.Int.``)."""
        return cls.class_node_type

    @classproperty
    def _query_type_string(cls: type[Node]) -> str:
        """aiida-core's name of the query prefix that matches the class and its subclasses."""
        return cls._query_prefix or query_prefix(cls.class_node_type)

    @classproperty
    def entry_point(cls: type[Node]) -> EntryPoint | None:
        """The entry point naming this class (``provgraph.data:core.int`` for Int), or None for
        a class that no entry point names (it then cannot be stored either)."""
        return _entry_point_of(cls)

    @property
    def logger(self) -> logging.Logger:
        """The logger for messages about this node (process nodes refine it: theirs reach the log table)."""
        return _NODE_LOGGER

    @property
    def uuid(self) -> str:
        return str(self._row["uuid"])

    @property
    def ctime(self) -> datetime:
        return cast(datetime, self._row["ctime"])

    @property
    def mtime(self) -> datetime:
        return cast(datetime, self._row["mtime"])

    @property
    def label(self) -> str:
        return str(self._row["label"])

    @label.setter
    def label(self, value: str) -> None:
        self._update(label=_checked_label(value))

    @property
    def description(self) -> str:
        return str(self._row["description"])

    @description.setter
    def description(self, value: str) -> None:
        self._update(description=_checked_text(value, "description"))

    @property
    def process_type(self) -> str | None:
        value = self._row["process_type"]
        return None if value is None else str(value)

    @process_type.setter
    def process_type(self, value: str | None) -> None:
        self._require_unstored("the process_type")
        self._row["process_type"] = None if value is None else _checked_text(value, "process_type")

    @property
    def repository_metadata(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._row["repository_metadata"] or {})

    @repository_metadata.setter
    def repository_metadata(self, value: dict[str, Any]) -> None:
        self._require_unstored("the repository_metadata")
        self._row["repository_metadata"] = clean_value(value, "repository_metadata", "value")

    @property
    def user(self) -> User:
        if self._user is None:
            users = collection_of(EntityTypes.USER, self._backend)
            self._user = cast("User", users.get(pk=self._row["user_id"]))
        return self._user

    @user.setter
    def user(self, user: User) -> None:
        self._require_unstored("the user")
        self._row["user_id"] = _stored_pk(user, "user")
        self._user = user

    @property
    def computer(self) -> Computer | None:
        pk = self._row["dbcomputer_id"]
        if pk is None:
            return None
        if self._computer is None:
            computers = collection_of(EntityTypes.COMPUTER, self._backend)
            self._computer = cast("Computer", computers.get(pk=pk))
        return self._computer

    @computer.setter
    def computer(self, computer: Computer | None) -> None:
        self._require_unstored("the computer")
        self._row["dbcomputer_id"] = None if computer is None else _stored_pk(computer, "computer")
        self._computer = computer

    def get_computer_pk(self) -> int | None:
        """The pk of the node's computer, or None (read from the row: no query)."""
        pk = self._row["dbcomputer_id"]
        return None if pk is None else int(pk)

    def get_description(self) -> str:
        """A short text about the node's content for listings (aiida-core's hook; empty here,
        subclasses such as StructureData say more)."""
        return ""

    def _require_unstored(self, what: str) -> None:
        if self.is_stored:
            raise refuse_stored_change(self, what)

    def _update(self, **columns: Any) -> None:
        """Change columns; on a stored node write them (and a new mtime) before touching memory."""
        if self.is_stored:
            columns["mtime"] = datetime.now(timezone.utc)
            self._backend.bulk_update(EntityTypes.NODE, [{"id": self._row["id"], **columns}])
        self._row.update(columns)

    # -- rules that subclasses refine -----------------------------------------------------------

    def _check_attributes_mutable(self, keys: Any) -> None:
        """Raise unless the attribute ``keys`` (None: all of them) may change now."""
        if not self.is_stored:
            return
        if keys is not None and self._updatable_attributes.issuperset(keys):
            return
        raise refuse_stored_change(self, "attributes")

    def _validate_incoming(self, source: Node, link_type: LinkType, link_label: str) -> None:
        """Raise ``LinkValidationError`` unless ``source`` may link into this node."""
        link_rules.validate_link(source, self, link_type, link_label)
        link_rules.check_cycle(source, self, link_type)

    def _validate_outgoing(self, target: Node, link_type: LinkType, link_label: str) -> None:
        """Raise ``LinkValidationError`` unless this node may link to ``target``."""
        if not isinstance(link_type, LinkType):
            raise LinkArgumentTypeError(f"link_type must be a LinkType, got {link_type!r}")
        if not isinstance(target, Node):
            raise LinkArgumentTypeError(f"the target of a link must be a Node, got {type(target).__name__}")

    def _validate(self) -> None:
        """Hook: a subclass checks its own content before it is stored."""

    # -- storing --------------------------------------------------------------------------------

    def store(self) -> Self:
        """Write the node with its attributes, extras, files and incoming links; all or nothing.

        With caching enabled for its process type, a calculation node that an earlier valid one
        matches by hash is stored as a copy of it instead (``_store_from_cache``), as in aiida-core.
        """
        if not self.is_stored:
            source = cache_source_for_store(self)
            if source is not None:
                self._store_from_cache(source)
            else:
                self._store()
        return self

    def store_all(self) -> Self:
        """Store the node together with the unstored sources of its incoming links."""
        if not self.is_stored:
            sources = [triple.node for triple in self._pending_links() if not triple.node.is_stored]
            store_many([*sources, self])
        return self

    def _store(self) -> None:
        store_node(self)

    def _store_from_cache(self, cache_node: Node) -> None:
        """Store this unstored node as a copy of the stored ``cache_node`` (aiida-core's hook):
        its label, description, attributes and files (shared by key, not copied), the extra
        ``_aiida_cached_from``, and fresh copies of its CREATE outputs, in one transaction."""
        store_from_cache(self, cache_node)

    # -- the state protocol ---------------------------------------------------------------------
    # The node's views (attributes, links, files, hash) and the store path reach its state only
    # through these methods, so that the row, the links waiting for the store and the file trees
    # have one owner and one place that says how they change.

    def _column(self, name: str) -> Any:
        """The value of one column of the node's row (None where the row has none, e.g. ``id``)."""
        return self._row.get(name)

    def _set_unstored_columns(self, **columns: Any) -> None:
        """Change columns of an unstored node in memory; the store writes them."""
        self._require_unstored(", ".join(columns))
        self._row.update(columns)

    def _json_owner_name(self) -> str:
        return f"node {self.pk or self.uuid}"

    def _row_for_store(self) -> dict[str, Any]:
        """A copy of the row as it stands, for the store path to clean, hash and insert."""
        return dict(self._row)

    def _mark_stored(self, pk: int, row: dict[str, Any]) -> None:
        """After ``row`` was committed with ``pk``: adopt it, forget the pending links, let the
        file tree drop its sandbox (reads now go to the object store)."""
        row["id"] = pk
        self._row = row
        self._incoming_links = None
        if self._repository_state is not None:
            NodeRepository(self)._after_store()

    def _pending_links(self) -> list[LinkTriple]:
        """The node's own list of incoming links waiting for its store (changed in place)."""
        if self._incoming_links is None:
            self._incoming_links = []
        return self._incoming_links

    def _file_state(self) -> RepositoryState | None:
        """The node's file trees (``node.base.repository`` keeps them here), if it has any yet."""
        return self._repository_state

    def _ensure_file_state(self) -> RepositoryState:
        """The node's file trees, made on first use."""
        if self._repository_state is None:
            self._repository_state = RepositoryState()
        return self._repository_state

    def _drop_file_state(self) -> None:
        """Forget the file trees (after the files were replaced wholesale, e.g. from a cache)."""
        self._repository_state = None

    def _copy_unstored(self) -> Self:
        """A new unstored node of the same class with this node's columns, attributes copied;
        new uuid and times, no extras, files or links (what ``Data.clone`` builds on)."""
        now = datetime.now(timezone.utc)
        row = {
            **{key: value for key, value in self._row.items() if key != "id"},
            "uuid": str(uuid4()),
            "ctime": now,
            "mtime": now,
            "attributes": copy_value(self._row["attributes"] or {}),
            "extras": {},
            "repository_metadata": {},
        }
        return type(self)._from_row(self._backend, row)

    def _check_storable(self) -> None:
        cls = type(self)
        if not cls._storable:
            raise InvalidOperation(f"{cls.__name__} nodes cannot be stored: {cls._unstorable_message}")
        if not cls._is_registered:
            raise InvalidOperation(
                f"{cls.__name__} cannot be stored: it has no node_type; declare it as "
                f"`class {cls.__name__}(..., node_type='data.<plugin>.{cls.__name__}.')`"
            )
        self._validate()

    # -- aiida-core 2.x's deprecated aliases ------------------------------------------------------
    # ``node.get_attribute(...)`` and friends still work, with an AiidaDeprecationWarning naming
    # the ``node.base.<part>`` method to use. ``__getattr__`` runs only when normal lookup fails,
    # so it costs nothing on the hot paths; it is hidden from mypy so that a typo in provgraph's
    # own code stays a type error.

    _deprecated_attr_methods: ClassVar[Mapping[str, str]] = {
        "attributes": "all",
        "get_attribute": "get",
        "get_attribute_many": "get_many",
        "set_attribute": "set",
        "set_attribute_many": "set_many",
        "reset_attributes": "reset",
        "delete_attribute": "delete",
        "delete_attribute_many": "delete_many",
        "clear_attributes": "clear",
        "attributes_items": "items",
        "attributes_keys": "keys",
    }
    _deprecated_extra_methods: ClassVar[Mapping[str, str]] = {
        "extras": "all",
        "get_extra": "get",
        "get_extra_many": "get_many",
        "set_extra": "set",
        "set_extra_many": "set_many",
        "reset_extras": "reset",
        "delete_extra": "delete",
        "delete_extra_many": "delete_many",
        "clear_extras": "clear",
        "extras_items": "items",
        "extras_keys": "keys",
    }
    # aiida-core also lists ``repository_metadata``: provgraph keeps it as a real property.
    _deprecated_repo_methods: ClassVar[Mapping[str, str]] = {
        name: name
        for name in (
            "copy_tree",
            "delete_object",
            "get_object",
            "get_object_content",
            "glob",
            "list_objects",
            "list_object_names",
            "open",
            "put_object_from_filelike",
            "put_object_from_file",
            "put_object_from_tree",
            "walk",
        )
    }
    _deprecated_comment_methods: ClassVar[Mapping[str, str]] = {
        "add_comment": "add",
        "get_comment": "get",
        "get_comments": "all",
        "remove_comment": "remove",
        "update_comment": "update",
    }
    _deprecated_caching_methods: ClassVar[Mapping[str, str]] = {
        name: name
        for name in (
            "get_hash",
            "rehash",
            "clear_hash",
            "get_cache_source",
            "is_created_from_cache",
            "_get_same_node",
            "get_all_same_nodes",
            "_iter_all_same_nodes",
        )
    }
    _deprecated_links_methods: ClassVar[Mapping[str, str]] = {
        name: name
        for name in (
            "add_incoming",
            "validate_incoming",
            "validate_outgoing",
            "get_stored_link_triples",
            "get_incoming",
            "get_outgoing",
        )
    }

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            for part, table in (
                ("attributes", self._deprecated_attr_methods),
                ("extras", self._deprecated_extra_methods),
                ("repository", self._deprecated_repo_methods),
                ("comments", self._deprecated_comment_methods),
                ("caching", self._deprecated_caching_methods),
                ("links", self._deprecated_links_methods),
            ):
                new_name = table.get(name)
                if new_name is not None:
                    kind = type(self).__name__
                    warn_deprecation(
                        f"`{kind}.{name}` is deprecated, use `{kind}.base.{part}.{new_name}` instead",
                        version=3,
                        stacklevel=2,
                    )
                    return getattr(getattr(self.base, part), new_name)
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def is_valid_cache(self) -> bool:
        """Deprecated alias of ``node.base.caching.is_valid_cache``."""
        warn_deprecation(
            f"`{type(self).__name__}.is_valid_cache` is deprecated, "
            "use `.base.caching.is_valid_cache` instead",
            version=3,
        )
        return self.base.caching.is_valid_cache

    @is_valid_cache.setter
    def is_valid_cache(self, valid: bool) -> None:
        warn_deprecation(
            f"`{type(self).__name__}.is_valid_cache` is deprecated, "
            "use `.base.caching.is_valid_cache` instead",
            version=3,
        )
        self.base.caching.is_valid_cache = valid

    # -- identity -------------------------------------------------------------------------------

    def __copy__(self) -> Self:
        raise InvalidOperation(f"copying a {type(self).__name__} node is not supported")

    def __deepcopy__(self, memo: Any) -> Self:
        raise InvalidOperation(
            f"deep copying a {type(self).__name__} node is not supported; Data nodes can be cloned"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        return self.uuid == other.uuid

    def __hash__(self) -> int:
        return hash(self.uuid)

    def __str__(self) -> str:
        state = f"pk: {self.pk}" if self.is_stored else "unstored"
        return f"uuid: {self.uuid} ({state})"


register_node_class(Node, "")


class NodeBackendEntity(BackendEntity):
    """``node.backend_entity``: aiida-core's backend node, a view of the node's row.

    Its ``repository_metadata`` is the bare column, as in aiida-core: a value set on an unstored
    node is what ``node.base.repository.metadata`` reads until the store, which then writes the
    node's own file tree over it. (``Node.repository_metadata`` instead adopts the objects it
    names, which provgraph uses to store files that are in the object store already.)
    """

    __slots__ = ()

    @property
    def repository_metadata(self) -> dict[str, Any]:
        return cast(Node, self.entity).repository_metadata

    @repository_metadata.setter
    def repository_metadata(self, value: dict[str, Any]) -> None:
        node = cast(Node, self.entity)
        node._set_unstored_columns(repository_metadata=clean_value(value, "repository_metadata", "value"))
        node._ensure_file_state()  # the store writes the file tree (its sandbox's), not this value


Node._backend_entity_class = NodeBackendEntity

_NODE_LOGGER = logging.getLogger("provgraph.orm.nodes")

_ENTRY_POINT_GROUPS = ("provgraph.data", "provgraph.node")


def _entry_point_of(cls: type[Node]) -> EntryPoint | None:
    """The entry point whose value is ``cls``: an installed one, else the one its node_type
    implies (``data.core.int.Int.`` -> ``core.int`` in ``provgraph.data``), as
    ``provgraph.plugins`` lists the built-in classes."""
    if not cls.__dict__.get("_is_registered") or not cls.class_node_type:
        return None
    value = f"{cls.__module__}:{cls.__qualname__}"
    for group in _ENTRY_POINT_GROUPS:
        for entry_point in entry_points(group=group):
            if entry_point.value == value:
                return entry_point
    parts = cls.class_node_type.rstrip(".").split(".")
    if parts[0] == "data" and len(parts) > 2:
        return EntryPoint(".".join(parts[1:-1]), value, "provgraph.data")
    return EntryPoint(".".join(parts[:-1]), value, "provgraph.node")


def _checked_text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise InputValidationError(f"a node's {what} must be a str, got {type(value).__name__} {value!r}")
    return value


def _checked_label(value: Any) -> str:
    label = _checked_text(value, "label")
    if len(label) > _LABEL_MAX:
        raise InputValidationError(f"a node label may be at most {_LABEL_MAX} characters, got {len(label)}")
    return label


def _stored_pk(entity: Entity, what: str) -> int:
    if not isinstance(entity, Entity) or entity._entity_type is not EntityTypes(what):
        raise InputValidationError(f"expected a {what.capitalize()}, got {type(entity).__name__}")
    if entity.pk is None:
        raise StoredEntityError(f"the {what} {entity} is not stored; store it before using it on a node")
    return entity.pk
