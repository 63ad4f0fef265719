"""Writing processes and groups to folders in aiida-core's ``verdi process dump`` layout.

``ProcessNode.dump`` and ``Group.dump`` call :func:`dump_process` and :func:`dump_group`.
"""

from __future__ import annotations

from provgraph.orm.dumping.group import GroupDumpFilters, dump_group
from provgraph.orm.dumping.process import ProcessDumpOptions, dump_process

__all__ = ["GroupDumpFilters", "ProcessDumpOptions", "dump_group", "dump_process"]
