"""Package namespaces whose names are imported on first use (PEP 562).

A package ``__init__`` that re-exports its public names eagerly makes every import of any of its
submodules pay for all of them: importing ``provgraph.exceptions`` would load the ORM and
SQLAlchemy, and so would the command line's ``--help``. :func:`lazy_exports` gives such a package
a module ``__getattr__`` that imports a name's module only when the name is first read.

>>> getattr_, dir_ = lazy_exports("pkg", {"dumps": ("json", "dumps")}, {})
>>> getattr_("dumps")({"a": 1})
'{"a": 1}'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, names: Mapping[str, tuple[str, str | None]], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` for ``package`` resolving ``names`` on first use.

    ``names`` maps each public name to ``(module, attribute)``; attribute ``None`` stands for the
    module itself. A resolved name is stored in ``namespace`` (the package's ``globals()``), so it
    is looked up only once.
    """

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, attribute = names[name]
        module = import_module(module_name)
        value = module if attribute is None else getattr(module, attribute)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *names})

    return __getattr__, __dir__
