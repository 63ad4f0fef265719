"""Log entries: what a process reported while it ran (AiiDA's ``orm.Log``).

AiiDA writes log records of process nodes to ``db_dblog`` so they can be read back later
(``verdi process report``). The schema only asks for a node, so any stored node is accepted;
by convention they belong to process nodes. Entries are immutable once stored and disappear
with their node.
"""

from __future__ import annotations

import copy
import json
import logging
import traceback
import uuid as uuid_module
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from provgraph.exceptions import InputValidationError, NotExistent, StoredEntityError
from provgraph.orm.entities import BulkDeleteCollection, CollectionDescriptor, Entity
from provgraph.storage.abstract import EntityTypes, StorageBackend

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node

__all__ = ["Log", "LogCollection", "OrderBy"]

#: ``"time"``/``"-time"`` strings, or AiiDA's ``{"time": "desc"}`` mappings.
OrderBy = Sequence[str | Mapping[str, str]]

# LogRecord fields that are the message itself or cannot be stored meaningfully.
_SKIPPED_RECORD_FIELDS = frozenset({"msg", "args", "exc_info"})


class LogCollection(BulkDeleteCollection["Log"]):
    """The log entries of one storage."""

    def get_logs_for(self, entity: Node, order_by: OrderBy | None = None) -> list[Log]:
        """The entries of a stored node, oldest first unless ``order_by`` says otherwise."""
        if entity.pk is None:
            raise StoredEntityError(f"{entity!r} is not stored, so it has no log entries")
        return self.find({"dbnode_id": entity.pk}, order_by=_order_names(order_by) or ["time", "id"])

    def create_entry_from_record(self, record: logging.LogRecord) -> Log | None:
        """An unstored entry for a record that names its node (``extra={"dbnode_id": pk}``), else None."""
        dbnode_id = getattr(record, "dbnode_id", None)
        if dbnode_id is None:
            return None
        metadata = {
            key: _jsonable(value)
            for key, value in vars(record).items()
            if key not in _SKIPPED_RECORD_FIELDS and key != "dbnode_id"
        }
        if record.exc_info:
            metadata["exc_info"] = "".join(traceback.format_exception(*record.exc_info))
        return Log(
            datetime.fromtimestamp(record.created, tz=timezone.utc),
            record.name,
            record.levelname,
            int(dbnode_id),
            record.getMessage(),
            metadata=metadata,
            backend=self._backend,
        )


def _order_names(order_by: OrderBy | None) -> list[str]:
    names: list[str] = []
    for item in order_by or []:
        if isinstance(item, str):
            names.append(item)
            continue
        for field, direction in item.items():
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
    """One message a logger reported about a node."""

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
            raise InputValidationError(f"log metadata must be a dict, got {type(metadata).__name__}")
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
