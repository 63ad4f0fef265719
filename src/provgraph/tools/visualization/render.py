"""Turn a picture into a file: DOT text always, SVG / PNG / PDF through graphviz's ``dot`` program.

DOT needs nothing installed beyond the ``graphviz`` Python package (it writes the text itself);
the other formats run ``dot``, which Debian's ``graphviz`` package provides. Without it the
error says how to install it and that ``dot`` output works meanwhile.

    >>> from provgraph.tools.visualization import Graph, render
    >>> render(Graph(), "svg")[:5]                        # doctest: +SKIP
    b'<?xml'
"""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

from provgraph.exceptions import InputValidationError, InvalidOperation

if TYPE_CHECKING:
    from provgraph.tools.visualization.graph import Graph

__all__ = ["RENDER_FORMATS", "render"]

RENDER_FORMATS = ("svg", "png", "pdf", "dot")
"""What :func:`render` writes; all but ``dot`` need graphviz's ``dot`` program."""

_TIMEOUT = 120  # seconds; a picture graphviz needs longer for is too large to read anyway


def render(graph: Graph, output_format: str) -> bytes:
    """The picture as ``output_format`` (one of :data:`RENDER_FORMATS`), as bytes."""
    if output_format not in RENDER_FORMATS:
        raise InputValidationError(
            f"unknown format {output_format!r}; use one of {', '.join(RENDER_FORMATS)}"
        )
    source: str = graph.graphviz.source
    if output_format == "dot":
        return source.encode()
    program = shutil.which("dot")
    if program is None:
        raise InvalidOperation(
            f"drawing {output_format} needs graphviz's dot program, which is not installed "
            "(Debian: apt-get install graphviz); --format dot writes the graph without it"
        )
    try:
        done = subprocess.run(
            [program, f"-T{output_format}"],
            input=source.encode(),
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InvalidOperation(
            f"graphviz's dot took more than {_TIMEOUT} s: draw fewer nodes, or frame or fold the workflows "
            "(Graph.cluster_workflows / fold_workflows): hundreds of call links are what makes dot slow"
        ) from None
    if done.returncode != 0:
        reason = " ".join(done.stderr.decode(errors="replace").split()) or f"exit code {done.returncode}"
        raise InvalidOperation(f"graphviz's dot could not draw the picture: {reason}")
    picture: bytes = done.stdout
    return picture
