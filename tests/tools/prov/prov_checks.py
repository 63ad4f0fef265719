"""Checks of PROV documents shared by the PROV tests (imported as ``tests.tools.prov.prov_checks``).

What the ``prov`` package (3.2) offers to validate a document, found by reading it: no
``is_valid``; ``ProvBundle.unified()`` applies PROV-CONSTRAINTS' key constraints (22, 23) and the
type impossibility constraints (53-55), raising ``ProvUnificationError``; its readers refuse
malformed input; and it ships the W3C PROV-XML schema (``prov/tests/schemas/prov.xsd``), which
lxml validates against. The tests use all three.
"""

from __future__ import annotations

import collections
import functools
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import prov
from lxml import etree
from prov.constants import PROV_N_MAP
from prov.identifier import QualifiedName
from prov.model import ProvActivity, ProvAgent, ProvBundle, ProvDocument, ProvEntity, ProvRecord

SCHEMA = Path(prov.__file__).parent / "tests" / "schemas" / "prov.xsd"


@functools.cache
def prov_xml_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def schema_errors(xml: bytes) -> list[str]:
    """The W3C PROV-XML schema's complaints about ``xml`` (empty: valid)."""
    schema = prov_xml_schema()
    if schema.validate(etree.fromstring(xml)):
        return []
    return [str(error) for error in schema.error_log]


def only_bundle(document: ProvDocument) -> ProvBundle:
    bundles = list(document.bundles)
    assert len(bundles) == 1, bundles
    return bundles[0]


def records(container: ProvBundle) -> Iterator[ProvRecord]:
    yield from container.get_records()


def counts(container: ProvBundle) -> collections.Counter[str]:
    """How many records of each kind (``entity``, ``used``, ...) ``container`` holds itself."""
    return collections.Counter(PROV_N_MAP[record.get_type()] for record in records(container))


def relations(container: ProvBundle) -> collections.Counter[tuple[Any, ...]]:
    """Every relation as (kind, formal attributes, other attributes), comparable across documents."""
    found: collections.Counter[tuple[Any, ...]] = collections.Counter()
    for record in records(container):
        if isinstance(record, (ProvEntity, ProvActivity, ProvAgent)):
            continue
        formal = tuple((uri(name), uri(value)) for name, value in record.formal_attributes)
        extra = tuple(sorted((uri(name), uri(value)) for name, value in record.extra_attributes))
        found[(PROV_N_MAP[record.get_type()], formal, extra)] += 1
    return found


def elements(container: ProvBundle) -> dict[str, set[str]]:
    """The identifiers (full URIs) of the entities, activities and agents of ``container``."""
    kinds = {"entity": ProvEntity, "activity": ProvActivity, "agent": ProvAgent}
    return {
        name: {uri(record.identifier) for record in container.get_records(kind)}
        for name, kind in kinds.items()
    }


def uri(value: Any) -> str:
    """A qualified name as its URI (prefixes may change in a round trip), anything else as text."""
    return value.uri if isinstance(value, QualifiedName) else str(value)


def read(path: Path, format: str, **options: Any) -> ProvDocument:
    """``prov.read`` of a file, quiet about rdflib's own deprecations (prov calls old rdflib names)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        document = prov.read(path, format=format, **options)
    assert document is not None
    return document
