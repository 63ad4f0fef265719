"""Node files against the repository: objects a node names that are missing, objects that rot.

*Missing*: every node's ``repository_metadata`` is streamed once (one query, no node objects) and
its keys asked of the repository in batches, remembering keys already found (a calcfunction's
source file is shared by every run). *Corrupt*: every object of the repository is read and its
sha256 compared with its key; this reads all content, so it is a level of its own
(``objects=True``) with a progress callback.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any, BinaryIO

from provgraph.exceptions import ProvgraphError
from provgraph.orm.nodes.node import Node
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.repository.abstract import RepositoryBackend
from provgraph.repository.common import is_sha256_key
from provgraph.storage.abstract import StorageBackend
from provgraph.tools.integrity.report import Finding, ProblemKind, Tally

__all__ = ["Progress", "find_corrupt_objects", "find_missing_objects"]

LOGGER = logging.getLogger(__name__)

#: ``(stage, done, total)``, as ``provgraph.cli.output.stage_progress`` draws it.
Progress = Callable[[str, int, "int | None"], None]

_NODE_BATCH = 1000
_OBJECT_BATCH = 200
_KNOWN_PRESENT_LIMIT = 100_000
_CHUNK = 1 << 20


def _files(metadata: Mapping[str, Any], root: str = "") -> Iterator[tuple[str, str]]:
    """``(path, key)`` of every file in a serialized tree (``{"o": {name: {"k": key} | dir}}``)."""
    entries = metadata.get("o") or {}
    for name, entry in entries.items():
        path = f"{root}/{name}" if root else str(name)
        if not isinstance(entry, Mapping):
            continue
        if "k" in entry:
            yield path, str(entry["k"])
        else:
            yield from _files(entry, path)


def find_missing_objects(backend: StorageBackend, examples: int = 5) -> Finding:
    """Files of nodes whose object the repository does not have (counted per node and file)."""
    repository = backend.get_repository()
    query = QueryBuilder(backend=backend).append(
        Node, filters={"repository_metadata": {"has_key": "o"}}, project=["id", "repository_metadata"]
    )
    tally = Tally(examples)
    present: set[str] = set()
    batch: list[tuple[int, str, str]] = []
    for pk, metadata in query.iterall(batch_size=_NODE_BATCH):
        batch.extend((pk, path, key) for path, key in _files(metadata or {}) if key not in present)
        if len(batch) >= _NODE_BATCH:
            _check_batch(repository, batch, present, tally)
            batch = []
    _check_batch(repository, batch, present, tally)
    keys = "restore the objects from a backup, or delete the nodes" if tally.count else ""
    return tally.finding(ProblemKind.MISSING_OBJECTS, note=keys)


def _check_batch(
    repository: RepositoryBackend, batch: list[tuple[int, str, str]], present: set[str], tally: Tally
) -> None:
    keys = list(dict.fromkeys(key for _, _, key in batch))
    if not keys:
        return
    found = {key for key, exists in zip(keys, repository.has_objects(keys), strict=True) if exists}
    for pk, path, key in batch:
        if key not in found:
            tally.add(f"node pk={pk} file {path!r}: object {key[:16]}... is missing")
    if len(present) > _KNOWN_PRESENT_LIMIT:
        present.clear()
    present.update(found)


def find_corrupt_objects(
    backend: StorageBackend, examples: int = 5, progress: Progress | None = None
) -> Finding:
    """Objects whose content does not hash to their key, or cannot be read at all (reads everything)."""
    repository = backend.get_repository()
    tally = Tally(examples)
    if repository.key_format != "sha256":
        return tally.finding(
            ProblemKind.CORRUPT_OBJECTS, note=f"keys are {repository.key_format}, not sha256: not read"
        )
    keys = [key for key in repository.list_objects() if is_sha256_key(key)]
    stage = "Reading objects"
    if progress is not None:
        progress(stage, 0, len(keys))
    for start in range(0, len(keys), _OBJECT_BATCH):
        chunk = keys[start : start + _OBJECT_BATCH]
        for key, problem in _hash_batch(repository, chunk):
            tally.add(f"object {key[:16]}...: {problem}")
        if progress is not None:
            progress(stage, start + len(chunk), len(keys))
    note = "restore the objects from a backup" if tally.count else ""
    return tally.finding(ProblemKind.CORRUPT_OBJECTS, note=note)


def _hash_batch(repository: RepositoryBackend, keys: list[str]) -> Iterator[tuple[str, str]]:
    """``(key, problem)`` for each object of ``keys`` that does not hash to its key.

    Streams the whole batch at once (one open of a pack for many objects); if that fails on the
    way (a pack that cannot be read), the batch is read again object by object, to name the
    culprits.
    """
    checked: set[str] = set()
    problems: list[tuple[str, str]] = []
    try:
        for key, stream in repository.iter_object_streams(keys):
            checked.add(key)
            problem = _read_problem(key, stream)
            if problem:
                problems.append((key, problem))
    except (OSError, ValueError, ProvgraphError) as exc:
        LOGGER.debug("streaming %d objects failed (%s); reading them one by one", len(keys), exc)
        for key in keys:
            if key not in checked:
                problem = _read_one(repository, key)
                if problem:
                    problems.append((key, problem))
    return iter(problems)


def _read_one(repository: RepositoryBackend, key: str) -> str | None:
    try:
        with repository.open(key) as stream:
            return _read_problem(key, stream)
    except (OSError, ValueError, ProvgraphError) as exc:
        return f"cannot be read ({exc})"


def _read_problem(key: str, stream: BinaryIO) -> str | None:
    """What is wrong with the object read from ``stream``: None if its sha256 is its key."""
    digest = hashlib.sha256()
    try:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(chunk)
    except Exception as exc:  # zlib, zipfile and OS errors alike: the object cannot be read
        return f"cannot be read ({type(exc).__name__}: {exc})"
    actual = digest.hexdigest()
    return None if actual == key else f"content hashes to {actual[:16]}..."
