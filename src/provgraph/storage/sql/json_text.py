"""Values to JSON text for the JSON columns, the same on every dialect.

The engines use it as SQLAlchemy's ``json_serializer``; the QueryBuilder uses it for the JSON
literals it compares with, so a literal and a stored value are serialised alike.
"""

from __future__ import annotations

import json
from typing import Any

from provgraph.exceptions import InputValidationError
from provgraph.storage.abstract import JsonText

__all__ = ["json_dumps"]

# One shared encoder: ``json.dumps`` with a non-default option builds a new encoder per call,
# which costs as much as encoding a small dict. Encoding keeps no state, so sharing is safe.
_JSON_ENCODER = json.JSONEncoder(allow_nan=False)


def json_dumps(value: Any) -> str:
    """Serialise for a JSON column; NaN and infinities are refused rather than stored unreadable.

    :class:`~provgraph.storage.abstract.JsonText` is JSON text already and is written as it is.
    """
    if type(value) is JsonText:
        return str(value)
    try:
        return _JSON_ENCODER.encode(value)
    except ValueError as exc:
        raise InputValidationError(
            f"JSON cannot hold NaN or infinite floats ({exc}); store None or a string instead"
        ) from exc
