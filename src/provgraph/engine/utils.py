"""aiida-core's ``aiida.engine.utils``: what applies without an engine (``is_process_function``)."""

from __future__ import annotations

from provgraph.provenance.functions import is_process_function

__all__ = ["is_process_function"]
