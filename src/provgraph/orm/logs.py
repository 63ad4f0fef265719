"""Log entries: what a process reported while it ran (AiiDA's ``orm.Log``).

AiiDA writes log records of process nodes to ``db_dblog`` so they can be read back later
(``verdi process report``). The schema only asks for a node, so any stored node is accepted;
by convention they belong to process nodes. Entries are stored when they are created (as in
aiida-core), are immutable and disappear with their node.

``process_node.logger`` (:class:`NodeLogger`) is how a process writes them: a record at or above
``REPORT`` goes to ``db_dblog`` as well as to Python's logging. A calcfunction's node is only
stored when the function has returned; the records it gets while running wait on the node and are
written in the same transaction as the node (``flush_pending``).
"""

from __future__ import annotations

import copy
import json
import logging
import traceback
import uuid as uuid_module
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from provgraph.common.log import LOG_LEVEL_REPORT
from provgraph.exceptions import InputValidationError, NotExistent, StoredEntityError
from provgraph.orm.entities import BulkDeleteCollection, CollectionDescriptor, Entity
from provgraph.storage.abstract import EntityTypes, StorageBackend

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node

__all__ = [
    "ASCENDING",
    "DESCENDING",
    "Log",
    "LogCollection",
    "LogMetadataTypeError",
    "NodeLogger",
    "OrderBy",
    "OrderSpecifier",
]

ASCENDING = "asc"
DESCENDING = "desc"

#: Records at or above this level go to ``db_dblog`` (aiida-core's default ``logging.db_loglevel``).
DB_LOG_LEVEL = LOG_LEVEL_REPORT

LOGGER = logging.getLogger(__name__)


class OrderSpecifier(NamedTuple):
    """One ordering of :meth:`LogCollection.find`: a field and ``ASCENDING`` or ``DESCENDING``."""

    field: str
    direction: str


class LogMetadataTypeError(InputValidationError, TypeError):
    """A log entry's metadata is not a mapping (aiida-core raises ``TypeError``)."""


#: ``"time"``/``"-time"`` strings, ``OrderSpecifier``s, or AiiDA's ``{"time": "desc"}`` mappings.
OrderBy = Sequence[str | OrderSpecifier | Mapping[str, str]]

#: A record attribute ``(process label, calling function)``: the record is a process's report,
#: whose entry gets aiida-core's ``[pk|label|function]: `` prefix once the node's pk is known.
REPORT_ORIGIN = "process_report_origin"

# LogRecord fields that are the message itself or cannot be stored meaningfully.
_SKIPPED_RECORD_FIELDS = frozenset({"msg", "args", "exc_info", REPORT_ORIGIN})


class LogCollection(BulkDeleteCollection["Log"]):
    """The log entries of one storage."""

    def find(
        self,
        filters: Mapping[str, Any] | None = None,
        order_by: OrderBy | None = None,
        limit: int | None = None,
    ) -> list[Log]:
        """Entries whose fields equal ``filters``, ordered as ``order_by`` says (pk order by default)."""
        return super().find(filters, order_by=_order_names(order_by) or None, limit=limit)

    def delete_many(self, filters: Mapping[str, Any]) -> list[int]:
        """Delete the entries matching QueryBuilder ``filters`` (``{"id": {"in": [...]}}``); their pks."""
        if not filters:
            raise InputValidationError("delete_many needs filters; call delete_all() to delete every log")
        from provgraph.orm.querybuilder import QueryBuilder

        with self._backend.transaction():
            builder = QueryBuilder(backend=self._backend).append(Log, filters=dict(filters), project="id")
            ids = [int(pk) for pk in builder.all(flat=True)]
            self._backend.delete_rows(EntityTypes.LOG, ids)
        return ids

    def get_logs_for(self, entity: Node, order_by: OrderBy | None = None) -> list[Log]:
        """The entries of a stored node, oldest first unless ``order_by`` says otherwise."""
        if entity.pk is None:
            raise StoredEntityError(f"{entity!r} is not stored, so it has no log entries")
        return self.find({"dbnode_id": entity.pk}, order_by=_order_names(order_by) or ["time", "id"])

    def create_entry_from_record(self, record: logging.LogRecord) -> Log | None:
        """The (stored) entry of a record that names its node (``extra={"dbnode_id": pk}``), else None."""
        dbnode_id = getattr(record, "dbnode_id", None)
        if dbnode_id is None:
            return None
        return _entry_from_record(record, int(dbnode_id), self._backend)


def _entry_from_record(record: logging.LogRecord, dbnode_id: int, backend: StorageBackend) -> Log:
    """A stored entry of ``record`` for node ``dbnode_id``; what JSON cannot hold is kept as text."""
    metadata = {
        key: _jsonable(value)
        for key, value in vars(record).items()
        if key not in _SKIPPED_RECORD_FIELDS and key != "dbnode_id"
    }
    if record.exc_info:
        metadata["exc_info"] = "".join(traceback.format_exception(*record.exc_info))
    message = record.getMessage()
    origin = getattr(record, REPORT_ORIGIN, None)
    if origin is not None:
        message = f"[{dbnode_id}|{origin[0]}|{origin[1]}]: {message}"
    return Log(
        datetime.fromtimestamp(record.created, tz=timezone.utc),
        record.name,
        record.levelname,
        dbnode_id,
        message,
        metadata=metadata,
        backend=backend,
    )


def _order_names(order_by: OrderBy | None) -> list[str]:
    names: list[str] = []
    for item in order_by or []:
        if isinstance(item, str):
            names.append(item)
            continue
        pairs = [tuple(item)] if isinstance(item, OrderSpecifier) else list(item.items())
        for field, direction in pairs:
            if direction not in ("asc", "desc"):
                raise InputValidationError(f"order {field!r} by 'asc' or 'desc', not {direction!r}")
            names.append(f"-{field}" if direction == "desc" else field)
    return names


def _jsonable(value: Any) -> Any:
    """``value`` if JSON can hold it, else its text (log records carry arbitrary objects)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return str(value)
    return value


class Log(Entity):
    """One message a logger reported about a node; stored as soon as it is created (as in aiida-core)."""

    _entity_type: ClassVar[EntityTypes] = EntityTypes.LOG
    collection = CollectionDescriptor(LogCollection)

    def __init__(
        self,
        time: datetime,
        loggername: str,
        levelname: str,
        dbnode_id: int,
        message: str = "",
        *,
        metadata: Mapping[str, Any] | None = None,
        backend: StorageBackend | None = None,
    ) -> None:
        super().__init__(backend)
        if not loggername or not levelname:
            raise InputValidationError(
                f"a log entry needs a logger name and a level name, got {loggername!r} and {levelname!r}"
            )
        if metadata is not None and not isinstance(metadata, Mapping):
            raise LogMetadataTypeError(f"log metadata must be a dict, got {type(metadata).__name__}")
        if isinstance(dbnode_id, bool) or not isinstance(dbnode_id, int):
            raise InputValidationError(f"dbnode_id must be the pk of a stored node, got {dbnode_id!r}")
        self._row = {
            "uuid": str(uuid_module.uuid4()),
            "time": time,
            "loggername": loggername,
            "levelname": levelname,
            "dbnode_id": dbnode_id,
            "message": message or "",
            "metadata": copy.deepcopy(dict(metadata or {})),
        }
        self.store()

    def __str__(self) -> str:
        return f"[{self.time:%Y-%m-%d %H:%M:%S} | {self.levelname}] {self.message}"

    @property
    def uuid(self) -> str:
        return str(self._row["uuid"])

    @property
    def time(self) -> datetime:
        moment: datetime = self._row["time"]
        return moment

    @property
    def loggername(self) -> str:
        return str(self._row["loggername"])

    @property
    def levelname(self) -> str:
        return str(self._row["levelname"])

    @property
    def dbnode_id(self) -> int:
        return int(self._row["dbnode_id"])

    @property
    def message(self) -> str:
        return str(self._row["message"])

    @property
    def metadata(self) -> dict[str, Any]:
        return copy.deepcopy(dict(self._row["metadata"]))

    def _store(self) -> None:
        """Insert the entry; its node must exist (the deferred foreign key would only say so at commit)."""
        if not self._backend.count_rows(EntityTypes.NODE, {"id": self.dbnode_id}):
            raise NotExistent(f"no node with pk {self.dbnode_id}: a log entry must belong to a stored node")
        super()._store()


class NodeLogger(logging.Logger):
    """``node.logger``: Python logging, plus ``db_dblog`` entries of the node for records >= REPORT.

    A logger of its own per node, outside logging's registry, whose parent is the named logger
    (``aiida.orm.nodes.<node type>``): records reach the usual handlers through it. A record about
    an unstored node is not written, unless the node collects records while it runs
    (``node._pending_log_records`` is a list: a calcfunction, stored once it returned); the runner
    then writes them with the node. A failure to write an entry is logged, never raised: reporting
    must not break the computation it reports on.
    """

    def __init__(self, name: str, node: Node) -> None:
        super().__init__(name)
        self.parent = logging.getLogger(name)
        self._node = node

    def _to_db(self, level: int) -> bool:
        if level < DB_LOG_LEVEL:
            return False
        return self._node.is_stored or getattr(self._node, "_pending_log_records", None) is not None

    def isEnabledFor(self, level: int) -> bool:
        return self._to_db(level) or (self.parent is not None and self.parent.isEnabledFor(level))

    def handle(self, record: logging.LogRecord) -> None:
        if self._to_db(record.levelno):
            if self._node.is_stored:
                write_log_records(self._node, [record])
            else:
                pending: list[logging.LogRecord] = self._node._pending_log_records  # type: ignore[attr-defined]
                pending.append(record)
        if self.parent is not None and self.parent.isEnabledFor(record.levelno):
            super().handle(record)


def write_log_records(node: Node, records: Sequence[logging.LogRecord]) -> None:
    """Store an entry for each record about the stored ``node`` (errors are logged, not raised)."""
    pk = node.pk
    if pk is None:
        return
    for record in records:
        try:
            _entry_from_record(record, pk, node.backend)
        except Exception:
            LOGGER.exception("could not store a log entry of node pk=%s", pk)
