"""Storage backends, found by name in the ``provgraph.storage`` entry-point group.

A profile names its backend (``core.sqlite_dos``, ``core.psql_dos``, ...); plugins add more by
registering an entry point. The built-in backends are also found without installed
distribution metadata (e.g. running from a source checkout).
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from provgraph.exceptions import UnknownStorageBackendError
from provgraph.storage.abstract import EntityTypes, StorageBackend, StoragePart

__all__ = ["EntityTypes", "StorageBackend", "StoragePart", "get_storage_class", "list_storage_backends"]

ENTRY_POINT_GROUP = "provgraph.storage"

_BUILTIN = {
    "core.sqlite_dos": "provgraph.storage.sqlite_dos.backend:SqliteDosBackend",
    "core.psql_dos": "provgraph.storage.psql_dos.backend:PsqlDosBackend",
    "core.sqlite_zip": "provgraph.storage.sqlite_zip.backend:SqliteZipBackend",
}


def _registered() -> dict[str, str]:
    """Backend name -> ``module:attribute``; installed entry points win over the built-ins."""
    found = dict(_BUILTIN)
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        found[entry_point.name] = entry_point.value
    return found


def list_storage_backends() -> list[str]:
    """The names of every available storage backend, sorted."""
    return sorted(_registered())


def get_storage_class(name: str) -> type[StorageBackend]:
    """The backend class registered as ``name``; ``UnknownStorageBackendError`` lists the others."""
    registered = _registered()
    target = registered.get(name)
    if target is None:
        raise UnknownStorageBackendError(
            f"no storage backend named {name!r}; available: {', '.join(sorted(registered))}"
        )
    module_name, _, attribute = target.partition(":")
    cls = getattr(importlib.import_module(module_name), attribute)
    if not (isinstance(cls, type) and issubclass(cls, StorageBackend)):
        raise UnknownStorageBackendError(f"entry point {name!r} ({target}) is not a StorageBackend subclass")
    return cls
