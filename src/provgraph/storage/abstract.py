"""The one interface every storage backend implements.

The frontend (``provgraph.orm``, the CLI) talks only to :class:`StorageBackend`; which database
or repository sits underneath is the profile's business. Names and semantics follow aiida-core's
``StorageBackend`` so that the behaviour of an AiiDA profile carries over.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from provgraph.common.maintenance import MaintenanceProgress, MaintenanceReport
from provgraph.exceptions import InputValidationError
from provgraph.storage.explain import QueryExplanation
from provgraph.storage.indexes import DeclaredIndexes

if TYPE_CHECKING:
    from provgraph.common.backup_manifest import BackupSummary, ProgressCallback, RestoreSummary
    from provgraph.config.profile import Profile
    from provgraph.repository.abstract import RepositoryBackend

__all__ = [
    "Above",
    "Between",
    "EntityTypes",
    "In",
    "JsonText",
    "Like",
    "LinkWalk",
    "NodeStatistics",
    "RowFilters",
    "StorageBackend",
    "StoragePart",
]


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
class Above:
    """Row filter value: the column is greater than ``value`` (an id, a time): what changed since.

    Sync reads the rows added after its last run with it (``{"id": Above(last_id)}``).
    """

    value: Any


@dataclass(frozen=True, slots=True)
class Between:
    """Row filter value: ``first <= column <= last``; a run of ids in one range scan, not a list.

    Sync reads a batch of consecutive node ids, and their links, with it.
    """

    first: Any
    last: Any


@dataclass(frozen=True, slots=True)
class Like:
    """Row filter value: the column (as text, case-sensitive) matches a SQL LIKE ``pattern``."""

    pattern: str


class JsonText(str):
    """A JSON column's value given as JSON text that is already serialised (and valid).

    Bulk copies (an archive's rows) read JSON as text; wrapping it lets the storage write it as
    it is instead of parsing and serialising it again, which was most of the Python work per
    row. The caller vouches that the text is valid JSON; the database may still refuse it.
    """

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class StoragePart:
    """One piece of a storage that exists on its own: a database, the tables in it, a folder.

    Profile setup notes which parts existed before it began, so that an interrupted setup
    removes only what it made; deletion and migration name the parts in their messages.
    """

    key: str
    """Stable within a backend, e.g. ``"database"``, ``"schema"``, ``"container"``, ``"folder"``."""
    description: str
    """What and where, for messages (never a password), e.g. ``PostgreSQL database h:5432/x``."""
    removal_hint: str
    """How to remove it by hand, e.g. ``rm -r /path/container`` (a shell command)."""


@dataclass(frozen=True, slots=True)
class LinkWalk:
    """What :meth:`StorageBackend.walk_links` found.

    ``distances``: each node reached (origins only when a path leads back to them) and the
    number of links on its shortest path, 0 when the walk had no depth; ``links``: every link
    followed, as ``(input_id, output_id, type, label)``; ``exceeded``: more nodes than the
    ``limit`` were reached, the walk stopped counting and read no link.
    """

    distances: dict[int, int]
    links: list[tuple[int, int, str, str]]
    exceeded: bool


#: Column name -> value for equality, ``None`` for IS NULL, or an In, Like, Above or Between filter.
RowFilters = Mapping[str, Any]


class StorageBackend(abc.ABC):
    """A profile's storage: a database of entities plus a repository of file contents.

    This class is the whole contract between the frontend and a storage; a backend may add
    helpers of its own, but the ORM and the CLI rely only on what is declared here.

    Class methods act on a profile's storage without opening it (create, inspect, migrate);
    an instance is an open storage, validated at construction.

    Guarantees every backend gives, so that the methods below need not repeat them:

    * Transactions are per thread. Inside an open :meth:`transaction` every read and write of
      the same thread joins it (reads see its uncommitted rows); outside one, a write is a
      transaction of its own and a read sees only committed rows.
    * Errors are provgraph's: a request that is malformed or breaks a database constraint raises
      :class:`~provgraph.exceptions.InputValidationError`, any other failure of the database
      :class:`~provgraph.exceptions.StorageError`; no database driver exception escapes. The
      exceptions are the built-ins a method names itself (as aiida-core's API does), and
      arguments not of the declared types, which are programming errors. The foreign keys are
      AiiDA's ``DEFERRABLE INITIALLY DEFERRED``, so a row pointing at a missing row is refused
      when the outermost transaction commits, not at the write inside it.
    * Once the storage is closed, every method that reads or writes the database raises
      :class:`~provgraph.exceptions.StorageError`.
    """

    #: True for storages that can only be read (``core.sqlite_zip``, an AiiDA archive, whose
    #: writes raise :class:`~provgraph.exceptions.ReadOnlyStorageError`; ``transaction()`` is
    #: then a block of reads); callers check it before offering writes.
    read_only: ClassVar[bool] = False

    # -- lifecycle without an open storage ------------------------------------------------------

    @classmethod
    @abc.abstractmethod
    def version_head(cls) -> str:
        """The schema revision this code writes (an alembic revision id, e.g. ``main_0002``)."""

    @classmethod
    @abc.abstractmethod
    def version_profile(cls, profile: Profile) -> str | None:
        """The schema revision of the profile's storage, or None if it is not initialised.

        Raises ``ConfigurationError`` if the profile's storage config is invalid and
        ``UnreachableStorage`` if the database exists but cannot be opened.
        """

    @classmethod
    @abc.abstractmethod
    def initialise(cls, profile: Profile, reset: bool = False) -> bool:
        """Create the storage at head; return False if it existed (and was migrated instead).

        With ``reset`` an existing storage is destroyed first and created anew. Creating the
        schema is one transaction. Raises ``ConfigurationError`` (invalid storage config),
        ``UnreachableStorage`` (cannot connect) or ``StorageMigrationError`` (a migration of an
        existing storage failed; it is left as it was).
        """

    @classmethod
    @abc.abstractmethod
    def migrate(cls, profile: Profile) -> None:
        """Bring the profile's storage to :meth:`version_head`, all or nothing.

        The caller must hold the profile's exclusive lock (``ProfileAccessManager(profile).lock()``,
        as ``provgraph storage migrate`` does): no other process may use the storage meanwhile.
        Raises ``UnreachableStorage`` if there is no storage to migrate and
        ``StorageMigrationError`` if a migration fails (nothing is changed).
        """

    @classmethod
    def storage_parts(cls, profile: Profile) -> list[StoragePart]:
        """The parts the profile's storage consists of, in the order :meth:`destroy` removes them.

        Describes them only: nothing is opened or checked. A backend that creates nothing (an
        archive read in place) has none, which is this default.
        """
        return []

    @classmethod
    def existing_parts(cls, profile: Profile) -> frozenset[str]:
        """The keys of the :meth:`storage_parts` that exist now; nothing is opened for writing.

        Raises ``UnreachableStorage`` if that cannot be told (e.g. the database server is down).
        """
        if cls.storage_parts(profile):
            raise NotImplementedError(f"{cls.__name__} does not say which of its parts exist")
        return frozenset()

    @classmethod
    def destroy(
        cls,
        profile: Profile,
        keys: Collection[str] | None = None,
        *,
        keep_going: bool = False,
        require_empty: bool = False,
    ) -> None:
        """Remove the storage's parts, all or those named by ``keys``, without opening it.

        Works on a half-created storage (no schema, no container), which cannot be opened; a
        part that is missing already counts as removed. The caller holds the profile's
        exclusive lock. Parts go in :meth:`storage_parts` order; at the first one that cannot be
        removed it stops, leaving the rest, unless ``keep_going``. With ``require_empty``
        nothing is removed if a part holds data (anything beyond an empty schema with at most
        one user, or an object in the container): for leftovers that must be provably one's own.

        Raises ``StorageDeletionError`` naming what was removed and, per part left, why and how
        to remove it by hand. The default serves backends that list no parts: nothing is removed
        for named ``keys`` (there are none) or for a read-only storage (the user's own file);
        otherwise the storage is opened and :meth:`delete` does the work.
        """
        if cls.storage_parts(profile):
            raise NotImplementedError(f"{cls.__name__} lists the parts of its storage but cannot remove them")
        if keys is not None or cls.read_only:
            return
        cls(profile).delete()

    # -- an open storage ------------------------------------------------------------------------

    @abc.abstractmethod
    def __init__(self, profile: Profile) -> None:
        """Open and validate the profile's storage.

        Raises ``ConfigurationError`` if the storage config is invalid, ``UnreachableStorage``
        if it cannot connect, ``IncompatibleStorageSchema`` if the schema is not at
        :meth:`version_head` (or missing), and ``CorruptStorage`` if database and repository do
        not belong together. Nothing stays open when it raises.
        """

    @classmethod
    def open_read_only(cls, profile: Profile) -> StorageBackend:
        """Open the profile's storage so that the database itself refuses every write.

        For readers that must change nothing (``provgraph explore``): any write raises
        :class:`~provgraph.exceptions.ReadOnlyStorageError`. ``read_only`` above stays the
        kind's. A storage that can only be read opens as always; any other backend must
        override this (the default refuses with ``NotImplementedError``).
        """
        if cls.read_only:
            return cls(profile)
        raise NotImplementedError(f"{cls.__name__} cannot open a storage read-only")

    @abc.abstractmethod
    def __str__(self) -> str:
        """Kind, state (open or closed) and location, for messages; never a password."""

    @property
    @abc.abstractmethod
    def profile(self) -> Profile:
        """The profile this storage belongs to."""

    def version(self) -> str:
        """The schema revision of this (open) storage, read from the database."""
        version = self.version_profile(self.profile)
        if version is None:
            raise AssertionError("an open storage always has a schema revision")
        return version

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections and file handles; the instance is unusable afterwards.

        Closing twice is harmless.
        """

    @property
    @abc.abstractmethod
    def is_closed(self) -> bool:
        """Whether :meth:`close` was called."""

    def __enter__(self) -> StorageBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @abc.abstractmethod
    def _clear(self) -> None:
        """Delete all data but keep the storage usable (settings and schema version stay).

        For tests. The rows go in one transaction (joining the caller's, if open); the
        repository is emptied alongside, which no rollback undoes.
        """

    def delete(self) -> None:
        """Close this storage and destroy it, database and repository; irreversible.

        The caller must hold the profile's exclusive lock (as
        :func:`provgraph.profiles.delete_profile` does). A backend that cannot delete its
        storage raises ``NotImplementedError``.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot delete its storage")

    # -- transactions ---------------------------------------------------------------------------

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[Any]:
        """Group writes: all or nothing, committed when the outermost block ends.

        Nestable: an inner level is a savepoint, so an error caught inside the outer block has
        undone only the inner level's writes. The transaction belongs to the calling thread;
        other threads go on with their own. An error that escapes the outermost block rolls
        back everything; a constraint broken at commit raises ``InputValidationError``, any
        other database failure ``StorageError``.
        """

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
        """Insert rows (column dicts without ``id``), all or nothing; return their ids in order.

        Without ``allow_defaults`` every row must name every non-key column. Outside a
        transaction the call is one of its own. Inside an open :meth:`transaction` it joins it,
        and a failed insert undoes only itself (a savepoint), so that the caller may catch the
        error and go on; ``savepoint=False`` skips that for callers whose every error ends the
        whole transaction anyway (batch stores). Raises ``InputValidationError`` for unknown or
        missing keys, values that cannot be stored and broken constraints.
        """

    def bulk_insert_columns(
        self, entity_type: EntityTypes, columns: Mapping[str, Sequence[Any]], *, savepoint: bool = True
    ) -> list[int]:
        """Insert rows given column by column (every non-key column, equal lengths); return their ids.

        The bulk path of copies (archive import): a million rows need no million dicts. Same
        transaction behaviour and errors as :meth:`bulk_insert`, plus ``InputValidationError`` for
        columns of unequal length. This default builds the rows and calls :meth:`bulk_insert`.
        """
        lengths = {len(values) for values in columns.values()}
        if len(lengths) > 1:
            raise InputValidationError(f"columns of unequal lengths {sorted(lengths)}")
        names = list(columns)
        rows = [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]
        return self.bulk_insert(entity_type, rows, savepoint=savepoint)

    @abc.abstractmethod
    def bulk_insert_from_sqlite(
        self,
        entity_type: EntityTypes,
        database: Path,
        query: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        savepoint: bool = True,
    ) -> list[int]:
        """Insert the rows a query selects from an SQLite file; return their ids in the query's order.

        The copy path of archive imports, whose rows already sit in an SQLite file. ``query`` is
        SQLite SQL run with ``database`` attached read-only as the schema ``source`` (its tables
        are ``source.db_dbnode`` and so on), with ``:name`` placeholders bound from ``parameters``.
        It selects every non-key column of the entity's table under that column's name, as
        SQLite keeps values: JSON as valid JSON text, timestamps as ISO 8601 text (naive means
        UTC), booleans as 0 and 1; give it an ``ORDER BY`` for the ids to follow. A storage may
        copy inside its database (SQLite attaches the file: no row passes through Python) or
        stream the rows in bounded batches; either way the same rows and ids result. Same
        transaction behaviour and errors as :meth:`bulk_insert`.

        >>> ids = storage.bulk_insert_from_sqlite(  # doctest: +SKIP
        ...     EntityTypes.USER, Path("db.sqlite3"),
        ...     "SELECT email, first_name, last_name, institution FROM source.db_dbuser ORDER BY id")
        """

    @abc.abstractmethod
    def copy_rows_to_sqlite(
        self,
        entity_type: EntityTypes,
        database: Path,
        *,
        ids: Sequence[int] | None = None,
        id_range: tuple[int, int] | None = None,
    ) -> int:
        """Write rows of an entity into the same table of an SQLite file (an archive's database).

        The copy path of archive creation. Rows whose id is in ``ids`` (None: any) and within
        the inclusive ``id_range`` (None: any) are appended, in id order and keeping their ids,
        to the table of the same name in ``database``, which must have AiiDA's columns for it.
        Values take the form AiiDA's archives keep: JSON as text, timestamps as naive UTC text
        with microseconds, booleans as 0 and 1. The file is written in a transaction of its own
        (nobody else may be writing it); the storage is only read. Returns the number of rows.

        >>> storage.copy_rows_to_sqlite(  # doctest: +SKIP
        ...     EntityTypes.NODE, Path("db.sqlite3"), id_range=(1, 1000))
        1000
        """

    @abc.abstractmethod
    def bulk_update(self, entity_type: EntityTypes, rows: Sequence[Mapping[str, Any]]) -> None:
        """Update rows by ``id``, all or nothing; JSON columns given are replaced whole.

        Joins an open transaction (undoing only itself on failure, as :meth:`bulk_insert`).
        An ``id`` that matches no row updates nothing. Raises ``InputValidationError`` for a row
        without ``id``, unknown keys, values that cannot be stored and broken constraints.
        """

    @abc.abstractmethod
    def delete_nodes_and_connections(self, pks_to_delete: Sequence[int]) -> None:
        """Delete nodes with their links and group memberships (comments and logs follow).

        Must run inside the caller's :meth:`transaction`, so that the caller's graph rules and
        the deletion commit together: outside one it raises ``InvalidOperation``. Repository
        objects are left in place (:meth:`maintain` removes unreferenced ones).
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
        Python values, UUIDs as dashed strings, times as UTC-aware datetimes. Raises
        ``InputValidationError`` for an unknown column, a filter value of the wrong kind, or a
        negative ``limit``/``offset``.
        """

    @abc.abstractmethod
    def count_rows(self, entity_type: EntityTypes, filters: RowFilters | None = None) -> int:
        """How many rows match ``filters`` (as :meth:`get_rows`, ``InputValidationError`` alike)."""

    @abc.abstractmethod
    def delete_rows(self, entity_type: EntityTypes, ids: Sequence[int]) -> None:
        """Delete rows by id, all or nothing (not nodes: see :meth:`delete_nodes_and_connections`).

        Joins an open transaction as a savepoint. Ids that match no row are ignored. A row
        still referenced through a restricting foreign key is refused with
        ``InputValidationError`` at the call, naming it, and nothing is deleted; so are nodes
        and ids that are not ints.
        """

    @abc.abstractmethod
    def is_reachable(self, source_id: int, target_id: int) -> bool:
        """Whether a directed path of links (input -> output, any type) leads from source to target.

        A node reaches itself. Used to refuse links that would close a cycle, so it sees the
        links written by this thread's open transaction. ``InputValidationError`` for ids
        that are not ints.
        """

    @abc.abstractmethod
    def walk_links(
        self,
        origins: Sequence[int],
        link_types: Sequence[str],
        *,
        backward: bool,
        depth: int | None = None,
        limit: int | None = None,
    ) -> LinkWalk:
        """The nodes up to ``depth`` links (None: any number) from ``origins`` along ``link_types``.

        ``backward`` walks from outputs to inputs (ancestors), else forwards (descendants). A
        few statements whatever the size (a recursive query, then the links followed), never a
        query per node: pictures of the graph around a node are drawn from it. With ``limit``
        the walk stops past ``limit`` nodes (``LinkWalk.exceeded``). ``InputValidationError``
        for ids that are not ints, unknown link types or a negative depth.
        """

    @abc.abstractmethod
    def find_nodes_by_hash(self, node_type: str, node_hash: str) -> list[int]:
        """The pks, ascending, of the nodes of exactly ``node_type`` whose ``_aiida_hash`` extra is
        ``node_hash`` (cache look-ups; one indexed-by-type query instead of reading extras)."""

    @abc.abstractmethod
    def add_group_nodes(self, group_id: int, node_ids: Sequence[int]) -> None:
        """Make nodes members of a group, all or nothing; existing memberships stay as they are.

        Joins an open transaction as a savepoint. Raises ``NotExistent`` naming a missing group
        or missing nodes (nothing is added) and ``InputValidationError`` for ids that are not
        ints.
        """

    @abc.abstractmethod
    def remove_group_nodes(self, group_id: int, node_ids: Sequence[int]) -> None:
        """End the membership of nodes in a group, all or nothing; non-members are ignored.

        Joins an open transaction as a savepoint; ``InputValidationError`` for ids that are not
        ints.
        """

    # -- integrity checks ----------------------------------------------------------------------
    #
    # What ``provgraph storage integrity`` asks that neither the row API nor the QueryBuilder can:
    # rows that break a rule no constraint enforces (AiiDA's links have no unique constraint) or
    # that a foreign key or unique constraint should have kept out (a storage written by other
    # programs, or with its constraints off). Each call is one query over a whole table whose rows
    # arrive in batches, so a million nodes cost no million objects. A storage that cannot answer
    # raises ``NotImplementedError``, and the integrity check reports that check as not run.

    def iter_dangling_links(self) -> Iterator[tuple[int, int, int, bool, bool]]:
        """``(link id, input_id, output_id, input missing, output missing)`` of every link whose
        input or output node does not exist, in link id order."""
        raise NotImplementedError(f"{type(self).__name__} cannot check its links")

    def iter_link_shapes(self) -> Iterator[tuple[str, str, str, bool, int, int]]:
        """The links between existing nodes, grouped by ``(type, input node_type, output node_type,
        self-link)``: each group with its number of links and its smallest link id."""
        raise NotImplementedError(f"{type(self).__name__} cannot check its links")

    def iter_link_clashes(
        self, groupings: Sequence[tuple[str, Sequence[str]]]
    ) -> Iterator[tuple[int, int, int, int]]:
        """Groups of two or more links that agree where a degree rule wants them to differ.

        Each grouping is ``(link type, columns)``, the columns taken from ``input_id``,
        ``output_id`` and ``label``, the first a node id (``("output_id",)`` for "one CREATE link
        into a node", ``("input_id", "label")`` for "output labels unique per creator"). Yields
        ``(index of the grouping, value of its first column, links in the group, smallest link
        id)``; all groupings are one query. ``InputValidationError`` for another column name.

        >>> list(storage.iter_link_clashes([("create", ("output_id",))]))  # doctest: +SKIP
        [(0, 42, 2, 17)]
        """
        raise NotImplementedError(f"{type(self).__name__} cannot check its links")

    def iter_link_ends(self, link_types: Sequence[str]) -> Iterator[tuple[int, int]]:
        """``(input_id, output_id)`` of every link of one of ``link_types``, in no particular order."""
        raise NotImplementedError(f"{type(self).__name__} cannot check its links")

    def iter_duplicate_uuids(self, entity_type: EntityTypes) -> Iterator[tuple[str, int, int]]:
        """UUIDs held by more than one row of ``entity_type``, compared as UUIDs (ignoring case):
        ``(uuid in lower case, rows, smallest id)``. ``InputValidationError`` for an entity type
        without UUIDs."""
        raise NotImplementedError(f"{type(self).__name__} cannot check its UUIDs")

    # -- QueryBuilder --------------------------------------------------------------------------
    #
    # ``query`` is the serialisable QueryBuilder description (``QueryBuilder.as_dict()``, see
    # docs/querybuilder.md): path, filters, projections, ordering, window. Every backend answers
    # it: the ORM's QueryBuilder has no other way to reach the data. Compiling validates the
    # description completely, so a bad query raises ``InputValidationError`` before any SQL runs.

    @abc.abstractmethod
    def query_rows(
        self, query: Mapping[str, Any], *, batch_size: int | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the result rows of ``query``, fetching ``batch_size`` rows per round trip.

        The query is validated at the call (``InputValidationError`` for a bad query or a
        ``batch_size`` that is not a positive int), not at the first row. Each row holds the
        projections in path order (a vertex's own projections, then those of the edge leading
        to it). ``*`` gives the entity's row as a column dict (as :meth:`get_rows`). Inside an
        open :meth:`transaction` the query runs in it and sees its uncommitted rows; outside
        one it reads one consistent snapshot. The connection is held until the iterator is
        exhausted or closed. A database failure while streaming raises ``StorageError``.
        """

    @abc.abstractmethod
    def query_count(self, query: Mapping[str, Any]) -> int:
        """How many rows ``query`` returns (its limit and offset applied).

        Same transaction behaviour and errors as :meth:`query_rows`.
        """

    @abc.abstractmethod
    def query_sql(self, query: Mapping[str, Any], *, inline: bool = False) -> str:
        """The SQL ``query`` compiles to, for debugging; ``inline`` renders parameter values.

        Touches no data. ``InputValidationError`` for a bad query, as :meth:`query_rows`.
        """

    def compiled_query(self, query: Mapping[str, Any]) -> Any:
        """The backend's compiled form of ``query`` (for introspection, as aiida's
        ``QueryBuilder._impl.get_query``); backends that cache compiled queries return the
        cached object for an identical description. The default is the SQL text."""
        return self.query_sql(query)

    def query_plan(self, query: Mapping[str, Any], *, execute: bool = True, verbose: bool = False) -> str:
        """The database's execution plan of ``query`` as text (``execute`` may run the query to
        measure it). Backends without query plans raise ``NotImplementedError``."""
        raise NotImplementedError(f"{type(self).__name__} cannot explain queries")

    def explain_query(self, query: Mapping[str, Any]) -> QueryExplanation:
        """What ``query`` will do, in plain words, with advice on indexes (``storage/explain.py``);
        the query is planned, not run. Backends without query plans raise ``NotImplementedError``."""
        raise NotImplementedError(f"{type(self).__name__} cannot explain queries")

    def database_version(self) -> str | None:
        """The database engine and its version (``SQLite 3.45.1``), or None for a backend without one."""
        return None

    def query(self) -> NodeStatistics:
        """aiida's ``backend.query()``: node statistics (``get_creation_statistics``)."""
        return NodeStatistics(self)

    # -- repository, settings, maintenance ------------------------------------------------------

    @abc.abstractmethod
    def get_repository(self) -> RepositoryBackend:
        """The object store holding the contents of node files.

        Its writes are not part of any :meth:`transaction`: objects are written before the rows
        that refer to them, and an object no row refers to is removed by :meth:`maintain`.
        """

    @abc.abstractmethod
    def set_global_variable(
        self, key: str, value: Any, description: str | None = None, overwrite: bool = True
    ) -> None:
        """Store a JSON value under ``key`` (joining an open transaction).

        Raises the built-in ``ValueError`` if ``key`` is present and not ``overwrite`` (as
        aiida-core does, whose callers catch exactly that).
        """

    @abc.abstractmethod
    def get_global_variable(self, key: str) -> Any:
        """Return the value stored under ``key``; the built-in ``KeyError`` (as aiida-core) if none."""

    @property
    def indexes(self) -> DeclaredIndexes:
        """The declared attribute indexes of this storage (``storage/indexes.py``).

        Example: ``storage.indexes.add("attributes.energy", value_type="float")``. Backends
        without indexes raise ``NotImplementedError``.
        """
        raise NotImplementedError(f"{type(self).__name__} has no declared attribute indexes")

    def maintain(
        self,
        full: bool = False,
        dry_run: bool = False,
        progress: MaintenanceProgress | None = None,
        **kwargs: Any,
    ) -> MaintenanceReport:
        """Keep the storage small and fast; return what was done, step by step, with bytes freed.

        A quick maintenance (the default) is safe while other processes read and write: it packs
        loose objects, cleans the repository and refreshes the database's planner statistics,
        and deletes nothing a running process might still need (objects no node refers to are
        counted in the report, not deleted). A full maintenance also deletes those objects,
        repacks and vacuums; it rewrites the storage under any reader, so the caller must hold
        the profile's exclusive lock for the whole call: ``ProfileAccessManager(profile).lock()``,
        which raises ``LockingProfileError`` while other processes use the profile. The storage
        does not take the lock itself, because locking belongs to the layer above storage
        (``provgraph.access``).

        Not transactional: call it outside :meth:`transaction`. ``dry_run`` reports what would be
        done and changes nothing. ``progress`` is called with (step, done, total) during long
        steps. ``kwargs`` are repository options (``compress``, ``do_repack``, ...): ``TypeError``
        for unknown ones, ``ValueError`` for repacking in quick mode. If a node refers to a
        missing object it raises ``CorruptStorage`` and changes nothing. A backend with nothing
        to maintain (an archive) raises ``NotImplementedError``.

        >>> with ProfileAccessManager(profile).lock():  # doctest: +SKIP
        ...     report = storage.maintain(full=True)
        >>> report.bytes_freed  # doctest: +SKIP
        1048576
        """
        raise NotImplementedError(f"{type(self).__name__} has nothing to maintain")

    def backup(
        self, dest: Path | str, keep: int | None = None, *, progress: ProgressCallback | None = None
    ) -> BackupSummary:
        """Copy the storage into a new folder below ``dest`` while other processes go on writing.

        aiida-core's ``storage backup``: ``dest/backup_<UTC time>_<random>/`` holds the database,
        the repository, a ``config.json`` with this profile and a ``manifest.json`` listing every
        file; ``dest/last-backup`` points at the newest and ``dest/config.json`` names the profile:
        a destination holds one profile's backups (another's, or a folder of other files, is
        refused). The copy is consistent: every object a
        row of the copied database refers to is in the copied repository. Files unchanged since
        the previous backup of the profile in ``dest`` are hard-linked from it, not copied. With
        ``keep`` only that many older backups of the profile stay (aiida-core's meaning: 0 keeps
        just the new one). The new folder appears complete or not at all; the storage itself is
        only read. Callers that open the storage without the manager should hold access to the
        profile (``ProfileAccessManager(profile).request_access()``), which keeps a full
        maintenance (which needs the profile locked) from repacking under the copy.

        Raises ``StorageBackupError`` with one line (destination not writable, full, another
        backup running into it), nothing left behind. A backend that cannot be backed up raises
        ``NotImplementedError``.

        >>> summary = storage.backup("/backups/my-profile", keep=3)  # doctest: +SKIP
        >>> summary.folder.name  # doctest: +SKIP
        'backup_20250102030405_x7k2'
        """
        raise NotImplementedError(f"{type(self).__name__} cannot be backed up")

    @classmethod
    def restore_backup(
        cls, source: Path | str, profile: Profile, *, progress: ProgressCallback | None = None
    ) -> RestoreSummary:
        """Create the storage of a new ``profile`` from the backup at ``source``.

        ``source`` is a backup folder, or a destination of :meth:`backup` (then its newest). The
        storage named by ``profile``'s config must not exist: nothing is ever overwritten. Every
        file is checked against the backup's manifest, the new storage opened and checked
        (every reference resolves, every object a node names is present) before it is moved
        into place, so that it appears complete or not at all. Registering the profile in the
        config is the caller's (``provgraph.tools.backup.restore_profile`` does it last).

        Raises ``StorageRestoreError`` (not a backup, damaged, of another backend, the target
        exists); a backend without backups raises ``NotImplementedError``.

        >>> profile = Profile.new("copy", "core.sqlite_dos", {"filepath": "/data/copy"})  # doctest: +SKIP
        >>> SqliteDosBackend.restore_backup("/backups/last-backup", profile).files  # doctest: +SKIP
        10004
        """
        raise NotImplementedError(f"{cls.__name__} cannot restore backups")

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


class NodeStatistics:
    """How many nodes a storage holds, by type and by creation day (aiida's creation statistics).

    One streamed query over two columns of the nodes (optionally of one user's), summed here.
    """

    def __init__(self, backend: StorageBackend) -> None:
        self._backend = backend

    def get_creation_statistics(self, user_pk: int | None = None) -> dict[str, Any]:
        """``{'total': n, 'types': {node_type: n}, 'ctime_by_day': {'YYYY-MM-DD': n}}``."""
        query: dict[str, Any] = {
            "path": [
                {
                    "entity_type": "",
                    "orm_base": EntityTypes.NODE.value,
                    "tag": "node",
                    "joining_keyword": None,
                    "joining_value": None,
                    "edge_tag": None,
                    "outerjoin": False,
                }
            ],
            "filters": {"node": {} if user_pk is None else {"user_id": user_pk}},
            "project": {"node": [{"node_type": {}}, {"ctime": {}}]},
            "project_map": {},
            "order_by": [],
            "limit": None,
            "offset": None,
            "distinct": False,
        }
        types: dict[str, int] = {}
        days: dict[str, int] = {}
        total = 0
        for node_type, ctime in self._backend.query_rows(query, batch_size=10_000):
            total += 1
            types[node_type] = types.get(node_type, 0) + 1
            day = ctime.strftime("%Y-%m-%d")
            days[day] = days.get(day, 0) + 1
        return {"total": total, "types": types, "ctime_by_day": days}
