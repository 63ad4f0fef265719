"""``EnumData``: one member of a Python ``Enum`` (AiiDA's ``data.core.enum.EnumData.``).

The member is stored as AiiDA stores it: its ``name``, its ``value`` and the ``identifier`` of
its class, ``"module:ClassName"``. The class is imported again by that identifier to rebuild
the member, so it must be importable by anyone who loads the node: a class defined inside a
function is refused when the node is made, not when someone later fails to load it.
"""

from __future__ import annotations

import importlib
from enum import Enum
from typing import Any

from provgraph.orm.nodes.data.data import Data

__all__ = ["EnumData"]

KEY_NAME = "name"
KEY_VALUE = "value"
KEY_IDENTIFIER = "identifier"


def identify_enum(enum_class: type[Enum]) -> str:
    """The identifier of ``enum_class``; ``ValueError`` if it could not be imported back from it."""
    identifier = f"{enum_class.__module__}:{enum_class.__qualname__}"
    try:
        found = load_enum(identifier)
    except ImportError as exc:
        raise ValueError(
            f"the enum {enum_class.__qualname__} cannot be imported back from {identifier!r} ({exc}); "
            "define it at the top level of an importable module"
        ) from None
    if found is not enum_class:
        raise ValueError(
            f"{identifier!r} names another class than the enum {enum_class.__qualname__}; "
            "define it at the top level of an importable module"
        )
    return identifier


def load_enum(identifier: str) -> type[Enum]:
    """Import the enum class named ``"module:QualName"``; ``ImportError`` says what is missing."""
    module_name, _, qualname = identifier.partition(":")
    if not module_name or not qualname:
        raise ImportError(f"enum identifier {identifier!r} is not of the form 'module:ClassName'")
    try:
        found: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(f"cannot import module {module_name!r} of enum {identifier!r}: {exc}") from exc
    for part in qualname.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise ImportError(f"module {module_name!r} has no {qualname!r} (enum {identifier!r})") from None
    if not (isinstance(found, type) and issubclass(found, Enum)):
        raise ImportError(f"{identifier!r} is a {type(found).__name__}, not an Enum class")
    return found


class EnumData(Data, node_type="data.core.enum.EnumData."):
    """Wraps an enum member; ``get_member()`` gives it back (its class imported by identifier)."""

    KEY_NAME = KEY_NAME
    KEY_VALUE = KEY_VALUE
    KEY_IDENTIFIER = KEY_IDENTIFIER

    def __init__(self, member: Enum, **kwargs: Any) -> None:
        if not isinstance(member, Enum):
            kind = type(member).__name__
            raise TypeError(f"Got object of type {kind} ({member!r}), expecting an Enum member.")
        identifier = identify_enum(type(member))
        super().__init__(**kwargs)
        self.base.attributes.set_many(
            {KEY_NAME: member.name, KEY_VALUE: member.value, KEY_IDENTIFIER: identifier}
        )

    @property
    def name(self) -> str:
        return str(self.base.attributes.get(KEY_NAME))

    @property
    def value(self) -> Any:
        return self.base.attributes.get(KEY_VALUE)

    @property
    def identifier(self) -> str:
        return str(self.base.attributes.get(KEY_IDENTIFIER))

    @property
    def member(self) -> Enum:
        return self.get_member()

    def get_enum(self) -> type[Enum]:
        """The enum class, imported by its identifier (``ImportError`` if that is no longer possible)."""
        return load_enum(self.identifier)

    def get_member(self) -> Enum:
        """The member, looked up by value in its class (``ValueError`` if the class changed since)."""
        enum_class = self.get_enum()
        value = self.value
        # A tuple value comes back from JSON as a list: try it as a tuple too.
        candidates = [value, tuple(value)] if isinstance(value, list) else [value]
        for candidate in candidates:
            try:
                return enum_class(candidate)
            except ValueError:
                continue
        raise ValueError(
            f"The stored value `{value}` is no longer a valid value for the enum `{self.identifier}` "
            f"(member {self.name!r} when stored); the enum's definition changed since"
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Enum):
            try:
                return self.get_member() == other
            except (ImportError, ValueError):
                return False
        if isinstance(other, EnumData):
            return self.base.attributes.all == other.base.attributes.all
        return False

    __hash__ = Data.__hash__  # by uuid, so an EnumData stays usable in sets and as a key
