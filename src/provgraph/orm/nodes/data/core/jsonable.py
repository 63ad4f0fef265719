"""``JsonableData``: any object with ``as_dict()`` (AiiDA's ``data.core.jsonable.JsonableData.``).

The attributes are the object's ``as_dict()`` plus ``@module`` and ``@class`` (pymatgen's
``MSONable`` convention, which aiida-core follows), so ``obj`` can rebuild it with the class's
``from_dict``. NaN and the infinities, which the database's JSON cannot hold,
are kept as the strings ``'NaN'``, ``'Infinity'`` and ``'-Infinity'`` that Python's ``json``
writes for them, and turned back into floats when the object is rebuilt.
"""

from __future__ import annotations

import importlib
import json
import math
from typing import Any, Protocol, runtime_checkable

from provgraph.orm.nodes.data.data import Data

__all__ = ["JsonSerializableProtocol", "JsonableData"]

_MODULE_KEY = "@module"
_CLASS_KEY = "@class"
_FLOAT_CONSTANTS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


@runtime_checkable
class JsonSerializableProtocol(Protocol):
    """What ``JsonableData`` wraps: an object whose ``as_dict()`` is a JSON-serializable dict."""

    def as_dict(self) -> dict[str, Any]: ...


class JsonableData(Data, node_type="data.core.jsonable.JsonableData."):
    """Wraps an object that has ``as_dict()``; ``obj`` gives it back (rebuilt once after loading)."""

    _obj: Any = None  # class default: a loaded node rebuilds the object on first use

    def __init__(self, obj: JsonSerializableProtocol, *args: Any, **kwargs: Any) -> None:
        if obj is None:
            raise TypeError("the `obj` argument cannot be `None`.")
        if not callable(getattr(obj, "as_dict", None)):
            raise TypeError("the `obj` argument does not have the required `as_dict` method.")
        super().__init__(*args, **kwargs)
        dictionary = dict(obj.as_dict())
        dictionary.setdefault(_CLASS_KEY, type(obj).__name__)
        dictionary.setdefault(_MODULE_KEY, type(obj).__module__)
        try:
            # One trip through Python's json: NaN and the infinities stay the strings json wrote.
            serialized = json.loads(json.dumps(dictionary), parse_constant=lambda constant: constant)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"the object `{obj}` is not JSON-serializable and therefore cannot be stored. ({exc})"
            ) from exc
        self.base.attributes.set_many(serialized)
        self._obj = obj

    @property
    def the_module(self) -> str:
        """The module of the wrapped object's class."""
        return str(self.base.attributes.get(_MODULE_KEY, ""))

    @property
    def the_class(self) -> str:
        """The name of the wrapped object's class."""
        return str(self.base.attributes.get(_CLASS_KEY, ""))

    @property
    def obj(self) -> Any:
        """The wrapped object: the one given, or for a loaded node, rebuilt from the attributes
        (``ImportError`` if its class can no longer be imported). Rebuilt once per node object:
        a stored node's attributes cannot change."""
        if self._obj is None:
            self._obj = self._rebuild()
        return self._obj

    def _rebuild(self) -> Any:
        attributes = self.base.attributes.all
        module_name = str(attributes.pop(_MODULE_KEY, ""))
        class_name = str(attributes.pop(_CLASS_KEY, ""))
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ImportError(f"the objects module `{module_name}` can not be imported.") from exc
        try:
            cls = getattr(module, class_name)
        except AttributeError as exc:
            raise ImportError(
                f"the objects module `{module_name}` does not contain the class `{class_name}`."
            ) from exc
        from_dict = getattr(cls, "from_dict", None)
        if not callable(from_dict):
            raise TypeError(
                f"the class `{module_name}.{class_name}` has no `from_dict` to rebuild the object"
            )
        return from_dict(_float_constants(attributes))


def _float_constants(value: Any) -> Any:
    """``value`` with the strings json writes for NaN and the infinities turned back into floats."""
    if isinstance(value, dict):
        return {key: _float_constants(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_float_constants(item) for item in value]
    if isinstance(value, str):
        return _FLOAT_CONSTANTS.get(value, value)
    return value
