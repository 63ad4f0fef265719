"""``func.spec()``: ports from the signature, type hints and docstring; what a call checks against them."""

from __future__ import annotations

import logging
import typing
from typing import Any

import pytest

from provgraph import orm
from provgraph.provenance import calcfunction, workfunction
from provgraph.provenance.ports import UNSPECIFIED, PortValidationError, infer_valid_type


@calcfunction
def hinted(a, b: str, c: int | float, d: orm.Str | orm.Int, *, e: dict | None = None, f=1):  # type: ignore[no-untyped-def]
    """Add things.

    :param a: The first.
    :param b: The second.
    """
    return orm.Int(1)


@workfunction
def flexible(x, *args, **kwargs):  # type: ignore[no-untyped-def]
    return x


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (int, (orm.Int,)),
        (bool, (orm.Bool,)),
        (typing.Dict, (orm.Dict,)),  # noqa: UP006
        (list, (orm.List,)),
        (orm.StructureData, (orm.StructureData,)),
        (str | int, (orm.Str, orm.Int)),
        (typing.Optional[dict], (orm.Dict,)),  # noqa: UP045  (None adds NoneType only as a default)
        (Any, ()),
        (None, ()),
        (set, ()),
    ],
)
def test_type_hints_map_to_node_classes(annotation: Any, expected: tuple[Any, ...]) -> None:
    assert infer_valid_type(annotation) == expected


def test_spec_ports_from_signature_hints_and_docstring() -> None:
    inputs = hinted.spec().inputs
    assert [name for name in inputs if name != "metadata"] == ["a", "b", "c", "d", "e", "f"]
    assert inputs["a"].valid_type == (orm.Data,)
    assert inputs["c"].valid_type == (orm.Int, orm.Float)
    assert inputs["e"].valid_type == (orm.Dict, type(None))
    assert (inputs["a"].help, inputs["b"].help, inputs["c"].help) == ("The first.", "The second.", None)
    assert inputs.help == "Add things."
    assert inputs["a"].required
    assert inputs["a"].default is UNSPECIFIED
    assert not inputs["f"].required
    assert inputs["f"].default == 1
    assert inputs["metadata"]["label"].default == "hinted"
    assert not inputs.dynamic
    assert flexible.spec().inputs.dynamic
    assert hinted.spec() is hinted.spec()  # built once
    assert hinted.spec().outputs.valid_type == (orm.Data, dict)


def test_a_call_checks_hinted_inputs_after_conversion() -> None:
    assert hinted(1, "b", 2.5, orm.Int(3)).value == 1
    with pytest.raises(ValueError, match=r"value 'c' is not of the right type. Got 'Str'"):
        hinted(1, "b", "not a number", orm.Int(3))
    with pytest.raises(PortValidationError, match="value 'd' is not of the right type"):
        hinted(1, "b", 2, orm.Float(3))


def test_an_unreadable_docstring_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    docstring_parser = pytest.importorskip("docstring_parser")

    def refuse(_: str) -> None:
        raise RuntimeError("unreadable")

    monkeypatch.setattr(docstring_parser, "parse", refuse)

    @calcfunction
    def documented():  # type: ignore[no-untyped-def]
        """Docstring."""

    with caplog.at_level(logging.WARNING):
        assert documented.spec().inputs.help is None
    assert "function `documented` has a docstring that could not be parsed" in caplog.text


def test_unreadable_type_hints_are_logged_and_ignored(caplog: pytest.LogCaptureFixture) -> None:
    @calcfunction
    def broken(a: NoSuchName):  # type: ignore[name-defined,no-untyped-def]  # noqa: F821
        return orm.Int(1)

    with caplog.at_level(logging.WARNING):
        assert broken.spec().inputs["a"].valid_type == (orm.Data,)
    assert "type hints that cannot be read" in caplog.text
