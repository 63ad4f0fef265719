"""The kinds of links between nodes; values are the strings stored in ``db_dblink.type``."""

from __future__ import annotations

import enum

__all__ = ["LinkType"]


class LinkType(str, enum.Enum):
    """What a link means: which process created, consumed, returned or called which node."""

    CREATE = "create"
    RETURN = "return"
    INPUT_CALC = "input_calc"
    INPUT_WORK = "input_work"
    CALL_CALC = "call_calc"
    CALL_WORK = "call_work"
