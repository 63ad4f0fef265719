"""``storage.indexes`` of the SQL backends: build, record, list and drop declared attribute indexes.

The declarations live in the ``db_dbsetting`` row ``provgraph|indexes`` (a JSON list), so that a
backup carries them and a storage restored or migrated without the indexes themselves can build
them again (:meth:`SqlIndexes.ensure`). The dialect builds each index on exactly the expression
its query compiler writes for a filter on the path, and :meth:`SqlIndexes.load` tells the
compiler which paths are declared (the storage does so when it opens).

Order of work in :meth:`SqlIndexes.add`: build first, record after. A process killed during the
build leaves at worst an index nobody declared (SQLite's build is one transaction and leaves
nothing; PostgreSQL's concurrent build is dropped on failure), which a new ``add`` adopts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from provgraph.exceptions import InputValidationError, InvalidOperation, StorageError
from provgraph.storage.indexes import DeclaredIndexes, IndexDeclaration, IndexProgress, IndexStatus
from provgraph.storage.sql.store import SqlStore, translate_errors

__all__ = ["SETTING_KEY", "SqlIndexes"]

SETTING_KEY = "provgraph|indexes"
_DESCRIPTION = "attribute indexes declared with `provgraph storage index add` (provgraph)"


class SqlIndexes(DeclaredIndexes):
    """Declared indexes of one SQL store (``read_only``: an archive, which has and takes none)."""

    def __init__(self, store: SqlStore, *, read_only: bool = False) -> None:
        self._store = store
        self._read_only = read_only

    def declared(self) -> list[IndexDeclaration]:
        if self._read_only:
            return []
        try:
            raw = self._store.get_global_variable(SETTING_KEY)
        except KeyError:
            return []
        if not isinstance(raw, list):
            raise StorageError(f"the setting {SETTING_KEY!r} is not a list of index declarations: {raw!r}")
        try:
            return [IndexDeclaration.from_json(item) for item in raw]
        except (InputValidationError, KeyError, TypeError) as exc:
            raise StorageError(f"the setting {SETTING_KEY!r} holds a bad index declaration: {exc}") from None

    def load(self) -> None:
        """Tell this storage's query compiler which paths have indexes (when the storage opens)."""
        self._store.dialect.declare_indexes(self.declared())

    def add(
        self,
        path: str,
        *,
        value_type: str | None = None,
        node_type: str | None = None,
        kind: str = "btree",
        progress: IndexProgress | None = None,
    ) -> IndexDeclaration:
        declaration = IndexDeclaration.parse(path, value_type=value_type, node_type=node_type, kind=kind)
        self._require_writable("add an index")
        self._store.dialect.create_index_sql(declaration)  # refuses what the database cannot build
        for item in self.declared():
            if item == declaration:
                raise InputValidationError(
                    f"{declaration.describe()} is declared already, as {item.name}; "
                    "`provgraph storage index list` shows it"
                )
        self._build(declaration, progress)
        self._record(lambda items: [*items, declaration] if declaration not in items else items)
        return declaration

    def status(self) -> list[IndexStatus]:
        declared = self.declared()
        if not declared:
            return []
        with translate_errors("reading the indexes"), self._store.connection() as conn:
            details = self._store.dialect.index_details(conn, [item.name for item in declared])
        statuses = []
        for item in declared:
            size, scans = details.get(item.name, (None, None))
            statuses.append(IndexStatus(item, item.name in details, size, scans))
        return statuses

    def drop(self, name: str) -> IndexDeclaration:
        self._require_writable("drop an index")
        declaration = self.find(name)
        with translate_errors(f"dropping index {declaration.name}"), self._store.engine.connect() as conn:
            self._store.dialect.drop_index(conn, declaration.name)
        self._record(lambda items: [item for item in items if item != declaration])
        return declaration

    def ensure(self, progress: IndexProgress | None = None) -> list[IndexDeclaration]:
        if self._read_only:
            return []
        missing = [status.declaration for status in self.status() if not status.present]
        for declaration in missing:
            self._require_writable("build the declared indexes")
            self._build(declaration, progress)
        self.load()
        return missing

    # -- helpers ----------------------------------------------------------------------------------

    def _require_writable(self, action: str) -> None:
        if self._read_only:
            raise InvalidOperation(
                f"cannot {action}: this storage is read-only (an archive: import it into a profile "
                "and declare indexes there)"
            )
        if self._store.in_transaction:
            raise InvalidOperation(f"cannot {action} inside a transaction: building an index takes its own")

    def _build(self, declaration: IndexDeclaration, progress: IndexProgress | None) -> None:
        action = f"building index {declaration.name} on {declaration.describe()}"
        with translate_errors(action), self._store.engine.connect() as conn:
            self._store.dialect.build_index(conn, declaration, progress)

    def _record(self, change: Callable[[list[IndexDeclaration]], Sequence[IndexDeclaration]]) -> None:
        """Apply ``change`` to the recorded declarations in one write transaction, then load them."""
        with self._store.transaction():
            items = list(change(self.declared()))
            value: list[dict[str, Any]] = [item.to_json() for item in items]
            self._store.set_global_variable(SETTING_KEY, value, description=_DESCRIPTION)
        self.load()
