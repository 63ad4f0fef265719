"""The provenance graph in W3C PROV: PROV-JSON, PROV-N, PROV-XML and PROV-O (RDF) files.

The mapping from nodes, links and users to PROV records is in ``docs/prov.md``. The names are
loaded when first used, so that importing this package does not import the ``prov`` package:

>>> from provgraph.tools.prov import export_prov, prov_document
>>> export_prov(None, "everything.provn")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provgraph.tools.prov.document import prov_document
    from provgraph.tools.prov.export import PROV_FORMATS, ProvSummary, export_prov

__all__ = ["PROV_FORMATS", "ProvSummary", "export_prov", "prov_document"]

# Public name -> the module defining it.
_MODULES = {
    "PROV_FORMATS": "provgraph.tools.prov.export",
    "ProvSummary": "provgraph.tools.prov.export",
    "export_prov": "provgraph.tools.prov.export",
    "prov_document": "provgraph.tools.prov.document",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_MODULES[name]), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
