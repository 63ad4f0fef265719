"""Dicts whose keys read as attributes (aiida-core's ``aiida.common.extendeddicts``).

Example::

    from provgraph.common import AttributeDict
    options = AttributeDict({"resources": {"num_machines": 1}})
    options.resources          # {'num_machines': 1}
    options.walltime = 3600    # same as options["walltime"] = 3600
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, ClassVar

__all__ = ["AttributeDict", "DefaultFieldsAttributeDict", "FixedFieldsAttributeDict"]


class AttributeDict(dict[str, Any]):
    """A dict whose keys are also attributes; a missing attribute raises ``AttributeError``."""

    def __init__(self, dictionary: Any = None) -> None:
        super().__init__(dictionary or {})

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({dict.__repr__(self)})"

    def __getattr__(self, attr: str) -> Any:
        try:
            return self[attr]
        except KeyError:
            raise AttributeError(f"{self.__class__.__name__!r} object has no attribute {attr!r}") from None

    def __setattr__(self, attr: str, value: Any) -> None:
        self[attr] = value

    def __delattr__(self, attr: str) -> None:
        try:
            del self[attr]
        except KeyError:
            raise AttributeError(f"{self.__class__.__name__!r} object has no attribute {attr!r}") from None

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> AttributeDict:
        return self.__class__(copy.deepcopy(dict(self), memo))

    def __getstate__(self) -> dict[str, Any]:
        return dict(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.update(state)

    def __dir__(self) -> Iterable[str]:
        return [*super().__dir__(), *self.keys()]


class FixedFieldsAttributeDict(AttributeDict):
    """An ``AttributeDict`` that accepts only the keys in ``_valid_fields``."""

    _valid_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, init: Any = None) -> None:
        super().__init__()
        for key, value in dict(init or {}).items():
            self[key] = value

    def __setitem__(self, item: str, value: Any) -> None:
        if item not in self._valid_fields:
            raise KeyError(
                f"{item!r} is not a valid key of {self.__class__.__name__}: {list(self._valid_fields)}"
            )
        super().__setitem__(item, value)

    def __setattr__(self, attr: str, value: Any) -> None:
        self[attr] = value

    @classmethod
    def get_valid_fields(cls) -> tuple[str, ...]:
        """The keys this class accepts."""
        return cls._valid_fields


class DefaultFieldsAttributeDict(AttributeDict):
    """An ``AttributeDict`` whose ``_default_fields`` read as None until set."""

    _default_fields: ClassVar[tuple[str, ...]] = ()

    def __getitem__(self, key: str) -> Any:
        try:
            return super().__getitem__(key)
        except KeyError:
            if key in self._default_fields:
                return None
            raise

    @classmethod
    def get_default_fields(cls) -> list[str]:
        """The keys that read as None until set."""
        return list(cls._default_fields)

    def defaults(self) -> dict[str, Any]:
        """The default fields and their values."""
        return {key: self.get(key) for key in self._default_fields}

    def extras(self) -> dict[str, Any]:
        """The keys that are not default fields and their values."""
        return {key: value for key, value in self.items() if key not in self._default_fields}
