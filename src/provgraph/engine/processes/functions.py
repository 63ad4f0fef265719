"""aiida-core's ``aiida.engine.processes.functions``: the ``calcfunction`` and ``workfunction`` decorators.

``FunctionProcess`` is provgraph's :class:`~provgraph.provenance.functions.ProcessFunction`, the
object a decorated function becomes (aiida-core builds a process class per function instead).
"""

from __future__ import annotations

from provgraph.provenance.functions import ProcessFunction as FunctionProcess
from provgraph.provenance.functions import calcfunction, workfunction
from provgraph.provenance.ports import infer_valid_type as infer_valid_type_from_type_annotation

__all__ = ["FunctionProcess", "calcfunction", "infer_valid_type_from_type_annotation", "workfunction"]
