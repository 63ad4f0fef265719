"""aiida-core's ``aiida.engine.launch``: ``run``, ``run_get_node``, ``run_get_pk`` for process functions."""

from __future__ import annotations

from provgraph.provenance.launch import run, run_get_node, run_get_pk

__all__ = ["run", "run_get_node", "run_get_pk"]
