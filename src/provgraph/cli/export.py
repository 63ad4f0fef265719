"""``provgraph export``: the provenance graph in formats beyond AiiDA's archives.

Each format is a subcommand in a module of its own, imported only when it runs (so ``provgraph
export --help`` loads neither the ORM nor the format's library).
"""

from __future__ import annotations

import click

from provgraph.cli.context import ProvgraphGroup

__all__ = ["EXPORT_COMMANDS", "export"]

#: Every export format: subcommand name -> "module:attribute".
EXPORT_COMMANDS: dict[str, str] = {
    "prov": "provgraph.cli.export_prov:prov",
    "ro-crate": "provgraph.cli.export_ro_crate:ro_crate",
}


@click.group(cls=ProvgraphGroup, lazy_commands=EXPORT_COMMANDS)
def export() -> None:
    """Export the provenance graph as W3C PROV or as an RO-Crate."""
