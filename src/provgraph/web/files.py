"""A node's files on its page: the tree with sizes, checked paths, text previews, safe downloads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from starlette.exceptions import HTTPException

from provgraph.exceptions import NotExistent
from provgraph.orm import Node

__all__ = [
    "IMAGE_TYPES",
    "PREVIEW_BYTES",
    "checked_path",
    "file_chunks",
    "file_tree",
    "image_type",
    "text_preview",
]

PREVIEW_BYTES = 64 * 1024
_TREE_ENTRIES = 500  # entries listed on a node page; more are counted, not sized
_CHUNK = 256 * 1024
#: Images shown inline; never SVG, which can carry scripts.
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


def file_tree(node: Node) -> dict[str, Any]:
    """``{"entries": [{path, name, depth, is_dir, size}], "more": bool}`` in walk order, capped.

    Sizes are asked for the entries shown only: a node of 10,000 files costs 500 look-ups.
    """
    entries: list[dict[str, Any]] = []
    repository = node.base.repository
    for root, dirnames, filenames in repository.walk():
        depth = len(root.parts)
        names = [(name, True) for name in sorted(dirnames)] + [(name, False) for name in sorted(filenames)]
        for name, is_dir in names:
            if len(entries) == _TREE_ENTRIES:
                return {"entries": entries, "more": True}
            path = root / name
            size = None if is_dir else repository.get_object_size(path)
            entries.append(
                {
                    "path": str(path),
                    "name": name + ("/" if is_dir else ""),
                    "depth": depth,
                    "is_dir": is_dir,
                    "size": size,
                }
            )
    entries.sort(key=lambda entry: entry["path"])
    return {"entries": entries, "more": False}


def checked_path(node: Node, raw: str) -> str:
    """``raw`` if it names a file of ``node``'s repository; 400 for a malformed path, 404 if absent."""
    parts = raw.split("/")
    if (
        not raw
        or "\\" in raw
        or "\x00" in raw
        or raw.startswith("/")
        or any(part in {"", ".", ".."} for part in parts)
    ):
        raise HTTPException(400, f"{raw!r} is not a file path inside the node's repository.")
    try:
        entry = node.base.repository.get_object(raw)
    except (NotExistent, FileNotFoundError, OSError, ValueError):
        raise HTTPException(404, f"Node {node.pk} has no file {raw!r}.") from None
    if entry.is_dir():
        raise HTTPException(400, f"{raw!r} is a folder of node {node.pk}, not a file.")
    return str(PurePosixPath(raw))


def image_type(path: str) -> str | None:
    """The content type of an image shown inline, or None."""
    return IMAGE_TYPES.get(PurePosixPath(path).suffix.lower())


def text_preview(node: Node, path: str) -> dict[str, Any]:
    """The first 64 KB of a file as text, or ``{"text": None}`` when it is not UTF-8 text."""
    with node.base.repository.open(path, "rb") as handle:
        head = handle.read(PREVIEW_BYTES + 1)
    truncated = len(head) > PREVIEW_BYTES
    head = head[:PREVIEW_BYTES]
    if b"\x00" in head:
        return {"text": None, "truncated": truncated}
    for cut in range(4):  # a multi-byte character may be split at the 64 KB mark
        try:
            return {"text": head[: len(head) - cut].decode("utf-8"), "truncated": truncated}
        except UnicodeDecodeError:
            if not truncated:
                break
    return {"text": None, "truncated": truncated}


def file_chunks(node: Node, path: str) -> Iterator[bytes]:
    """The file's bytes in chunks, so a large download is never held in memory."""
    with node.base.repository.open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk
