"""The graph's rows against AiiDA's rules: links to missing nodes, link rules, cycles, UUIDs.

Each check is one set query of the storage (``StorageBackend.iter_*``) plus, per *kind* of row,
a little Python: link rules are checked per distinct ``(type, input node_type, output node_type)``
(a handful of groups however many links there are), degree rules by the database's ``GROUP BY``,
cycles by peeling the provenance links (``cycles.py``). The rules are the ORM's own tables
(``orm/nodes/link_rules``), so a check and the code that stores links cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

from provgraph.orm.nodes.link_rules import CYCLE_CHECKED, Degree, Role, link_rule
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.types import class_for_node_type
from provgraph.storage.abstract import EntityTypes, StorageBackend
from provgraph.tools.integrity.cycles import nodes_on_cycles
from provgraph.tools.integrity.report import Finding, ProblemKind, Tally

__all__ = [
    "UUID_ENTITIES",
    "delete_links",
    "find_cycles",
    "find_dangling_links",
    "find_degree_clashes",
    "find_duplicate_uuids",
    "find_wrong_endpoints",
]

UUID_ENTITIES = (
    EntityTypes.NODE,
    EntityTypes.GROUP,
    EntityTypes.COMPUTER,
    EntityTypes.COMMENT,
    EntityTypes.LOG,
)
_DELETE_BATCH = 5000


def find_dangling_links(backend: StorageBackend, examples: int = 5) -> tuple[Finding, list[int]]:
    """Links whose input or output node does not exist (a finding and the link ids)."""
    tally = Tally(examples)
    ids: list[int] = []
    for link_id, input_id, output_id, input_missing, output_missing in backend.iter_dangling_links():
        ids.append(link_id)
        source = f"missing node {input_id}" if input_missing else f"node {input_id}"
        target = f"missing node {output_id}" if output_missing else f"node {output_id}"
        tally.add(f"link {link_id} from {source} to {target}")
    return tally.finding(ProblemKind.DANGLING_LINKS), ids


def delete_links(backend: StorageBackend, ids: Sequence[int]) -> int:
    """Delete link rows by id, all in one transaction; returns how many were asked for."""
    with backend.transaction():
        for start in range(0, len(ids), _DELETE_BATCH):
            backend.delete_rows(EntityTypes.LINK, list(ids[start : start + _DELETE_BATCH]))
    return len(ids)


def find_wrong_endpoints(backend: StorageBackend, examples: int = 5) -> Finding:
    """Links of an unknown type, from or to the wrong kind of node, or from a node to itself."""
    known = {link_type.value: link_type for link_type in LinkType}
    roles: dict[str, Role | None] = {}

    def role(node_type: str) -> Role | None:
        if node_type not in roles:
            roles[node_type] = class_for_node_type(node_type)._link_role
        return roles[node_type]

    tally = Tally(examples)
    for kind, source, target, self_link, count, first in backend.iter_link_shapes():
        link_type = known.get(kind)
        problem = ""
        if link_type is None:
            problem = "an unknown link type"
        else:
            rule = link_rule(link_type)
            if role(source) is not rule.source or role(target) is not rule.target:
                problem = f"{kind} links go from a {rule.source.value} to a {rule.target.value}"
            elif self_link:
                problem = "a node linked to itself"
        if problem:
            more = f", and {count - 1} more like it" if count > 1 else ""
            tally.add(f"link {first} ({kind} from {source!r} to {target!r}): {problem}{more}", count)
    return tally.finding(ProblemKind.LINK_ENDPOINTS)


def _degree_columns(degree: Degree, own: str, other: str) -> tuple[str, ...]:
    """The link columns that must differ between two links of ``degree``, seen from the ``own`` end."""
    if degree is Degree.UNIQUE:
        return (own,)
    if degree is Degree.UNIQUE_PAIR:
        return (own, "label")
    return (own, other, "label")


def _degree_groupings() -> list[tuple[LinkType, str, tuple[str, ...]]]:
    """``(link type, what a clash means, columns)`` for the degree rules worth asking.

    A rule whose columns include all of another rule's of the same type adds nothing (two links
    alike in more columns are alike in fewer): every "no exact duplicate" rule is covered by the
    other direction's stricter one, so each clash is reported once per broken rule.
    """
    rules: list[tuple[LinkType, str, tuple[str, ...]]] = []
    for link_type in LinkType:
        rule = link_rule(link_type)
        for degree, own, other, direction in (
            (rule.outdegree, "input_id", "output_id", "outgoing"),
            (rule.indegree, "output_id", "input_id", "incoming"),
        ):
            if degree is Degree.UNIQUE:
                meaning = f"{direction} {link_type.value} links (at most one allowed)"
            elif degree is Degree.UNIQUE_PAIR:
                meaning = f"{direction} {link_type.value} links with one label"
            else:
                meaning = f"identical {link_type.value} links"
            rules.append((link_type, meaning, _degree_columns(degree, own, other)))
    return [
        (link_type, meaning, columns)
        for link_type, meaning, columns in rules
        if not any(kind is link_type and set(fewer) < set(columns) for kind, _, fewer in rules)
    ]


def find_degree_clashes(backend: StorageBackend, examples: int = 5) -> Finding:
    """Groups of links that a degree rule forbids (two creators of one node, a repeated input label).

    Counted per clash: one node with three CREATE links into it is one problem.
    """
    groupings = _degree_groupings()
    query = [(link_type.value, columns) for link_type, _, columns in groupings]
    tally = Tally(examples)
    for index, node_id, count, first in backend.iter_link_clashes(query):
        tally.add(f"node {node_id} has {count} {groupings[index][1]} (e.g. link {first})")
    return tally.finding(ProblemKind.LINK_DEGREES)


def find_cycles(backend: StorageBackend, examples: int = 5) -> Finding:
    """Nodes on cycles of provenance links (CREATE, INPUT_CALC, INPUT_WORK), which must be acyclic."""
    on_cycles = nodes_on_cycles(
        backend.iter_link_ends(sorted(link_type.value for link_type in CYCLE_CHECKED))
    )
    tally = Tally(examples)
    for node_id in on_cycles:
        tally.add(f"node {node_id}")
    note = "delete or correct the link that closes each cycle" if on_cycles else ""
    return tally.finding(ProblemKind.PROVENANCE_CYCLES, note=note)


def find_duplicate_uuids(backend: StorageBackend, examples: int = 5) -> Finding:
    """UUIDs that several rows of one table hold (nodes, groups, computers, comments, logs)."""
    tally = Tally(examples)
    for entity_type in UUID_ENTITIES:
        for uuid, rows, first in backend.iter_duplicate_uuids(entity_type):
            tally.add(f"{entity_type.value} UUID {uuid} in {rows} rows (the first has pk {first})")
    return tally.finding(ProblemKind.DUPLICATE_UUIDS)
