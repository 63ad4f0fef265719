"""AiiDA's graph traversal rules: which links to follow, in which direction, for which job.

Deleting a node must take along everything that would be left meaningless without it (the
outputs of a deleted calculation); exporting a node must take along everything needed to
understand it (the calculation that created it, its inputs). Each job is a *ruleset*: for each
of the 12 (link type, direction) pairs, whether it is followed by default and whether a caller
may change that. The tables are aiida-core's (``spec/links-and-nodes.md``), so that
``delete_nodes`` and ``archive create`` select the same nodes as ``verdi``.

>>> from provgraph.tools.graph.rules import GraphTraversalRules, validate_traversal_rules
>>> applied = validate_traversal_rules(GraphTraversalRules.EXPORT, create_backward=False)
>>> applied.rules["create_backward"], applied.rules["create_forward"]
(False, True)
>>> validate_traversal_rules(GraphTraversalRules.EXPORT, create_forward=False)
Traceback (most recent call last):
...
ValueError: input rule create_forward is not toggleable for ruleset EXPORT
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from provgraph.common.links import LinkType
from provgraph.exceptions import InputValidationError

__all__ = [
    "RULE_NAMES",
    "AppliedRules",
    "Direction",
    "GraphTraversalRule",
    "GraphTraversalRules",
    "validate_traversal_rules",
]

Direction = Literal["forward", "backward"]


@dataclass(frozen=True)
class GraphTraversalRule:
    """Follow ``link_type`` links in ``direction`` (forward: source to target) or not."""

    link_type: LinkType
    direction: Direction
    toggleable: bool
    default: bool


def _name(link_type: LinkType, direction: Direction) -> str:
    return f"{link_type.value}_{direction}"


# The order of aiida-core's tables: it is the order of ``graph_traversal_rules`` in archives.
_ORDER: tuple[tuple[LinkType, Direction], ...] = tuple(
    (link_type, direction)
    for link_type in (
        LinkType.INPUT_CALC,
        LinkType.CREATE,
        LinkType.RETURN,
        LinkType.INPUT_WORK,
        LinkType.CALL_CALC,
        LinkType.CALL_WORK,
    )
    for direction in ("forward", "backward")
)

#: The 12 rule names, ``<link type>_<direction>``, in aiida-core's order.
RULE_NAMES: tuple[str, ...] = tuple(_name(link_type, direction) for link_type, direction in _ORDER)


def _ruleset(table: Mapping[str, tuple[bool, bool]]) -> Mapping[str, GraphTraversalRule]:
    """Rules from ``{name: (default, toggleable)}`` for all 12 names."""
    return MappingProxyType(
        {
            _name(link_type, direction): GraphTraversalRule(
                link_type,
                direction,
                toggleable=table[_name(link_type, direction)][1],
                default=table[_name(link_type, direction)][0],
            )
            for link_type, direction in _ORDER
        }
    )


# (default, toggleable) per rule.
_DELETE = {
    "input_calc_forward": (True, False),
    "input_calc_backward": (False, False),
    "create_forward": (True, True),
    "create_backward": (True, False),
    "return_forward": (False, False),
    "return_backward": (True, False),
    "input_work_forward": (True, False),
    "input_work_backward": (False, False),
    "call_calc_forward": (True, True),
    "call_calc_backward": (True, False),
    "call_work_forward": (True, True),
    "call_work_backward": (True, False),
}
_EXPORT = {
    "input_calc_forward": (False, True),
    "input_calc_backward": (True, False),
    "create_forward": (True, False),
    "create_backward": (True, True),
    "return_forward": (True, False),
    "return_backward": (False, True),
    "input_work_forward": (False, True),
    "input_work_backward": (True, False),
    "call_calc_forward": (True, False),
    "call_calc_backward": (True, True),
    "call_work_forward": (True, False),
    "call_work_backward": (True, True),
}


class GraphTraversalRules(enum.Enum):
    """The rulesets: ``DEFAULT`` (nothing followed, everything may be switched on), ``DELETE``, ``EXPORT``."""

    DEFAULT = _ruleset({name: (False, True) for name in RULE_NAMES})
    DELETE = _ruleset(_DELETE)
    EXPORT = _ruleset(_EXPORT)

    @property
    def rules(self) -> Mapping[str, GraphTraversalRule]:
        """Rule name -> rule, all 12, in aiida-core's order."""
        rules: Mapping[str, GraphTraversalRule] = self.value
        return rules

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class AppliedRules:
    """What a traversal follows once a ruleset's defaults and a caller's choices are combined."""

    #: All 12 names -> followed or not, in aiida-core's order (archives record this).
    rules: Mapping[str, bool]

    def link_types(self, direction: Direction) -> tuple[LinkType, ...]:
        """The link types followed in ``direction``."""
        return tuple(
            link_type
            for (link_type, way), name in zip(_ORDER, RULE_NAMES, strict=True)
            if way == direction and self.rules[name]
        )


def validate_traversal_rules(
    ruleset: GraphTraversalRules = GraphTraversalRules.DEFAULT, **traversal_rules: bool
) -> AppliedRules:
    """Combine ``ruleset``'s defaults with the caller's ``traversal_rules``, checked as aiida-core does.

    Raises ``ValueError`` for a rule the ruleset does not let callers change or a value that
    is not a bool, and ``InputValidationError`` for a name that is not a rule.
    """
    if not isinstance(ruleset, GraphTraversalRules):
        raise TypeError(f"ruleset must be a GraphTraversalRules member, got {ruleset!r}")
    unknown = sorted(set(traversal_rules) - set(RULE_NAMES))
    if unknown:
        raise InputValidationError(
            f"unknown graph traversal rules: {', '.join(unknown)}; the rules are {', '.join(RULE_NAMES)}"
        )
    applied: dict[str, bool] = {}
    for name, rule in ruleset.rules.items():
        follow = rule.default
        if name in traversal_rules:
            if not rule.toggleable:
                raise ValueError(f"input rule {name} is not toggleable for ruleset {ruleset}")
            follow = traversal_rules[name]
            if not isinstance(follow, bool):
                raise ValueError(f"the value of rule {name} must be boolean, but it is: {follow!r}")
        applied[name] = follow
    return AppliedRules(MappingProxyType(applied))
