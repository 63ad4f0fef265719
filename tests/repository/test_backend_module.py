"""``provgraph.repository.backend``: aiida-core's names of the object stores."""

from __future__ import annotations

import os

from provgraph.repository import DiskObjectStoreRepository, RepositoryBackend
from provgraph.repository.backend import (
    AbstractRepositoryBackend,
    DiskObjectStoreRepositoryBackend,
    SandboxRepositoryBackend,
)


def test_names() -> None:
    assert DiskObjectStoreRepositoryBackend is DiskObjectStoreRepository
    assert AbstractRepositoryBackend is RepositoryBackend


def test_sandbox_folder_is_made_on_request_and_erased() -> None:
    sandbox = SandboxRepositoryBackend()
    assert sandbox.path is None
    folder = sandbox.sandbox.abspath
    assert os.path.isdir(folder)
    assert sandbox.sandbox.abspath == folder  # the same folder every time
    sandbox.erase()
    assert not os.path.isdir(folder)
