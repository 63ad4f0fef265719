"""The one interface every storage backend implements.

The frontend (``provgraph.orm``, the CLI) talks only to :class:`StorageBackend`; which database
or repository sits underneath is the profile's business. Names and semantics follow aiida-core's
``StorageBackend`` so that the behaviour of an AiiDA profile carries over.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from provgraph.config.profile import Profile
    from provgraph.repository.abstract import RepositoryBackend

__all__ = ["EntityTypes", "In", "Like", "RowFilters", "StorageBackend"]


class EntityTypes(str, enum.Enum):
    """The kinds of rows a storage holds; values are AiiDA's entity type names."""

    AUTHINFO = "authinfo"
    COMMENT = "comment"
    COMPUTER = "computer"
    GROUP = "group"
    LOG = "log"
    NODE = "node"
    USER = "user"
    LINK = "link"
    GROUP_NODE = "group_node"


@dataclass(frozen=True, slots=True)
class In:
    """Row filter value: the column equals one of ``values`` (an empty tuple matches nothing)."""

    values: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Like:
    """Row filter value: the column (as text, case-sensitive) matches a SQL LIKE ``pattern``."""

    pattern: str


#: Column name -> value for equality, ``None`` for IS NULL, or an :class:`In` / :class:`Like`.
RowFilters = Mapping[str, Any]


class StorageBackend(abc.ABC):
    """A profile's storage: a database of entities plus a repository of file contents.

    Class methods act on a profile's storage without opening it (create, inspect, migrate);
    an instance is an open storage, validated at construction: it raises
    ``UnreachableStorage`` if it cannot connect, ``IncompatibleStorageSchema`` if the schema is
    not at :meth:`version_head`, and ``CorruptStorage`` if database and repository disagree.
    """

    read_only: ClassVar[bool] = False

    # -- lifecycle without an open storage ------------------------------------------------------

    @classmethod
    @abc.abstractmethod
    def version_head(cls) -> str:
        """The schema revision this code writes (an alembic revision id, e.g. ``main_0002``)."""

    @classmethod
    @abc.abstractmethod
    def version_profile(cls, profile: Profile) -> str | None:
        """The schema revision of the profile's storage, or None if it is not initialised."""

    @classmethod
    @abc.abstractmethod
    def initialise(cls, profile: Profile, reset: bool = False) -> bool:
        """Create the storage at head; return False if it existed (and was migrated instead).

        With ``reset`` an existing storage is destroyed and created anew.
        """

    @classmethod
    @abc.abstractmethod
    def migrate(cls, profile: Profile) -> None:
        """Bring the profile's storage to :meth:`version_head`, or raise and change nothing."""

    # -- an open storage ------------------------------------------------------------------------

    @abc.abstractmethod
    def __init__(self, profile: Profile) -> None: ...

    @abc.abstractmethod
    def __str__(self) -> str: ...

    @property
    @abc.abstractmethod
    def profile(self) -> Profile:
        """The profile this storage belongs to."""

    def version(self) -> str:
        """The schema revision of this (open) storage."""
        version = self.version_profile(self.profile)
        if version is None:
            raise AssertionError("an open storage always has a schema revision")
        return version

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections and file handles; the instance is unusable afterwards."""

    @property
    @abc.abstractmethod
    def is_closed(self) -> bool: ...

    def __enter__(self) -> StorageBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @abc.abstractmethod
    def _clear(self) -> None:
        """Delete all data but keep the storage usable (settings and schema version stay)."""

    def delete(self) -> None:
        """Destroy the storage: database and repository. Irreversible."""
        raise NotImplementedError(f"{type(self).__name__} cannot delete its storage")

    # -- transactions ---------------------------------------------------------------------------

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[Any]:
        """Group writes: all or nothing. Nestable; inner levels are savepoints."""

    @property
    @abc.abstractmethod
    def in_transaction(self) -> bool:
        """Whether a :meth:`transaction` is open in this thread."""

    # -- rows -----------------------------------------------------------------------------------

    @abc.abstractmethod
    def bulk_insert(
        self,
        entity_type: EntityTypes,
        rows: Sequence[Mapping[str, Any]],
        allow_defaults: bool = False,
        *,
        savepoint: bool = True,
    ) -> list[int]:
        """Insert rows (column dicts without ``id``) and return their new ids in order.

        Without ``allow_defaults`` every row must name every non-key column. Inside an open
        :meth:`transaction` a failed insert normally undoes only itself (a savepoint), so that
        the caller may catch the error and go on; ``savepoint=False`` skips that for callers
        whose every error ends the whole transaction anyway (batch stores).
        """

    @abc.abstractmethod
    def bulk_update(self, entity_type: EntityTypes, rows: Sequence[Mapping[str, Any]]) -> None:
        """Update rows by ``id``; JSON columns given are replaced whole."""

    @abc.abstractmethod
    def delete_nodes_and_connections(self, pks_to_delete: Sequence[int]) -> None:
        """Delete nodes with their links and group memberships; must run inside a transaction.

        Repository objects are left in place (maintenance removes unreferenced ones).
        """

    # -- plain row access for the ORM (the QueryBuilder covers everything richer) ---------------

    @abc.abstractmethod
    def get_rows(
        self,
        entity_type: EntityTypes,
        filters: RowFilters | None = None,
        *,
        columns: Sequence[str] | None = None,
        order_by: Sequence[str] = ("id",),
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[dict[str, Any]]:
        """Rows matching all ``filters`` (AND), as column dicts; all columns unless ``columns``.

        ``order_by`` names columns, a leading ``-`` sorts descending. JSON columns come back as
        Python values, UUIDs as dashed strings, times as UTC-aware datetimes.
        """

    @abc.abstractmethod
    def count_rows(self, entity_type: EntityTypes, filters: RowFilters | None = None) -> int:
        """How many rows match ``filters``."""

    @abc.abstractmethod
    def delete_rows(self, entity_type: EntityTypes, ids: Sequence[int]) -> None:
        """Delete rows by id (not nodes: see :meth:`delete_nodes_and_connections`).

        A row still referenced through a restricting foreign key is refused with
        ``InputValidationError`` and nothing is deleted.
        """

    @abc.abstractmethod
    def is_reachable(self, source_id: int, target_id: int) -> bool:
        """Whether a directed path of links (input -> output, any type) leads from source to target.

        A node reaches itself. Used to refuse links that would close a cycle.
        """

    @abc.abstractmethod
    def find_nodes_by_hash(self, node_type: str, node_hash: str) -> list[int]:
        """The pks, ascending, of the nodes of exactly ``node_type`` whose ``_aiida_hash`` extra is
        ``node_hash`` (cache look-ups; one indexed-by-type query instead of reading extras)."""

    @abc.abstractmethod
    def add_group_nodes(self, group_id: int, node_ids: Sequence[int]) -> None:
        """Make nodes members of a group; existing memberships are left as they are."""

    @abc.abstractmethod
    def remove_group_nodes(self, group_id: int, node_ids: Sequence[int]) -> None:
        """End the membership of nodes in a group; non-members are ignored."""

    # -- entity collections and queries (filled in by the ORM and QueryBuilder issues) ----------

    @property
    def authinfos(self) -> Any:
        raise NotImplementedError("backend entity collections arrive with the ORM")

    @property
    def comments(self) -> Any:
        raise NotImplementedError("backend entity collections arrive with the ORM")

    @property
    def computers(self) -> Any:
        raise NotImplementedError("backend entity collections arrive with the ORM")

    @property
    def groups(self) -> Any:
        raise NotImplementedError("backend entity collections arrive with the ORM")

    @property
    def logs(self) -> Any:
        raise NotImplementedError("backend entity collections arrive with the ORM")

    @property
    def nodes(self) -> Any:
        raise NotImplementedError("backend entity collections arrive with the ORM")

    @property
    def users(self) -> Any:
        raise NotImplementedError("backend entity collections arrive with the ORM")

    # -- QueryBuilder --------------------------------------------------------------------------
    #
    # ``query`` is the serialisable QueryBuilder description (``QueryBuilder.as_dict()``, see
    # docs/querybuilder.md): path, filters, projections, ordering, window. Compiling validates it
    # completely, so a bad query raises ``InputValidationError`` before any SQL runs.

    def query_rows(
        self, query: Mapping[str, Any], *, batch_size: int | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the result rows of ``query``, fetching ``batch_size`` rows per round trip.

        Each row holds the projections in path order (a vertex's own projections, then those of
        the edge leading to it). ``*`` gives the entity's row as a column dict (as ``get_rows``).
        """
        raise NotImplementedError(f"{type(self).__name__} does not answer QueryBuilder queries")

    def query_count(self, query: Mapping[str, Any]) -> int:
        """How many rows ``query`` returns (its limit and offset applied)."""
        raise NotImplementedError(f"{type(self).__name__} does not answer QueryBuilder queries")

    def query_sql(self, query: Mapping[str, Any], *, inline: bool = False) -> str:
        """The SQL ``query`` compiles to, for debugging; ``inline`` renders parameter values."""
        raise NotImplementedError(f"{type(self).__name__} does not answer QueryBuilder queries")

    # -- repository, settings, maintenance ------------------------------------------------------

    @abc.abstractmethod
    def get_repository(self) -> RepositoryBackend:
        """The object store holding the contents of node files."""

    @abc.abstractmethod
    def set_global_variable(
        self, key: str, value: Any, description: str | None = None, overwrite: bool = True
    ) -> None:
        """Store a JSON value under ``key`` (``ValueError`` if present and not ``overwrite``)."""

    @abc.abstractmethod
    def get_global_variable(self, key: str) -> Any:
        """Return the value stored under ``key``; ``KeyError`` if there is none."""

    def maintain(self, full: bool = False, dry_run: bool = False, **kwargs: Any) -> None:
        """Pack and clean the repository; ``full`` needs the profile locked."""
        raise NotImplementedError(f"{type(self).__name__} does not support maintenance yet")

    def backup(self, dest: Path, keep: int | None = None) -> None:
        """Copy the storage to ``dest`` so that it can be restored."""
        raise NotImplementedError(f"{type(self).__name__} does not support backups yet")

    @abc.abstractmethod
    def get_entity_counts(self) -> dict[str, int]:
        """Row counts by entity: Users, Computers, Nodes, Groups, Comments, Logs, Links."""

    @abc.abstractmethod
    def get_entity_details(self) -> dict[str, Any]:
        """The ``--detailed`` part of the entity summary (emails, labels, types, time span)."""

    def get_info(self, detailed: bool = False) -> dict[str, Any]:
        """A summary of what the storage holds, as shown by ``provgraph storage info``."""
        counts = self.get_entity_counts()
        entities: dict[str, Any] = {name: {"count": count} for name, count in counts.items()}
        if detailed:
            for name, details in self.get_entity_details().items():
                entities.setdefault(name, {}).update(details)
        return {"entities": entities, "repository": self.get_repository().get_info(detailed)}
