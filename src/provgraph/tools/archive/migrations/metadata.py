"""What every migration step records in ``metadata.json``: the new version and a line of history."""

from __future__ import annotations

from typing import Any

from provgraph.common.version import installed_version
from provgraph.exceptions import ArchiveMigrationError

__all__ = ["expect_version", "record_conversion"]


def expect_version(metadata: dict[str, Any], version: str) -> None:
    """Refuse to run a step on an archive of another version (a wrong pathway is a bug, say so)."""
    found = metadata.get("export_version")
    if found != version:
        raise ArchiveMigrationError(f"expected an archive of version {version}, found {found!r}")


def record_conversion(metadata: dict[str, Any], new_version: str) -> None:
    """Set ``export_version`` and append to ``conversion_info``, as aiida-core does after each step.

    ``aiida_version`` keeps naming the aiida-core that wrote the archive: provgraph is not
    aiida-core, and the history line says who converted it.
    """
    old_version = metadata.get("export_version")
    history = metadata.get("conversion_info")
    if not isinstance(history, list):
        history = []
    history.append(
        f"Converted from version {old_version} to {new_version} with provgraph v{installed_version()}"
    )
    metadata["conversion_info"] = history
    metadata["export_version"] = new_version
