"""Backends are found by name; unknown names list what exists."""

from __future__ import annotations

import pytest

from provgraph.exceptions import UnknownStorageBackendError
from provgraph.storage import StorageBackend, get_storage_class, list_storage_backends
from provgraph.storage.psql_dos.backend import PsqlDosBackend
from provgraph.storage.sqlite_dos.backend import SqliteDosBackend
from provgraph.storage.sqlite_zip.backend import SqliteZipBackend


def test_builtin_backends_are_listed() -> None:
    assert {"core.psql_dos", "core.sqlite_dos", "core.sqlite_zip"} <= set(list_storage_backends())
    assert list_storage_backends() == sorted(list_storage_backends())


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("core.sqlite_dos", SqliteDosBackend),
        ("core.psql_dos", PsqlDosBackend),
        ("core.sqlite_zip", SqliteZipBackend),
    ],
)
def test_known_names(name: str, cls: type[StorageBackend]) -> None:
    assert get_storage_class(name) is cls


@pytest.mark.parametrize("cls", [SqliteDosBackend, PsqlDosBackend, SqliteZipBackend])
def test_builtin_backends_implement_the_whole_contract(cls: type[StorageBackend]) -> None:
    assert not cls.__abstractmethods__
    assert {"query_rows", "query_count", "query_sql"} <= StorageBackend.__abstractmethods__


def test_unknown_name_lists_the_available_ones() -> None:
    with pytest.raises(UnknownStorageBackendError, match=r"'core\.nosuch'") as excinfo:
        get_storage_class("core.nosuch")
    assert "core.sqlite_dos" in str(excinfo.value)
    assert "core.psql_dos" in str(excinfo.value)


def test_builtins_are_found_without_distribution_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    import provgraph.storage as registry

    monkeypatch.setattr(registry, "entry_points", lambda group: [])
    assert registry.get_storage_class("core.sqlite_dos") is SqliteDosBackend
    assert registry.list_storage_backends() == ["core.psql_dos", "core.sqlite_dos", "core.sqlite_zip"]
