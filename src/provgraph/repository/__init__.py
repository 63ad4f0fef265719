"""A node's virtual file tree and the object stores under it."""

from __future__ import annotations

from provgraph.repository.abstract import RepositoryBackend
from provgraph.repository.archive import ArchiveRepository
from provgraph.repository.common import File, FileType
from provgraph.repository.disk_objectstore import DiskObjectStoreRepository
from provgraph.repository.sandbox import SandboxRepositoryBackend
from provgraph.repository.tree import FilePath, Repository

__all__ = [
    "ArchiveRepository",
    "DiskObjectStoreRepository",
    "File",
    "FilePath",
    "FileType",
    "Repository",
    "RepositoryBackend",
    "SandboxRepositoryBackend",
]
