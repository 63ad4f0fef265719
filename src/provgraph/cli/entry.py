"""The installed ``provgraph`` console script: Ctrl-C at any moment ends with one line and code 130.

The console script imports this tiny module first, so an interrupt while the command modules are
still being imported (a slow file system, a cold cache) is caught here rather than printing a
traceback from the middle of an import.
"""

from __future__ import annotations

import gc
import sys

__all__ = ["main"]

_INTERRUPTED = 130


def main() -> None:
    """Run the ``provgraph`` command line."""
    # A command is a short process that makes many objects per row of a listing and few cycles:
    # the youngest generation is collected every 50,000 allocations instead of every 700.
    gc.set_threshold(50_000, 10, 10)
    try:
        from provgraph.cli.context import ProvgraphContext
        from provgraph.cli.main import cli

        cli(prog_name="provgraph", obj=ProvgraphContext(owns_process=True))
    except KeyboardInterrupt:
        sys.stderr.write("\nError: Interrupted.\n")
        sys.exit(_INTERRUPTED)
