"""Naming Python objects by an importable string and loading them back (plumpy's ``ObjectLoader``).

aiida-core stores such identifiers in attributes (an ``EnumData``'s enum class, a
``JsonableData``'s class) and reaches the loader through ``aiida.engine.get_object_loader``.

Example::

    from provgraph.common.object_loader import get_object_loader
    loader = get_object_loader()
    identifier = loader.identify_object(OrderedDict)      # 'collections:OrderedDict'
    loader.load_object(identifier) is OrderedDict         # True
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["ObjectLoader", "get_object_loader"]


class ObjectLoader:
    """``module:qualified.name`` identifiers for importable objects."""

    def identify_object(self, obj: Any) -> str:
        """The identifier of ``obj``; ``ValueError`` if loading it back would not give ``obj``."""
        identifier = f"{obj.__module__}:{obj.__qualname__}"
        try:
            loaded = self.load_object(identifier)
        except ValueError as error:
            raise ValueError(f"{obj!r} cannot be loaded back by name: {error}") from error
        if loaded is not obj:
            raise ValueError(f"{identifier} names another object than {obj!r} (defined in a function?)")
        return identifier

    def load_object(self, identifier: str) -> Any:
        """The object ``identifier`` names; ``ValueError`` if there is none."""
        module_name, separator, name = identifier.partition(":")
        if not separator:
            module_name, _, name = identifier.rpartition(".")
        try:
            target: Any = importlib.import_module(module_name)
        except ImportError as error:
            raise ValueError(f"cannot import module {module_name!r} of {identifier!r}") from error
        for part in name.split("."):
            try:
                target = getattr(target, part)
            except AttributeError as error:
                raise ValueError(f"{identifier!r}: no {part!r} in {target!r}") from error
        return target


_LOADER = ObjectLoader()


def get_object_loader() -> ObjectLoader:
    """The process-wide loader."""
    return _LOADER
