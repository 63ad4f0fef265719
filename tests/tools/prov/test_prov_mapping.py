"""The pure parts of the PROV mapping: identifiers that every PROV format accepts, values, formats."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prov.model import ProvDocument

import provgraph.tools.prov as prov_package
from provgraph.exceptions import CorruptStorage, InputValidationError
from provgraph.tools.prov import document as document_module
from provgraph.tools.prov import export as export_module
from provgraph.tools.prov import mapping
from provgraph.tools.prov.export import PROV_FORMATS, format_for
from provgraph.tools.prov.mapping import (
    ATTRIBUTE,
    ATTRIBUTE_JSON,
    NODE,
    add_link,
    attribute_entry,
    local_name,
    original_name,
)

# An ASCII XML NCName (what local_name promises): a letter or "_", then letters, digits, "_-.".
NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@pytest.mark.parametrize(
    "module", [prov_package, mapping, document_module, export_module], ids=lambda module: module.__name__
)
def test_module_examples_run(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False)  # type: ignore[arg-type]
    assert result.failed == 0


@given(st.text())
def test_local_names_are_ncnames_and_reversible(text: str) -> None:
    name = local_name(text)
    assert NCNAME.match(name), name
    assert original_name(name) == text


@given(st.text(), st.text())
def test_local_names_do_not_collide(first: str, second: str) -> None:
    assert (local_name(first) == local_name(second)) == (first == second)


@pytest.mark.parametrize(
    ("value", "namespace", "converted"),
    [
        ("text", ATTRIBUTE, "text"),
        (True, ATTRIBUTE, True),
        (2**40, ATTRIBUTE, 2**40),
        (1.5, ATTRIBUTE, 1.5),
        (None, ATTRIBUTE_JSON, "null"),
        (float("inf"), ATTRIBUTE_JSON, "Infinity"),
        ([1, "ü"], ATTRIBUTE_JSON, '[1, "ü"]'),
        ({"b": 1, "a": {}}, ATTRIBUTE_JSON, '{"a": {}, "b": 1}'),
    ],
)
def test_attribute_values(value: object, namespace: object, converted: object) -> None:
    name, result = attribute_entry("key", value)
    assert name.namespace == namespace
    assert (result, type(result)) == (converted, type(converted))


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("a.json", "json"),
        ("a.PROVN", "provn"),
        ("a.xml", "xml"),
        ("a.trig", "rdf"),
        ("a.ttl", "rdf"),
        ("a.rdf", "rdf"),
        ("a.prov", "json"),
        ("noext", "json"),
    ],
)
def test_format_from_suffix(filename: str, expected: str) -> None:
    assert format_for(Path(filename)) == expected


def test_a_named_format_is_checked() -> None:
    assert [format_for("a.json", name) for name in PROV_FORMATS] == list(PROV_FORMATS)
    with pytest.raises(InputValidationError, match="unknown PROV format 'JSON'"):
        format_for("a.json", "JSON")


def test_unknown_link_type() -> None:
    bundle = ProvDocument().bundle(NODE["b"])
    with pytest.raises(CorruptStorage, match="node:a -> node:b has the unknown type 'sideways'"):
        add_link(bundle, NODE["a"], NODE["b"], "sideways", "x")
