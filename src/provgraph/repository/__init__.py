"""Object stores under a node's file tree."""

from __future__ import annotations

from provgraph.repository.abstract import RepositoryBackend
from provgraph.repository.disk_objectstore import DiskObjectStoreRepository

__all__ = ["DiskObjectStoreRepository", "RepositoryBackend"]
