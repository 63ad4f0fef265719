"""Link types and link labels: what a link between two nodes means and how it may be named.

aiida-core keeps these in ``aiida.common.links``; so does provgraph, below the ORM, so that code
at every layer can name a link type without importing the ORM.

Example::

    from provgraph.common.links import LinkType, validate_link_label
    validate_link_label("result")          # returns "result"
    LinkType("create") is LinkType.CREATE  # True
"""

from __future__ import annotations

import enum
import functools
import re
from typing import Any

from provgraph.exceptions import LinkValidationError

__all__ = ["LinkType", "validate_link_label"]

_LABEL = re.compile(r"[A-Za-z0-9_]+")
_LABEL_MAX = 255  # db_dblink.label is VARCHAR(255)


class LinkType(str, enum.Enum):
    """What a link means: which process created, consumed, returned or called which node.

    The values are the strings stored in ``db_dblink.type``.
    """

    CREATE = "create"
    RETURN = "return"
    INPUT_CALC = "input_calc"
    INPUT_WORK = "input_work"
    CALL_CALC = "call_calc"
    CALL_WORK = "call_work"


def validate_link_label(link_label: Any) -> str:
    """Return the label if it is valid: letters, digits and ``_``, a Python identifier, no ``_`` at the ends.

    Nested port namespaces are flattened with ``__`` (``parameters__x``). A label that is not a
    string or breaks a rule raises ``LinkValidationError``, which is also a ``ValueError`` as in
    aiida-core.
    """
    if not isinstance(link_label, str):
        raise LinkValidationError(f"link label {link_label!r} is a {type(link_label).__name__}, not a str")
    problem = _label_problem(link_label)
    if problem:
        raise LinkValidationError(f"invalid link label {link_label!r}: a label {problem}")
    return link_label


@functools.lru_cache(maxsize=4096)
def _label_problem(link_label: str) -> str | None:
    """What is wrong with a label, or None; cached, since a few labels recur in every call."""
    if not _LABEL.fullmatch(link_label):
        return "may contain only letters, digits and underscores"
    if link_label.startswith("_") or link_label.endswith("_"):
        return "may not start or end with an underscore"
    if not link_label.isidentifier():
        return "must be a valid Python identifier (no leading digit)"
    if len(link_label) > _LABEL_MAX:
        return f"may be at most {_LABEL_MAX} characters long"
    return None
