"""Where the last sync between two storages stopped, so that the next one reads only what changed.

A :class:`Mark` is taken of the source when a sync starts: the highest ids of each table, the
newest node and comment mtimes, and two counts that notice late arrivals (below). When the sync
has written everything, the mark is stored as the cursor of that pair of storages and that
selection, in the settings of both storages (``provgraph|sync|SOURCE|TARGET|SELECTION``). The
next sync reads the cursor and asks the source only for rows above it: new ids, or mtimes after
the newest one it saw. All of those are index range scans, so a sync with nothing new costs a
few queries whatever the size of the profile.

Two things can hide a row below the cursor, and the cursor guards against both:

- **Clock skew and late commits.** A writer whose clock lags, or whose transaction committed
  after the mark was taken (PostgreSQL hands out ids before commit), may add a node whose mtime
  (or id) is below the mark. The mark therefore counts the nodes whose mtime lies within
  :data:`MARGIN` below its newest mtime, and the nodes at or below its highest id. When either
  count differs at the next sync, the whole margin window is read again (and compared with the
  target by UUID, so nothing moves twice).
- **A source or target rolled back** (restored from an older backup). Each storage keeps its own
  record of the pair; the older of the two is used, and a cursor whose highest node no longer
  has the UUID it had is dropped: the sync then compares everything by UUID, as a first one does.

>>> mark = take_mark(storage)  # doctest: +SKIP
>>> write_cursor(target, cursor_key(source, target, "all"), mark)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from provgraph.exceptions import ReadOnlyStorageError, StorageError
from provgraph.storage.abstract import Above, EntityTypes, StorageBackend

__all__ = [
    "MARGIN",
    "SETTING_PREFIX",
    "Mark",
    "cursor_key",
    "read_cursor",
    "selection_digest",
    "take_mark",
    "write_cursor",
]

#: How far below the newest mtime a late or skewed write is looked for.
MARGIN = timedelta(minutes=10)
SETTING_PREFIX = "provgraph|sync|"
_FORMAT = 1


@dataclass(frozen=True)
class Mark:
    """The source's state when a sync started (ids are 0 and times None for an empty table)."""

    node_id: int
    node_uuid: str | None
    node_mtime: datetime | None
    nodes_in_margin: int
    nodes_up_to_id: int
    comment_id: int
    comment_mtime: datetime | None
    log_id: int
    group_id: int
    group_node_id: int
    link_id: int

    def to_json(self) -> dict[str, Any]:
        record = asdict(self)
        for name in ("node_mtime", "comment_mtime"):
            value = record[name]
            record[name] = None if value is None else value.isoformat()
        return {"format": _FORMAT, **record}

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> Mark | None:
        """The mark a setting holds, or None when it is not one this version understands."""
        if not isinstance(record, Mapping) or record.get("format") != _FORMAT:
            return None
        try:
            values = {name: record[name] for name in cls.__dataclass_fields__}
            for name in ("node_mtime", "comment_mtime"):
                if values[name] is not None:
                    values[name] = datetime.fromisoformat(values[name])
            mark = cls(**values)
        except (KeyError, TypeError, ValueError):
            return None
        if not all(isinstance(getattr(mark, name), int) for name in _ID_FIELDS):
            return None
        return mark

    def older(self, other: Mark) -> Mark:
        """The mark that promises less (field by field the smaller): safe for both records."""
        values: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            mine, theirs = getattr(self, name), getattr(other, name)
            if name in _ID_FIELDS:
                values[name] = min(mine, theirs)
            elif name in ("node_mtime", "comment_mtime"):
                values[name] = None if mine is None or theirs is None else min(mine, theirs)
            else:
                values[name] = mine
        if values["node_id"] != self.node_id:
            values["node_uuid"], values["nodes_up_to_id"] = other.node_uuid, other.nodes_up_to_id
        if values["node_mtime"] != self.node_mtime:
            values["nodes_in_margin"] = other.nodes_in_margin
        return replace(self, **values)


_ID_FIELDS = (
    "node_id",
    "comment_id",
    "log_id",
    "group_id",
    "group_node_id",
    "link_id",
    "nodes_in_margin",
    "nodes_up_to_id",
)


def _newest(storage: StorageBackend, entity: EntityTypes, column: str) -> Any:
    rows = storage.get_rows(entity, columns=(column,), order_by=(f"-{column}",), limit=1)
    return rows[0][column] if rows else None


def margin_count(storage: StorageBackend, newest_mtime: datetime | None) -> int:
    """Nodes whose mtime is within :data:`MARGIN` below ``newest_mtime`` (inclusive)."""
    if newest_mtime is None:
        return 0
    return storage.count_rows(EntityTypes.NODE, {"mtime": Above(newest_mtime - MARGIN)}) - storage.count_rows(
        EntityTypes.NODE, {"mtime": Above(newest_mtime)}
    )


def count_up_to(storage: StorageBackend, node_id: int) -> int:
    """Nodes whose id is at most ``node_id``."""
    return storage.count_rows(EntityTypes.NODE) - storage.count_rows(EntityTypes.NODE, {"id": Above(node_id)})


def take_mark(storage: StorageBackend) -> Mark:
    """The source's :class:`Mark` now (a handful of index look-ups)."""
    newest = storage.get_rows(EntityTypes.NODE, columns=("id", "uuid"), order_by=("-id",), limit=1)
    node_id = newest[0]["id"] if newest else 0
    node_mtime = _newest(storage, EntityTypes.NODE, "mtime")
    return Mark(
        node_id=node_id,
        node_uuid=newest[0]["uuid"] if newest else None,
        node_mtime=node_mtime,
        nodes_in_margin=margin_count(storage, node_mtime),
        nodes_up_to_id=count_up_to(storage, node_id),
        comment_id=_newest(storage, EntityTypes.COMMENT, "id") or 0,
        comment_mtime=_newest(storage, EntityTypes.COMMENT, "mtime"),
        log_id=_newest(storage, EntityTypes.LOG, "id") or 0,
        group_id=_newest(storage, EntityTypes.GROUP, "id") or 0,
        group_node_id=_newest(storage, EntityTypes.GROUP_NODE, "id") or 0,
        link_id=_newest(storage, EntityTypes.LINK, "id") or 0,
    )


def storage_id(storage: StorageBackend) -> str:
    """A storage's identity for cursors: its object store's UUID (kept by backup and restore), or
    for a storage without one (an archive opened as a profile) its profile's UUID."""
    identity = storage.get_repository().uuid or storage.profile.uuid
    if not identity:
        raise StorageError(
            f"{storage} has neither a repository nor a profile UUID; it cannot take part in a sync"
        )
    return str(identity)


def selection_digest(description: Mapping[str, Any]) -> str:
    """A short stable name for what a sync moves (``{"all": True}``, chosen UUIDs and rules)."""
    text = json.dumps(description, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cursor_key(source: StorageBackend, target: StorageBackend, digest: str) -> str:
    return f"{SETTING_PREFIX}{storage_id(source)}|{storage_id(target)}|{digest}"


def _stored(storage: StorageBackend, key: str) -> Mark | None:
    try:
        return Mark.from_json(storage.get_global_variable(key))
    except KeyError:
        return None


def read_cursor(source: StorageBackend, target: StorageBackend, key: str) -> Mark | None:
    """The cursor both storages agree on (the older of their records), or None to compare all.

    A record only one side has is not trusted: the other side may have been restored from a
    backup taken before the sync that wrote it.
    """
    at_target, at_source = _stored(target, key), _stored(source, key)
    if at_target is None or at_source is None:
        return None
    mark = at_target.older(at_source)
    if mark.node_id:
        found = source.get_rows(EntityTypes.NODE, {"id": mark.node_id}, columns=("uuid",))
        if not found or found[0]["uuid"] != mark.node_uuid:
            return None  # the source was rolled back or renumbered: its ids mean something else now
    return mark


def write_cursor(storage: StorageBackend, key: str, mark: Mark) -> None:
    """Record ``mark`` in ``storage``'s settings (joins an open transaction)."""
    if storage.read_only:
        raise ReadOnlyStorageError(f"cannot record the sync cursor in {storage}: it is read-only")
    storage.set_global_variable(key, mark.to_json(), description="where the last provgraph sync stopped")
