"""Write the PROV document of a profile, or of chosen nodes, to a file: PROV-JSON, PROV-N, PROV-XML or RDF.

The format is named, or read from the file's suffix: ``.json``, ``.provn``, ``.xml``, and for
RDF (PROV-O) ``.trig`` (TriG, the default RDF syntax: the only one here that keeps the bundle,
as a named graph), ``.ttl`` (Turtle) and ``.rdf`` (RDF/XML); any other suffix means PROV-JSON.
The file is written beside its destination and renamed into place, so a failure leaves no
partial file, and an existing file is replaced only when asked.

Example::

    from provgraph import orm
    from provgraph.tools.prov import export_prov

    summary = export_prov([orm.load_group("results")], "results.provn")
    print(summary.entities, summary.activities)
    export_prov(None, "everything.trig", overwrite=True)   # the whole profile, as PROV-O in TriG
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from prov.constants import PROV_N_MAP
from prov.model import ProvActivity, ProvAgent, ProvDocument, ProvEntity, ProvRelation

from provgraph.exceptions import InputValidationError
from provgraph.storage.abstract import StorageBackend
from provgraph.tools.graph.traversal import FILTER_SIZE
from provgraph.tools.prov.document import Progress, prov_document

__all__ = ["PROV_FORMATS", "ProvSummary", "export_prov", "format_for", "serialise"]

#: The formats, as the ``prov`` package names them.
PROV_FORMATS: Final = ("json", "provn", "xml", "rdf")

_SUFFIX_FORMATS: Final = {
    ".json": "json",
    ".provn": "provn",
    ".xml": "xml",
    ".trig": "rdf",
    ".ttl": "rdf",
    ".rdf": "rdf",
}
# rdflib's name of the RDF syntax written for a suffix (TriG for any other).
_RDF_SYNTAX: Final = {".ttl": "turtle", ".rdf": "xml"}


@dataclass(frozen=True)
class ProvSummary:
    """What :func:`export_prov` wrote: the file, its format and how many records of each kind."""

    path: Path
    format: str
    entities: int
    activities: int
    agents: int
    #: Relation name (``used``, ``wasGeneratedBy``, ...) -> how many.
    relations: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def table(self) -> list[tuple[str, str]]:
        """(name, count) rows for a summary table."""
        rows = [
            ("entities", str(self.entities)),
            ("activities", str(self.activities)),
            ("agents", str(self.agents)),
        ]
        return rows + [(name, str(count)) for name, count in sorted(self.relations.items())]


def format_for(path: str | Path, format: str | None = None) -> str:
    """The format to write ``path`` in: ``format`` if given (checked), else from the suffix, else json."""
    if format is None:
        return _SUFFIX_FORMATS.get(Path(path).suffix.lower(), "json")
    if format not in PROV_FORMATS:
        raise InputValidationError(f"unknown PROV format {format!r}: choose one of {', '.join(PROV_FORMATS)}")
    return format


def export_prov(
    entities: Iterable[Any] | None,
    filename: str | Path,
    *,
    format: str | None = None,
    overwrite: bool = False,
    backend: StorageBackend | None = None,
    batch_size: int = 1000,
    filter_size: int = FILTER_SIZE,
    progress: Progress | None = None,
    **traversal_rules: bool,
) -> ProvSummary:
    """Write the PROV document of ``entities`` (nodes, groups; None: everything) to ``filename``.

    ``format`` is one of :data:`PROV_FORMATS` (None: from the suffix). An existing file is
    refused (``InputValidationError``) unless ``overwrite``. ``traversal_rules`` and the sizes
    and ``progress`` are :func:`~provgraph.tools.prov.document.prov_document`'s.

    >>> export_prov(None, "all.provn").activities  # doctest: +SKIP
    15
    """
    started = time.monotonic()
    path = _check_destination(filename, overwrite)
    chosen = format_for(path, format)
    document = prov_document(
        entities,
        backend=backend,
        batch_size=batch_size,
        filter_size=filter_size,
        progress=progress,
        **traversal_rules,
    )
    if progress is not None:
        progress(f"Writing {path.name}", 0, None)
    _write(document, path, chosen)
    return _summary(document, path, chosen, time.monotonic() - started)


def serialise(document: ProvDocument, stream: Any, format: str, suffix: str = "") -> None:
    """Write ``document`` to the binary ``stream`` in ``format`` (RDF syntax from ``suffix``)."""
    options: dict[str, Any] = {}
    if format == "rdf":
        options["rdf_format"] = _RDF_SYNTAX.get(suffix.lower(), "trig")
    with warnings.catch_warnings():
        # rdflib 7.x warns about its own deprecated names when prov calls it: nothing to act on here.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        document.serialize(stream, format=format, **options)


def _check_destination(filename: Any, overwrite: bool) -> Path:
    if not isinstance(filename, (str, os.PathLike)):
        raise TypeError(f"filename must be a str or a Path, got {filename!r}")
    path = Path(filename)
    if path.exists() and not path.is_file():
        raise InputValidationError(f"the output file '{path}' exists as a directory; choose a file name")
    if path.exists() and not overwrite:
        raise InputValidationError(
            f"the output file '{path}' already exists; pass overwrite (--force) to replace it"
        )
    return path


def _write(document: ProvDocument, path: Path, format: str) -> None:
    """Serialise into a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            serialise(document, stream, format, path.suffix)
        os.replace(temporary, path)
    except ValueError as exc:
        Path(temporary).unlink(missing_ok=True)
        culprit = _not_for_xml(document) if format == "xml" else None
        if culprit is None:
            raise
        raise InputValidationError(
            f"{culprit} holds a character XML cannot carry; export as json, provn or rdf instead"
        ) from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _not_for_xml(document: ProvDocument) -> str | None:
    """The first record attribute (as "the value of NAME of RECORD") with a character XML 1.0 forbids.

    PROV-XML cannot write such a value (a control character in a label or a traceback): lxml refuses it.
    """
    for bundle in (document, *document.bundles):
        for record in bundle.get_records():
            for name, value in record.attributes:
                text = value if isinstance(value, str) else getattr(value, "value", None)
                if isinstance(text, str) and _XML_FORBIDDEN.search(text):
                    return f"the value of {name} of {record.identifier}"
    return None


def _summary(document: ProvDocument, path: Path, format: str, seconds: float) -> ProvSummary:
    counts: Counter[str] = Counter()
    for bundle in document.bundles:
        counts.update(_kind(record) for record in bundle.get_records())
    relations = {name: count for name, count in counts.items() if name not in _ELEMENTS}
    return ProvSummary(
        path,
        format,
        entities=counts["entity"],
        activities=counts["activity"],
        agents=counts["agent"],
        relations=relations,
        seconds=seconds,
    )


_ELEMENTS: Final = frozenset({"entity", "activity", "agent"})
# Characters outside XML 1.0's Char production.
_XML_FORBIDDEN: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _kind(record: Any) -> str:
    if isinstance(record, ProvEntity):
        return "entity"
    if isinstance(record, ProvActivity):
        return "activity"
    if isinstance(record, ProvAgent):
        return "agent"
    if isinstance(record, ProvRelation):
        return PROV_N_MAP[record.get_type()]
    return type(record).__name__
