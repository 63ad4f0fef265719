"""aiida-core's module path ``aiida.repository.backend``: the object stores under a file tree.

aiida-core's names for provgraph's classes: ``DiskObjectStoreRepositoryBackend`` is
:class:`~provgraph.repository.disk_objectstore.DiskObjectStoreRepository` (a profile's object
store), ``AbstractRepositoryBackend`` the interface both stores implement.
"""

from __future__ import annotations

from provgraph.repository.abstract import RepositoryBackend
from provgraph.repository.disk_objectstore import DiskObjectStoreRepository
from provgraph.repository.sandbox import SandboxRepositoryBackend

AbstractRepositoryBackend = RepositoryBackend
DiskObjectStoreRepositoryBackend = DiskObjectStoreRepository

__all__ = ["AbstractRepositoryBackend", "DiskObjectStoreRepositoryBackend", "SandboxRepositoryBackend"]
