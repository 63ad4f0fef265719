"""The provenance graph for readers outside AiiDA: W3C PROV files and RO-Crates.

W3C PROV as PROV-JSON, PROV-N, PROV-XML and PROV-O (RDF) (``export_prov``), and RO-Crate 1.1
with the Provenance Run Crate profile (``export_ro_crate``).

The mappings are in ``docs/prov.md`` and ``docs/ro-crate.md``. The names are loaded when first
used, so that importing this package imports neither the ``prov`` nor the ``rocrate`` package:

>>> from provgraph.tools.prov import export_prov, prov_document
>>> export_prov(None, "everything.provn")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provgraph.tools.prov.document import prov_document
    from provgraph.tools.prov.export import PROV_FORMATS, ProvSummary, export_prov
    from provgraph.tools.prov.rocrate import RoCrateSummary, export_ro_crate

__all__ = ["PROV_FORMATS", "ProvSummary", "RoCrateSummary", "export_prov", "export_ro_crate", "prov_document"]

# Public name -> the module defining it.
_MODULES = {
    "PROV_FORMATS": "provgraph.tools.prov.export",
    "ProvSummary": "provgraph.tools.prov.export",
    "export_prov": "provgraph.tools.prov.export",
    "prov_document": "provgraph.tools.prov.document",
    "RoCrateSummary": "provgraph.tools.prov.rocrate",
    "export_ro_crate": "provgraph.tools.prov.rocrate",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_MODULES[name]), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
