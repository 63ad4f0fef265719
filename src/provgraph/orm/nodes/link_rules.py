"""The rules a new link must obey (AiiDA's ``validate_link``): endpoints, label, degree, cycles.

Every check runs before anything is written, so a rejected link leaves the graph as it was.
Uniqueness ("degree") counts the links already stored plus the target's unstored incoming cache;
each check costs at most one ``COUNT`` query, and none for the side of a link whose node is not
stored yet (an unstored node has no stored links): a process function links its unstored process
node to inputs and outputs without a single query. Label checks are cached per label.

Endpoints are named by role, not by class: each node class says which role it plays in links
(``Data._link_role = "data"``, ``CalculationNode._link_role = "calculation"``, ...), so these
rules need no import of the classes they constrain and sit below them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provgraph.common.links import validate_link_label
from provgraph.exceptions import LinkArgumentTypeError, LinkValidationError
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.types import is_node
from provgraph.storage.abstract import EntityTypes

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node

__all__ = ["Degree", "LinkRule", "Role", "link_rule", "validate_link", "validate_link_label"]


# Links along which provenance flows forward: closing a loop with one of them is a cycle.
CYCLE_CHECKED = frozenset({LinkType.CREATE, LinkType.INPUT_CALC, LinkType.INPUT_WORK})


class Degree(enum.Enum):
    """How many links of one type a node may have in one direction."""

    UNIQUE = "unique"  # at most one, whatever the label
    UNIQUE_PAIR = "unique_pair"  # labels unique among this node's links of the type
    UNIQUE_TRIPLE = "unique_triple"  # no exact duplicate (same other node, type and label)


class Role(enum.Enum):
    """What a node class is in links; a class declares it as ``_link_role`` (None: no links)."""

    DATA = "Data"
    CALCULATION = "CalculationNode"
    WORKFLOW = "WorkflowNode"


@dataclass(frozen=True, slots=True)
class LinkRule:
    """Allowed endpoint roles and the degree rules of one link type."""

    source: Role
    target: Role
    outdegree: Degree
    indegree: Degree


_TRIPLE, _PAIR, _UNIQUE = Degree.UNIQUE_TRIPLE, Degree.UNIQUE_PAIR, Degree.UNIQUE
_RULES = {
    LinkType.CALL_CALC: LinkRule(Role.WORKFLOW, Role.CALCULATION, _TRIPLE, _UNIQUE),
    LinkType.CALL_WORK: LinkRule(Role.WORKFLOW, Role.WORKFLOW, _TRIPLE, _UNIQUE),
    LinkType.CREATE: LinkRule(Role.CALCULATION, Role.DATA, _PAIR, _UNIQUE),
    LinkType.INPUT_CALC: LinkRule(Role.DATA, Role.CALCULATION, _TRIPLE, _PAIR),
    LinkType.INPUT_WORK: LinkRule(Role.DATA, Role.WORKFLOW, _TRIPLE, _PAIR),
    LinkType.RETURN: LinkRule(Role.WORKFLOW, Role.DATA, _PAIR, _TRIPLE),
}


def link_rule(link_type: LinkType) -> LinkRule:
    """The endpoint and degree rule of ``link_type``."""
    return _RULES[link_type]


def validate_link(source: Node, target: Node, link_type: LinkType, link_label: str) -> None:
    """Raise ``LinkValidationError`` unless a ``link_type`` link ``source`` -> ``target`` is allowed."""
    if not isinstance(link_type, LinkType):
        raise LinkArgumentTypeError(f"link_type must be a LinkType, got {link_type!r}")
    for role, node in (("source", source), ("target", target)):
        if not is_node(node):
            raise LinkArgumentTypeError(f"the {role} of a link must be a Node, got {type(node).__name__}")
    if source.backend is not target.backend:
        raise LinkValidationError(
            f"cannot link nodes of different storages: {source.backend} and {target.backend}"
        )
    if source.uuid == target.uuid:
        raise LinkValidationError(f"cannot link node {_name(source)} to itself")
    validate_link_label(link_label)
    rule = link_rule(link_type)
    if type(source)._link_role is not rule.source or type(target)._link_role is not rule.target:
        raise LinkValidationError(
            f"a {link_type.value} link goes from a {rule.source.value} to a {rule.target.value}, "
            f"not from {type(source).__name__} {_name(source)} to {type(target).__name__} {_name(target)}"
        )
    for check, degree in ((_check_outdegree, rule.outdegree), (_check_indegree, rule.indegree)):
        if degree is Degree.UNIQUE_TRIPLE:  # in either direction: only this very link may not exist
            _check_triple(source, target, link_type, link_label)
        else:
            check(source, target, link_type, link_label, with_label=degree is Degree.UNIQUE_PAIR)


def check_cycle(source: Node, target: Node, link_type: LinkType) -> None:
    """Refuse a provenance link whose source descends from its target (both stored)."""
    if link_type not in CYCLE_CHECKED or source.pk is None or target.pk is None:
        return
    if target.backend.is_reachable(target.pk, source.pk):
        raise LinkValidationError(
            f"a {link_type.value} link from {_name(source)} to {_name(target)} would close a cycle: "
            f"{_name(source)} already descends from {_name(target)}"
        )


def _name(node: Node) -> str:
    return (
        f"<{type(node).__name__} pk={node.pk}>"
        if node.pk is not None
        else f"<{type(node).__name__} {node.uuid}>"
    )


def _cached(target: Node) -> list[Any]:
    """The target's unstored incoming links (LinkTriples)."""
    return target.base.links.pending_incoming


def _stored_count(node: Node, **filters: Any) -> int:
    return node.backend.count_rows(EntityTypes.LINK, filters)


def _triple_exists(source: Node, target: Node, link_type: LinkType, link_label: str) -> bool:
    for triple in _cached(target):
        if (
            triple.node.uuid == source.uuid
            and triple.link_type is link_type
            and triple.link_label == link_label
        ):
            return True
    if source.pk is None or target.pk is None:
        return False
    filters = {"input_id": source.pk, "output_id": target.pk, "type": link_type.value, "label": link_label}
    return _stored_count(target, **filters) > 0


def _check_triple(source: Node, target: Node, link_type: LinkType, label: str) -> None:
    """``UNIQUE_TRIPLE`` in either direction: only this very link may not exist yet."""
    if _triple_exists(source, target, link_type, label):
        raise LinkValidationError(
            f"{_name(source)} already has a {link_type.value} link labelled {label!r} to {_name(target)}"
        )


def _check_outdegree(
    source: Node, target: Node, link_type: LinkType, label: str, *, with_label: bool
) -> None:
    """``UNIQUE`` / ``UNIQUE_PAIR`` out of ``source``: no other link of the type (and label)."""
    kind = link_type.value
    for triple in _cached(target):
        same_label = not with_label or triple.link_label == label
        if triple.node.uuid == source.uuid and triple.link_type is link_type and same_label:
            raise LinkValidationError(_out_message(source, kind, label if with_label else None))
    if source.pk is None:
        return
    filters: dict[str, Any] = {"input_id": source.pk, "type": kind}
    if with_label:
        filters["label"] = label
    if _stored_count(source, **filters):
        raise LinkValidationError(_out_message(source, kind, label if with_label else None))


def _out_message(source: Node, kind: str, label: str | None) -> str:
    labelled = f" labelled {label!r}" if label is not None else ""
    return f"{_name(source)} already has an outgoing {kind} link{labelled}; choose another label"


def _check_indegree(source: Node, target: Node, link_type: LinkType, label: str, *, with_label: bool) -> None:
    """``UNIQUE`` / ``UNIQUE_PAIR`` into ``target``: no other link of the type (and label)."""
    kind = link_type.value
    found = any(
        triple.link_type is link_type and (not with_label or triple.link_label == label)
        for triple in _cached(target)
    )
    if not found and target.pk is not None:
        filters: dict[str, Any] = {"output_id": target.pk, "type": kind}
        if with_label:
            filters["label"] = label
        found = _stored_count(target, **filters) > 0
    if found:
        if with_label:
            raise LinkValidationError(
                f"{_name(target)} already has an incoming {kind} link labelled {label!r}; "
                "choose another label"
            )
        what = "creator" if link_type is LinkType.CREATE else "caller"
        raise LinkValidationError(
            f"{_name(target)} already has an incoming {kind} link: a node has at most one {what}"
        )
